"""Which buckets a user may use: the rule every pipeline, job and TestRole passes through.

Bucket names are global (``MEDIAMILL_BUCKETS`` maps any name to a folder or an S3 bucket),
so without this rule any key could read, probe or overwrite another user's files by naming
their bucket. The rule:

- a superuser may use any bucket;
- any other user may use the buckets of their namespace, whose names start with
  ``<username>-`` (case-sensitive; a username with characters bucket names do not allow has
  no namespace), unless the name also starts with the namespace of a longer username (the
  ``alice-x-...`` buckets belong to the user ``alice-x``, not to ``alice``);
- and the buckets an administrator granted them (``BucketGrant``, ``mediamill buckets grant``).

Nothing else: in particular not names that ``MEDIAMILL_BUCKETS``'s ``*`` entry or the local
default would resolve. Code running without a user (the CLI, an administrator's own Python)
is not restricted; it simply does not call ``check``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from mediamill.buckets import validate_bucket_name
from mediamill.errors import PermissionDeniedError
from mediamill.jobs.models import BucketGrant, Pipeline

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# Characters a bucket name may hold (Elastic Transcoder's BucketName, ASCII only).
_NAME_CHARS = re.compile(r"[\w.-]+", re.ASCII)


def namespace(user: User) -> str | None:
    """The prefix of the user's own buckets (``alice-``), or None if they have none."""
    username = user.get_username()
    if not _NAME_CHARS.fullmatch(username):
        return None
    return f"{username}-"


def may_use(user: User, bucket: str) -> bool:
    """Whether ``user`` may name ``bucket`` in a pipeline, a job or TestRole."""
    if user.is_superuser:
        return True
    if _in_namespace(user, bucket):
        return True
    return BucketGrant.objects.filter(bucket=bucket, user=user).exists()


def check(user: User, buckets: Iterable[str], what: str) -> None:
    """``PermissionDeniedError`` for the first of ``buckets`` that ``user`` may not use.

    ``what`` says what the buckets are for ("this pipeline", "job 1502...-abcdef"). Empty
    names (an unset OutputBucket) are skipped.
    """
    for bucket in dict.fromkeys(b for b in buckets if b):
        if not may_use(user, bucket):
            raise PermissionDeniedError(denied_message(user, bucket, what))


def denied_message(user: User, bucket: str, what: str) -> str:
    """Short enough for a job's status detail with ordinary names (255 characters in all)."""
    username = user.get_username()
    prefix = namespace(user)
    own = f"buckets named {prefix}... and " if prefix else ""
    return (
        f"Access denied: {username} may not use the bucket {bucket!r} for {what} (only "
        f"{own}buckets granted to {username}); ask an administrator to grant it: "
        f"mediamill buckets grant {bucket} {username}"
    )


def pipeline_buckets(pipeline: Pipeline) -> list[str]:
    """Every bucket a pipeline names: input, output, content and thumbnails."""
    named = [
        pipeline.input_bucket,
        pipeline.output_bucket,
        str((pipeline.content_config or {}).get("Bucket") or ""),
        str((pipeline.thumbnail_config or {}).get("Bucket") or ""),
    ]
    return [b for b in dict.fromkeys(named) if b]


def grant(bucket: str, user: User) -> bool:
    """Let ``user`` use ``bucket``; True if the grant is new, False if it existed."""
    validate_bucket_name(bucket)
    try:
        with transaction.atomic():
            _, created = BucketGrant.objects.get_or_create(bucket=bucket, user=user)
    except IntegrityError:  # granted by someone else at the same moment
        return False
    return created


def revoke(bucket: str, user: User) -> bool:
    """Take a grant back; True if there was one. Pipelines naming the bucket stay, but the
    user's new jobs on them are refused, and so are their jobs not yet run."""
    deleted, _ = BucketGrant.objects.filter(bucket=bucket, user=user).delete()
    return deleted > 0


def grants(user: User | None = None) -> QuerySet[BucketGrant]:
    """Every grant, or one user's, by bucket name."""
    rows = BucketGrant.objects.select_related("user").order_by("bucket", "user__username")
    return rows if user is None else rows.filter(user=user)


def _in_namespace(user: User, bucket: str) -> bool:
    prefix = namespace(user)
    if prefix is None or not bucket.startswith(prefix):
        return False
    # "alice-x-in" starts with "alice-" but belongs to the user "alice-x", if there is one.
    parts = bucket.split("-")
    longer = ["-".join(parts[:n]) for n in range(prefix.count("-") + 1, len(parts))]
    return not get_user_model().objects.filter(username__in=longer).exists()
