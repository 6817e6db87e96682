"""Creating, changing and deleting pipelines, with Elastic Transcoder's rules.

Requests are typed (``jobs.requests``: ``PipelineRequest``, ``PipelineChanges``,
``Notifications``, ``RoleTestRequest``), whoever makes them. The service model's constraints
come first, every violation reported together (``servicemodel``); then the rules that involve
several members, with AWS's own messages:

- ``OutputBucket`` or ``ContentConfig`` names where outputs go, never both; with
  ``ContentConfig``, ``ThumbnailConfig`` must name a bucket too.
- ``Role`` must look like an IAM role ARN. mediamill assumes no role: the value is kept, and
  shown back, for code that reads it.
- ``AwsKmsKeyArn``, ``StorageClass`` and ``Permissions`` are kept and shown back, not applied.
- Notification topics must be SNS topic ARNs, or empty for "no topic".
- Every bucket named must be one the requesting user may use (``bucket_access``): checked
  after the rules above, so a malformed request is still reported as AWS did, and before
  any bucket is touched.
- Every topic named must exist and be one the requesting user may use (``topic_access``,
  decided by the notifications app): their own, any for a superuser.
- With a user, a pipeline is found only if it is theirs (``access``; any, for a superuser):
  another user's is not found, whoever asks.

Pipelines are not limited in number (AWS allowed 4 per region; on your own server that limit
protects nothing).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction

from mediamill import servicemodel
from mediamill.buckets import get_bucket
from mediamill.errors import InvalidStateError, MediamillError, NotFoundError, ValidationError
from mediamill.jobs import access, bucket_access, topic_access
from mediamill.jobs.models import Job, JobStatus, Pipeline
from mediamill.jobs.requests import (
    Notifications,
    PipelineChanges,
    PipelineRequest,
    RoleTestRequest,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

#: The stored role's size (the model gives Role a pattern, no length).
ROLE_MAX = 255
UNFINISHED = (JobStatus.SUBMITTED, JobStatus.PROGRESSING)

_NOTIFY_FIELDS = {
    "Progressing": "notify_progressing",
    "Completed": "notify_completed",
    "Warning": "notify_warning",
    "Error": "notify_error",
}


def create_pipeline(request: PipelineRequest, owner: User | None = None) -> Pipeline:
    """A new Active pipeline. Raises ``ValidationError`` (a topic ``owner`` may not use, too),
    or ``PermissionDeniedError`` if ``owner`` may not use one of the buckets."""
    wire = request.to_wire()
    servicemodel.check_operation("CreatePipeline", wire)
    name, input_bucket, role = request.name, request.input_bucket, request.role
    output_bucket = request.output_bucket
    kms = request.aws_kms_key_arn
    notifications = wire.get("Notifications")
    content = wire.get("ContentConfig")
    thumbnails = wire.get("ThumbnailConfig")

    _check_role(role)
    if not output_bucket and not (content or {}).get("Bucket"):
        raise ValidationError(
            "[OutputBucket and ContentConfig:Bucket are not allowed to both be null.]"
        )
    if output_bucket and content is not None:
        raise ValidationError("[OutputBucket and ContentConfig are mutually exclusive.]")
    if content is not None and not (thumbnails or {}).get("Bucket"):
        raise ValidationError(
            "[ThumbnailConfig:Bucket is not allowed to be null if ContentConfig is specified.]"
        )
    if owner is not None:
        named = [input_bucket, output_bucket or "", (content or {}).get("Bucket", "")]
        named.append((thumbnails or {}).get("Bucket", ""))
        bucket_access.check(owner, named, "this pipeline")
    topic_access.check(notifications or {}, owner)
    pipeline = Pipeline(
        name=name,
        input_bucket=input_bucket,
        output_bucket=output_bucket or "",
        role=role,
        aws_kms_key_arn=kms or "",
        content_config=content or {},
        thumbnail_config=thumbnails or {},
        owner=owner,
    )
    _set_notifications(pipeline, notifications or {})
    pipeline.save()
    return pipeline


def update_pipeline(
    pipeline_id: str, changes: PipelineChanges, user: User | None = None
) -> Pipeline:
    """Apply UpdatePipeline's body: members given replace the stored ones.

    Giving ``ContentConfig`` moves the pipeline from ``OutputBucket`` to content/thumbnail
    configs; thumbnails keep going to the old output bucket unless ``ThumbnailConfig`` says
    otherwise. With a ``user``, every bucket named must be one they may use
    (``PermissionDeniedError``), and every topic named too (``ValidationError``).
    """
    wire = changes.to_wire()
    servicemodel.check_operation("UpdatePipeline", {"Id": pipeline_id, **wire})
    name, input_bucket, role = changes.name, changes.input_bucket, changes.role
    kms = changes.aws_kms_key_arn
    notifications = wire.get("Notifications")
    content = wire.get("ContentConfig")
    thumbnails = wire.get("ThumbnailConfig")
    if role is not None:
        _check_role(role)

    with transaction.atomic():
        pipeline = _get_for_update(pipeline_id, user)
        if user is not None:
            named = [input_bucket or "", (content or {}).get("Bucket", "")]
            named.append((thumbnails or {}).get("Bucket", ""))
            bucket_access.check(user, named, "this pipeline")
        topic_access.check(notifications or {}, user)
        if name is not None:
            pipeline.name = name
        if input_bucket is not None:
            pipeline.input_bucket = input_bucket
        if role is not None:
            pipeline.role = role
        if kms is not None:
            pipeline.aws_kms_key_arn = kms
        if notifications is not None:
            _set_notifications(pipeline, notifications)
        if content is not None:
            if not content.get("Bucket"):
                raise ValidationError(
                    "[OutputBucket and ContentConfig:Bucket are not allowed to both be null.]"
                )
            if not pipeline.thumbnail_config and pipeline.output_bucket:
                pipeline.thumbnail_config = {"Bucket": pipeline.output_bucket, "Permissions": []}
            pipeline.content_config = content
            pipeline.output_bucket = ""
        if thumbnails is not None:
            pipeline.thumbnail_config = thumbnails
        if pipeline.content_config and not pipeline.thumbnail_config.get("Bucket"):
            raise ValidationError(
                "[ThumbnailConfig:Bucket is not allowed to be null if ContentConfig is specified.]"
            )
        pipeline.save()
    return pipeline


def update_status(pipeline_id: str, status: str, user: User | None = None) -> Pipeline:
    """Active or Paused. Jobs on a Paused pipeline wait; running ones finish."""
    servicemodel.check_operation("UpdatePipelineStatus", {"Id": pipeline_id, "Status": status})
    with transaction.atomic():
        pipeline = _get_for_update(pipeline_id, user)
        pipeline.status = status
        pipeline.save(update_fields=["status"])
    return pipeline


def update_notifications(
    pipeline_id: str, notifications: Notifications, user: User | None = None
) -> Pipeline:
    """Replace all four topics ("" means "no topic" for that state); with a ``user``, each
    topic must be one they may use."""
    topics = notifications.to_wire()
    servicemodel.check_operation(
        "UpdatePipelineNotifications", {"Id": pipeline_id, "Notifications": topics}
    )
    topic_access.check(topics, user)
    with transaction.atomic():
        pipeline = _get_for_update(pipeline_id, user)
        _set_notifications(pipeline, topics)
        pipeline.save()
    return pipeline


@dataclass(frozen=True)
class PipelineWarning:
    """Something that works, but not as well as it could (CreatePipeline's ``Warnings``)."""

    code: str
    message: str


#: Elastic Transcoder's code for a resource in another region than the pipeline's.
CROSS_REGION = "6006"


def region_warnings(pipeline: Pipeline, region: str) -> list[PipelineWarning]:
    """A 6006 warning for each topic in another region than ``region`` (the pipeline's:
    the one the request was made for), as Elastic Transcoder gave for cross-region topics."""
    warnings = []
    for key, arn in pipeline.notifications.items():
        parts = arn.split(":")
        if arn and len(parts) > 3 and parts[3] != region:
            warnings.append(
                PipelineWarning(
                    CROSS_REGION,
                    f"The SNS topic {arn} (Notifications:{key}) is in region {parts[3]}, "
                    f"not in {region} with the pipeline: delivery crosses regions.",
                )
            )
    return warnings


def delete_pipeline(pipeline_id: str, user: User | None = None) -> None:
    """Delete the pipeline and its finished jobs; refused while a job is still to finish."""
    with transaction.atomic():
        pipeline = _get_for_update(pipeline_id, user)
        if Job.objects.filter(pipeline=pipeline, status__in=UNFINISHED).exists():
            raise InvalidStateError(
                f"The pipeline {pipeline_id} has jobs that are not finished: cancel them or "
                "wait for them before deleting it."
            )
        Job.objects.filter(pipeline=pipeline).delete()
        pipeline.delete()


def role_test(request: RoleTestRequest, user: User | None = None) -> list[str]:
    """TestRole: what stands in the way of a pipeline with these settings; empty when nothing.

    The role is checked for its form only (mediamill assumes no role). With a ``user``, both
    buckets must be ones they may use, or ``PermissionDeniedError`` is raised before either
    is touched, so TestRole cannot probe other users' buckets. The buckets must be usable:
    an S3 bucket must exist and answer, a local folder must exist or be creatable. Each
    topic must exist and be one ``user`` may use: the judgement CreatePipeline makes, given
    here as a message rather than an error.
    """
    servicemodel.check_operation("TestRole", request.to_wire())
    _check_role(request.role)
    input_bucket, output_bucket, topics = (
        request.input_bucket,
        request.output_bucket,
        request.topics,
    )
    if user is not None:
        bucket_access.check(user, [str(input_bucket), str(output_bucket)], "TestRole")
    messages = []
    for kind, bucket in (("input", input_bucket), ("output", output_bucket)):
        try:
            get_bucket(str(bucket)).check()
        except MediamillError as exc:
            messages.append(f"The {kind} bucket {bucket} cannot be used: {exc.message}")
    messages += topic_access.problems(list(topics), user)
    return messages


# --- helpers -------------------------------------------------------------------------------


def _get_for_update(pipeline_id: str, user: User | None) -> Pipeline:
    """The pipeline, locked; with a ``user``, only one of theirs (any, for a superuser)."""
    rows = Pipeline.objects.all() if user is None else access.pipelines(user)
    pipeline = rows.select_for_update().filter(pk=pipeline_id).first()
    if pipeline is None:
        raise NotFoundError(f"The specified pipeline was not found: pipelineId={pipeline_id}.")
    return pipeline


def _check_role(role: str | None) -> None:
    """AWS's own words for the role, rather than the model's pattern violation."""
    if not role:
        raise ValidationError("Role cannot be blank")
    if len(role) > ROLE_MAX or not servicemodel.matches("Role", role):
        raise ValidationError(f"Role ARN is invalid: {role}")


def _set_notifications(pipeline: Pipeline, topics: Mapping[str, str]) -> None:
    for key, field in _NOTIFY_FIELDS.items():
        setattr(pipeline, field, topics.get(key, ""))
