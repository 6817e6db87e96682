"""Pipelines, custom presets, jobs and their outputs, stored the way Elastic Transcoder shows them.

IDs have Elastic Transcoder's form ``^\\d{13}-\\w{6}$``: the creation time in epoch
milliseconds, a dash and six random lowercase letters or digits. Ordering by ID is ordering by
creation time, which is what the list operations' ``Ascending`` and page tokens rely on.
Job times are epoch milliseconds, as on the wire (``Timing.*Millis``).
"""

from __future__ import annotations

import secrets
import string
import time
from typing import Any

from django.conf import settings as django_settings
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.utils import timezone

from mediamill import presets, servicemodel

#: The model's ``Id`` pattern (use ``fullmatch``).
ID_PATTERN = servicemodel.pattern("Id")
_ID_ALPHABET = string.ascii_lowercase + string.digits


def now_ms() -> int:
    """The current time in epoch milliseconds."""
    return time.time_ns() // 1_000_000


def new_id() -> str:
    """A new ID in Elastic Transcoder's form, e.g. ``1502631977930-rabioh``."""
    suffix = "".join(secrets.choice(_ID_ALPHABET) for _ in range(6))
    return f"{now_ms():013d}-{suffix}"


def _id_field() -> models.CharField[str, str]:
    return models.CharField(primary_key=True, max_length=20, default=new_id, editable=False)


_bucket_name = RegexValidator(
    servicemodel.shape("BucketName")["pattern"], "Bucket names use letters, digits, _ . -"
)
_role = RegexValidator(servicemodel.shape("Role")["pattern"], "Role must be an IAM role ARN")
_topic = RegexValidator(r"^arn:aws:sns:.*:\w{12}:.+$", "Must be an SNS topic ARN, or empty")


class PipelineStatus(models.TextChoices):
    ACTIVE = "Active"
    PAUSED = "Paused"


class JobStatus(models.TextChoices):
    SUBMITTED = "Submitted"
    PROGRESSING = "Progressing"
    COMPLETE = "Complete"
    CANCELED = "Canceled"
    ERROR = "Error"


class Pipeline(models.Model):
    id = _id_field()
    name = models.CharField(max_length=40)
    status = models.CharField(
        max_length=10, choices=PipelineStatus.choices, default=PipelineStatus.ACTIVE
    )
    input_bucket = models.CharField(max_length=255, validators=[_bucket_name])
    # Empty when content_config names the bucket (the two are mutually exclusive on the wire).
    output_bucket = models.CharField(max_length=255, blank=True, validators=[_bucket_name])
    role = models.CharField(max_length=255, validators=[_role])
    aws_kms_key_arn = models.CharField(max_length=255, blank=True)
    # Notifications: one SNS topic ARN per state; empty means "no topic".
    notify_progressing = models.CharField(max_length=255, blank=True, validators=[_topic])
    notify_completed = models.CharField(max_length=255, blank=True, validators=[_topic])
    notify_warning = models.CharField(max_length=255, blank=True, validators=[_topic])
    notify_error = models.CharField(max_length=255, blank=True, validators=[_topic])
    # PipelineOutputConfig as on the wire: {"Bucket": ..., "StorageClass": ..., "Permissions": []}
    content_config = models.JSONField(default=dict, blank=True)
    thumbnail_config = models.JSONField(default=dict, blank=True)
    owner = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ("id",)

    def __str__(self) -> str:
        return f"{self.name} ({self.id})"

    @property
    def content_bucket(self) -> str:
        """Where outputs are written: ContentConfig's bucket, else OutputBucket."""
        bucket = (self.content_config or {}).get("Bucket")
        return str(bucket) if bucket else self.output_bucket

    @property
    def thumbnail_bucket(self) -> str:
        """Where thumbnails are written: ThumbnailConfig's bucket, else OutputBucket."""
        bucket = (self.thumbnail_config or {}).get("Bucket")
        return str(bucket) if bucket else self.output_bucket

    @property
    def notifications(self) -> dict[str, str]:
        """The wire ``Notifications`` object (note ``Completed``, not ``Complete``)."""
        return {
            "Progressing": self.notify_progressing,
            "Completed": self.notify_completed,
            "Warning": self.notify_warning,
            "Error": self.notify_error,
        }


class CustomPreset(models.Model):
    """A custom preset. System presets live in code (``mediamill.presets``), not here."""

    id = _id_field()
    name = models.CharField(max_length=40)
    description = models.CharField(max_length=255, blank=True)
    container = models.CharField(
        max_length=10, choices=[(c, c) for c in presets.CONTAINER_EXTENSIONS]
    )
    # The wire sections as received: {"Audio": {...}, "Video": {...}, "Thumbnails": {...}}.
    settings = models.JSONField(default=dict, blank=True)
    owner = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ("id",)

    def __str__(self) -> str:
        return f"{self.name} ({self.id})"

    def wire(self) -> dict[str, Any]:
        """The preset as CreatePreset's body: what ``presets.parse`` reads."""
        return {
            "Name": self.name,
            "Description": self.description,
            "Container": self.container,
            **self.settings,
        }

    def to_preset(self) -> presets.Preset:
        """The typed preset; raises ``PresetValidationError`` if the stored settings are bad."""
        return presets.parse(self.wire(), preset_id=self.id)


