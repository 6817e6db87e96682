"""What the web app stores: output recipes, people's files, and each person's pipeline."""

from __future__ import annotations

from django.conf import settings as django_settings
from django.db import models
from django.utils import timezone


class Recipe(models.Model):
    """A named set of presets an administrator offers: what to make from an upload."""

    name = models.CharField(max_length=60, unique=True)
    description = models.CharField(max_length=255, blank=True)
    preset_ids = models.JSONField(
        default=list, help_text="System preset IDs, or IDs of custom presets without an owner."
    )
    is_default = models.BooleanField(
        default=False, help_text="Chosen on the upload page unless the person picks another."
    )
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ("-is_default", "name")

    def __str__(self) -> str:
        return self.name


class MediaFile(models.Model):
    """One upload in a person's library, and the job that processes it."""

    owner = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="media_files"
    )
    name = models.CharField(max_length=255)  # as the browser named it
    bucket = models.CharField(max_length=255)
    key = models.CharField(max_length=1024)
    size = models.BigIntegerField()
    recipe = models.ForeignKey(Recipe, null=True, blank=True, on_delete=models.SET_NULL)
    job = models.OneToOneField(
        "jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="media_file"
    )
    waveform_key = models.CharField(max_length=1024, blank=True)
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ("-created", "-id")
        indexes = (models.Index(fields=["owner", "-created", "-id"]),)
        # One library entry per stored upload: a completion reported twice makes one job.
        constraints = (
            models.UniqueConstraint(fields=["bucket", "key"], name="web_mediafile_unique_object"),
        )

    def __str__(self) -> str:
        return self.name


class PersonalPipeline(models.Model):
    """The pipeline the web app runs a person's jobs on, created the first time it is needed."""

    user = models.OneToOneField(
        django_settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="web_pipeline",
    )
    pipeline = models.ForeignKey("jobs.Pipeline", on_delete=models.CASCADE, related_name="+")
