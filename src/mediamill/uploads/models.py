"""One resumable upload: where it goes, how far it got, and what holds its bytes meanwhile."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class UploadStatus(models.TextChoices):
    RECEIVING = "receiving"  # bytes are arriving (or may arrive: the client can resume)
    COMPLETING = "completing"  # all bytes in; being published, probed, handed over
    COMPLETE = "complete"  # handed over; kept until it expires, to answer retries the same


class Upload(models.Model):
    """An upload in progress. ``offset`` counts the bytes stored durably, never more.

    Folder buckets hold the bytes in a hidden staging file beside the final key
    (``staging_name``); S3 buckets in a multipart upload (``multipart_id``), whose parts
    (``part_etags``, in order) are all ``part_size`` bytes but the last.
    """

    id = models.CharField(primary_key=True, max_length=32, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="uploads"
    )
    bucket = models.CharField(max_length=255)
    key = models.CharField(max_length=1024)
    filename = models.CharField(max_length=255)
    metadata = models.JSONField(default=dict)
    length = models.BigIntegerField()
    offset = models.BigIntegerField(default=0)
    status = models.CharField(
        max_length=16, choices=UploadStatus.choices, default=UploadStatus.RECEIVING
    )
    staging_name = models.CharField(max_length=255, blank=True)
    multipart_id = models.CharField(max_length=1024, blank=True)
    part_size = models.BigIntegerField(default=0)
    part_etags = models.JSONField(default=list)
    # A request writing bytes holds the upload until then, so two never write at once.
    busy_until = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)  # the completion handler's answer
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = (models.Index(fields=["owner", "status"]),)

    def __str__(self) -> str:
        return f"{self.filename} ({self.offset}/{self.length} bytes)"
