"""Where a person's files live: two buckets of their own namespace and a pipeline of their own.

Uploads go to ``<username>-uploads`` and what jobs make to ``<username>-media``. Both are in
the user's bucket namespace (``jobs.bucket_access``), so no administrator has to grant
anything, and nobody else may name them. The pipeline joining them is created the first time
the person uploads, through ``jobs.pipelines.create_pipeline`` like any other.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction

from mediamill.errors import ValidationError
from mediamill.jobs import bucket_access, pipelines
from mediamill.jobs.models import Pipeline
from mediamill.jobs.requests import PipelineRequest
from mediamill.web.models import PersonalPipeline

if TYPE_CHECKING:
    from django.contrib.auth.models import User

#: Elastic Transcoder wanted an IAM role; mediamill keeps it only to show it back.
ROLE = "arn:aws:iam::000000000000:role/mediamill-web"

# S3 bucket names allow lower-case letters, digits, '-' and '.', 3 to 63 characters; the
# longest suffix is "-uploads" (8), which leaves 55 for the user name.
_S3_SAFE = re.compile(r"[a-z0-9](?:[a-z0-9.-]{0,53}[a-z0-9])?")


def buckets(user: User) -> tuple[str, str]:
    """``(uploads bucket, media bucket)`` of ``user``; ``ValidationError`` if they have none."""
    prefix = bucket_access.namespace(user)
    if prefix is None or not _S3_SAFE.fullmatch(user.get_username()):
        raise ValidationError(
            f"The user name {user.get_username()!r} cannot name buckets (lower-case letters, "
            "digits, '-' and '.' only), so it has no place for files: ask an administrator."
        )
    return f"{prefix}uploads", f"{prefix}media"


def pipeline(user: User) -> Pipeline:
    """The person's pipeline, created on first use."""
    found = PersonalPipeline.objects.select_related("pipeline").filter(user=user).first()
    if found is not None:
        return found.pipeline
    uploads, media = buckets(user)
    try:
        with transaction.atomic():
            made = pipelines.create_pipeline(
                PipelineRequest(name="web", input_bucket=uploads, output_bucket=media, role=ROLE),
                owner=user,
            )
            PersonalPipeline.objects.create(user=user, pipeline=made)
            return made
    except IntegrityError:  # another upload of the same person created it a moment ago
        return PersonalPipeline.objects.select_related("pipeline").get(user=user).pipeline