class Job(models.Model):
    id = _id_field()
    pipeline = models.ForeignKey(Pipeline, on_delete=models.PROTECT, related_name="jobs")
    input = models.JSONField()  # the JobInput shape: {"Key": ..., "Container": "auto", ...}
    output_key_prefix = models.CharField(max_length=255, blank=True)
    user_metadata = models.JSONField(default=dict, blank=True)
    playlists = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=12, choices=JobStatus.choices, default=JobStatus.SUBMITTED)
    status_detail = models.CharField(max_length=255, blank=True)
    progress = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(100)])
    submit_time_millis = models.BigIntegerField(default=now_ms)
    start_time_millis = models.BigIntegerField(null=True, blank=True)
    finish_time_millis = models.BigIntegerField(null=True, blank=True)
    owner = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    # Lease, for recovery: the worker running the job renews lease_expires_at (epoch ms) with
    # heartbeats; once it passes, another worker may claim the job again.
    claimed_by = models.CharField(max_length=255, blank=True)
    lease_expires_at = models.BigIntegerField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("id",)
        indexes = (
            models.Index(fields=["status", "submit_time_millis"]),
            models.Index(fields=["status", "lease_expires_at"]),
        )
        constraints = (
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="jobs_job_progress_at_most_100"
            ),
        )

    def __str__(self) -> str:
        return self.id

    @property
    def input_key(self) -> str:
        return str(self.input.get("Key", ""))


class BucketGrant(models.Model):
    """An administrator's permission for one user to use one bucket outside their namespace.

    Who may use which bucket is decided in ``jobs.bucket_access``.
    """

    bucket = models.CharField(max_length=255, validators=[_bucket_name])
    user = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bucket_grants"
    )
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ("bucket", "user_id")
        constraints = (
            models.UniqueConstraint(fields=["bucket", "user"], name="jobs_bucketgrant_unique"),
        )

    def __str__(self) -> str:
        return f"{self.bucket} for {self.user}"


class JobOutput(models.Model):
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="outputs")
    # Elastic Transcoder numbers outputs "1", "2", ... in request order; stored as a number so
    # "10" sorts after "9". ``wire_id`` is the string.
    index = models.PositiveSmallIntegerField()
    key = models.CharField(max_length=255)
    preset_id = models.CharField(max_length=20)
    thumbnail_pattern = models.CharField(max_length=255, blank=True)
    rotate = models.CharField(max_length=4, default="auto")
    segment_duration = models.CharField(max_length=11, blank=True)
    status = models.CharField(max_length=12, choices=JobStatus.choices, default=JobStatus.SUBMITTED)
    status_detail = models.CharField(max_length=255, blank=True)
    duration = models.BigIntegerField(null=True, blank=True)  # whole seconds, as on the wire
    duration_millis = models.BigIntegerField(null=True, blank=True)
    file_size = models.BigIntegerField(null=True, blank=True)  # bytes
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    frame_rate = models.CharField(max_length=11, blank=True)  # FloatString, e.g. "29.97"

    class Meta:
        ordering = ("job", "index")
        constraints = (
            models.UniqueConstraint(fields=["job", "index"], name="jobs_output_unique_index"),
            models.UniqueConstraint(fields=["job", "key"], name="jobs_output_unique_key"),
        )

    def __str__(self) -> str:
        return f"{self.job_id} output {self.index}: {self.key}"

    @property
    def wire_id(self) -> str:
        return str(self.index)


class ClaimState(models.TextChoices):
    CLAIMED = "Claimed"  # nothing written yet
    WRITING = "Writing"  # a write started; it may have landed
    WRITTEN = "Written"  # the object under the key is this job's


class OutputClaim(models.Model):
    """One job's hold on one output key of one bucket while it stores its outputs.

    The unique constraint makes two jobs publishing the same key exclusive whatever the
    storage can do, and the state tells a job run again after a crash which objects its
    earlier attempt stored (``jobs.publish``). Claims are released when the job finishes.
    """

    bucket = models.CharField(max_length=255)
    key = models.CharField(max_length=255)
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="output_claims")
    state = models.CharField(max_length=8, choices=ClaimState.choices, default=ClaimState.CLAIMED)
    created = models.BigIntegerField(default=now_ms)

    class Meta:
        ordering = ("bucket", "key")
        constraints = (
            models.UniqueConstraint(fields=["bucket", "key"], name="jobs_outputclaim_unique_key"),
        )

    def __str__(self) -> str:
        return f"{self.bucket}/{self.key} for job {self.job_id}"


class UserLimits(models.Model):
    """An administrator's per-user values for the limits of ``jobs.quotas``.

    An empty field means the setting's value (``MEDIAMILL_USER_MAX_...``); 0 means no limit.
    """

    user = models.OneToOneField(
        django_settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="job_limits",
    )
    max_jobs_in_flight = models.PositiveIntegerField(
        null=True, blank=True, help_text="Empty: MEDIAMILL_USER_MAX_JOBS_IN_FLIGHT. 0: no limit."
    )
    max_jobs_per_minute = models.PositiveIntegerField(
        null=True, blank=True, help_text="Empty: MEDIAMILL_USER_MAX_JOBS_PER_MINUTE. 0: no limit."
    )
    max_stored_mb = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="Empty: MEDIAMILL_USER_MAX_STORED_MB. 0: no limit."
    )

    class Meta:
        verbose_name = "user limits"
        verbose_name_plural = "user limits"

    def __str__(self) -> str:
        return f"limits of {self.user}"
