"""Creating, changing and deleting pipelines, with Elastic Transcoder's rules.

Requests are typed (``jobs.requests``: ``PipelineRequest``, ``PipelineChanges``,
``Notifications``, ``RoleTestRequest``), whoever makes them. Member checks come first and are
reported together (``constraints``); then the rules that involve several members, with AWS's
own messages:

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

Pipelines are not limited in number (AWS allowed 4 per region; on your own server that limit
protects nothing).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db import transaction

from mediamill.buckets import get_bucket
from mediamill.errors import InvalidStateError, MediamillError, NotFoundError, ValidationError
from mediamill.jobs import bucket_access, constraints, topic_access
from mediamill.jobs.constraints import Members
from mediamill.jobs.models import Job, JobStatus, Pipeline, PipelineStatus
from mediamill.jobs.requests import (
    Notifications,
    PipelineChanges,
    PipelineRequest,
    RoleTestRequest,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

NAME_MAX = 40
KMS_ARN_MAX = 255
NOTIFICATION_KEYS = ("Progressing", "Completed", "Warning", "Error")
STORAGE_CLASSES = ("Standard", "ReducedRedundancy")
GRANTEE_TYPES = ("Canonical", "Email", "Group")
ACCESS_CONTROLS = ("FullControl", "Read", "ReadAcp", "WriteAcp")
MAX_PERMISSIONS = 30
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
    members = Members(request.to_wire())
    name = members.string("Name", required=True, min_length=1, max_length=NAME_MAX)
    input_bucket = members.string("InputBucket", required=True, pattern=constraints.BUCKET_NAME)
    output_bucket = members.string("OutputBucket", pattern=constraints.BUCKET_NAME)
    role = members.string("Role", max_length=255)
    kms = members.string("AwsKmsKeyArn", max_length=KMS_ARN_MAX)
    notifications = _notifications(members, required=False)
    content = _output_config(members, "ContentConfig")
    thumbnails = _output_config(members, "ThumbnailConfig")
    members.done()

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
    assert name is not None and input_bucket is not None and role is not None
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
    members = Members(changes.to_wire())
    name = members.string("Name", min_length=1, max_length=NAME_MAX)
    input_bucket = members.string("InputBucket", pattern=constraints.BUCKET_NAME)
    role = members.string("Role", max_length=255)
    kms = members.string("AwsKmsKeyArn", max_length=KMS_ARN_MAX)
    notifications = _notifications(members, required=False)
    content = _output_config(members, "ContentConfig")
    thumbnails = _output_config(members, "ThumbnailConfig")
    members.done()
    if members.present("Role"):
        _check_role(role)

    with transaction.atomic():
        pipeline = _get_for_update(pipeline_id)
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


def update_status(pipeline_id: str, status: str) -> Pipeline:
    """Active or Paused. Jobs on a Paused pipeline wait; running ones finish."""
    members = Members({"Status": status})
    value = members.string("Status", required=True, choices=PipelineStatus.values)
    members.done()
    with transaction.atomic():
        pipeline = _get_for_update(pipeline_id)
        pipeline.status = str(value)
        pipeline.save(update_fields=["status"])
    return pipeline


def update_notifications(
    pipeline_id: str, notifications: Notifications, user: User | None = None
) -> Pipeline:
    """Replace all four topics ("" means "no topic" for that state); with a ``user``, each
    topic must be one they may use."""
    members = Members({"Notifications": notifications.to_wire()})
    topics = _notifications(members, required=True)
    members.done()
    topic_access.check(topics or {}, user)
    with transaction.atomic():
        pipeline = _get_for_update(pipeline_id)
        _set_notifications(pipeline, topics or {})
        pipeline.save()
    return pipeline


def delete_pipeline(pipeline_id: str) -> None:
    """Delete the pipeline and its finished jobs; refused while a job is still to finish."""
    with transaction.atomic():
        pipeline = _get_for_update(pipeline_id)
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
    members = Members(request.to_wire())
    role = members.string("Role", required=True, max_length=255)
    input_bucket = members.string("InputBucket", required=True, pattern=constraints.BUCKET_NAME)
    output_bucket = members.string("OutputBucket", required=True, pattern=constraints.BUCKET_NAME)
    topics = members.array("Topics", required=True, max_items=30)
    for i, topic in enumerate(topics or []):
        if not isinstance(topic, str) or not constraints.matches(constraints.SNS_TOPIC, topic):
            members.violations.append(
                constraints.violation(
                    topic,
                    f"topics.{i + 1}.member",
                    f"satisfy regular expression pattern: {constraints.SNS_TOPIC}",
                )
            )
    members.done()
    _check_role(role)
    if user is not None:
        bucket_access.check(user, [str(input_bucket), str(output_bucket)], "TestRole")
    messages = []
    for kind, bucket in (("input", input_bucket), ("output", output_bucket)):
        try:
            get_bucket(str(bucket)).check()
        except MediamillError as exc:
            messages.append(f"The {kind} bucket {bucket} cannot be used: {exc.message}")
    messages += topic_access.problems([str(topic) for topic in topics or []], user)
    return messages


# --- helpers -------------------------------------------------------------------------------


def _get_for_update(pipeline_id: str) -> Pipeline:
    pipeline = Pipeline.objects.select_for_update().filter(pk=pipeline_id).first()
    if pipeline is None:
        raise NotFoundError(f"The specified pipeline was not found: pipelineId={pipeline_id}.")
    return pipeline


def _check_role(role: str | None) -> None:
    if not role:
        raise ValidationError("Role cannot be blank")
    if not constraints.matches(constraints.ROLE, role):
        raise ValidationError(f"Role ARN is invalid: {role}")


def _notifications(members: Members, *, required: bool) -> dict[str, str] | None:
    section = members.object("Notifications", required=required)
    if section is None:
        return None
    return {
        key: section.string(key, pattern=constraints.SNS_TOPIC) or "" for key in NOTIFICATION_KEYS
    }


def _set_notifications(pipeline: Pipeline, topics: Mapping[str, str]) -> None:
    for key, field in _NOTIFY_FIELDS.items():
        setattr(pipeline, field, topics.get(key, ""))


def _output_config(members: Members, name: str) -> dict[str, Any] | None:
    """A PipelineOutputConfig as it will be stored and shown: Bucket, StorageClass, Permissions."""
    section = members.object(name)
    if section is None:
        return None
    config: dict[str, Any] = {}
    bucket = section.string("Bucket", pattern=constraints.BUCKET_NAME)
    if bucket is not None:
        config["Bucket"] = bucket
    storage = section.string("StorageClass", choices=STORAGE_CLASSES)
    if storage is not None:
        config["StorageClass"] = storage
    permissions = []
    for i, item in enumerate(section.array("Permissions", max_items=MAX_PERMISSIONS) or []):
        where = f"{section.where('Permissions')}.{i + 1}.member"
        grant = Members(item, where, section.violations)
        permission: dict[str, Any] = {}
        grantee_type = grant.string("GranteeType", choices=GRANTEE_TYPES)
        if grantee_type is not None:
            permission["GranteeType"] = grantee_type
        grantee = grant.string("Grantee", min_length=1, max_length=255)
        if grantee is not None:
            permission["Grantee"] = grantee
        access = grant.array("Access", max_items=MAX_PERMISSIONS) or []
        for j, value in enumerate(access):
            if value not in ACCESS_CONTROLS:
                grant.violations.append(
                    constraints.violation(
                        value,
                        f"{grant.where('Access')}.{j + 1}.member",
                        f"satisfy enum value set: [{', '.join(ACCESS_CONTROLS)}]",
                    )
                )
        permission["Access"] = [v for v in access if v in ACCESS_CONTROLS]
        permissions.append(permission)
    config["Permissions"] = permissions
    return config
