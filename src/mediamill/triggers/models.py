"""Rules, the event sources that may post to /events/s3, the event history, watermarks."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Rule(models.Model):
    """When an object lands in ``bucket`` under ``prefix`` (ending in ``suffix``), do this.

    Either declarative (``pipeline_id`` and ``outputs``: a list of ``{"preset_id",
    "key_template"}``) or a handler (``handler_path`` and ``handler_function``).
    """

    name = models.CharField(max_length=100, unique=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE
    )
    bucket = models.CharField(max_length=63)
    prefix = models.CharField(max_length=1024, blank=True, default="")
    suffix = models.CharField(max_length=255, blank=True, default="")
    enabled = models.BooleanField(default=True)
    pipeline_id = models.CharField(max_length=40, blank=True, default="")
    outputs = models.JSONField(default=list, blank=True)
    output_key_prefix = models.CharField(max_length=255, blank=True, default="")
    user_metadata = models.JSONField(default=dict, blank=True)
    handler_path = models.CharField(max_length=1024, blank=True, default="")
    handler_function = models.CharField(max_length=100, blank=True, default="")
    chain_depth = models.PositiveSmallIntegerField(
        default=1,
        help_text="How many triggered jobs deep an object may be and still fire this rule: "
        "1 fires on uploads only, never on outputs of triggered jobs.",
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name

    @property
    def is_handler(self) -> bool:
        return bool(self.handler_path)

    def matches(self, bucket: str, key: str) -> bool:
        return bucket == self.bucket and key.startswith(self.prefix) and key.endswith(self.suffix)


class EventSource(models.Model):
    """Something allowed to post S3 event notifications to /events/s3.

    Its secret is both a bearer token (looked up by ``token_hash``) and an HMAC key (kept
    encrypted with the server's secret key). With an owner, its events fire only that
    owner's rules.
    """

    name = models.CharField(max_length=100, unique=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE
    )
    token_hash = models.CharField(max_length=64, unique=True)
    secret_ciphertext = models.TextField()
    created = models.DateTimeField(auto_now_add=True)
    last_used = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name


class SeenSignature(models.Model):
    """An HMAC signature already accepted: the same one again is a replay."""

    digest = models.CharField(max_length=64, unique=True)
    seen_at = models.DateTimeField(auto_now_add=True)


class Outcome(models.TextChoices):
    PENDING = "Pending"  # a handler not yet run
    JOB = "Job"  # a job was created
    HANDLED = "Handled"  # a handler ran and returned
    SKIPPED = "Skipped"  # nothing to do, and why
    REFUSED = "Refused"  # the domain refused the job (access, quota, output exists...)
    ERROR = "Error"  # the handler raised, timed out, or the event was unusable


class Event(models.Model):
    """One object version offered to one rule, and what came of it.

    Unique per rule, bucket, key and version: the same object version fires a rule once,
    however many times and from however many places it is announced. Rows without a rule
    record posted events that matched none, so an accepted event is never lost.
    """

    rule = models.ForeignKey(
        Rule, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    bucket = models.CharField(max_length=63)
    key = models.CharField(max_length=1024)
    version = models.CharField(max_length=200)
    size = models.BigIntegerField(null=True, blank=True)
    source = models.CharField(max_length=100)  # "store", "s3:<source name>", "watch", "test"
    depth = models.PositiveSmallIntegerField(default=0)  # triggered jobs behind the object
    received = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    job_id = models.CharField(max_length=40, blank=True, default="")
    detail = models.TextField(blank=True, default="")
    payload = models.JSONField(default=dict, blank=True)  # the S3 event record handed on
    claimed_by = models.CharField(max_length=200, blank=True, default="")
    lease_expires_at = models.BigIntegerField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-id",)
        constraints = (
            models.UniqueConstraint(
                fields=["rule", "bucket", "key", "version"], name="one_event_per_object_version"
            ),
        )
        indexes = (
            models.Index(fields=["outcome", "lease_expires_at"]),
            # The depth of a job's outputs is looked up by the job's ID.
            models.Index(fields=["job_id"]),
        )

    def __str__(self) -> str:
        return f"{self.bucket}/{self.key} -> {self.rule or 'no rule'}: {self.outcome}"


class Watermark(models.Model):
    """What a watched bucket held at its last listing: each key and its version."""

    bucket = models.CharField(max_length=63)
    key = models.CharField(max_length=1024)
    version = models.CharField(max_length=200)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["bucket", "key"], name="one_watermark_per_key"),
        )
