"""Admin pages. Pipelines and custom presets are edited here; jobs are only viewed (and
canceled), because their state belongs to ``service``."""

from __future__ import annotations

from typing import Any

import django_stubs_ext
from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from mediamill.errors import MediamillError
from mediamill.jobs import service
from mediamill.jobs.models import Job, JobOutput, Pipeline, Preset

# Lets ModelAdmin[Pipeline] and friends be subscripted at run time, as the type stubs have them.
django_stubs_ext.monkeypatch()


@admin.register(Pipeline)
class PipelineAdmin(admin.ModelAdmin[Pipeline]):
    list_display = ("id", "name", "status", "input_bucket", "content_bucket", "owner", "created")
    list_filter = ("status",)
    search_fields = ("id", "name", "input_bucket", "output_bucket")
    readonly_fields = ("id", "created")
    fieldsets = (
        (None, {"fields": ("id", "name", "status", "owner", "created")}),
        ("Buckets", {"fields": ("input_bucket", "output_bucket", "role", "aws_kms_key_arn")}),
        (
            "Notifications (SNS topic ARNs)",
            {
                "fields": (
                    "notify_progressing",
                    "notify_completed",
                    "notify_warning",
                    "notify_error",
                )
            },
        ),
        ("Output configuration", {"fields": ("content_config", "thumbnail_config")}),
    )


class PresetForm(forms.ModelForm[Preset]):
    """Custom preset settings are checked with the same parser the API uses."""

    class Meta:
        model = Preset
        fields = ("name", "description", "container", "settings", "owner")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        candidate = Preset(
            id=self.instance.id,
            name=data.get("name", ""),
            description=data.get("description", ""),
            container=data.get("container", ""),
            settings=data.get("settings") or {},
        )
        try:
            candidate.to_preset()
        except MediamillError as exc:
            raise forms.ValidationError(exc.message) from exc
        return data


@admin.register(Preset)
class PresetAdmin(admin.ModelAdmin[Preset]):
    form = PresetForm
    list_display = ("id", "name", "container", "description", "owner", "created")
    list_filter = ("container",)
    search_fields = ("id", "name", "description")
    readonly_fields = ("id", "created")


class JobOutputInline(admin.TabularInline[JobOutput, Job]):
    model = JobOutput
    extra = 0
    can_delete = False
    fields = (
        "index",
        "key",
        "preset_id",
        "status",
        "status_detail",
        "duration",
        "file_size",
        "width",
        "height",
        "frame_rate",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Job | None = None) -> bool:
        return False


@admin.register(Job)
class JobAdmin(admin.ModelAdmin[Job]):
    list_display = ("id", "pipeline", "input_key", "status", "progress", "owner", "attempts")
    list_filter = ("status", "pipeline")
    search_fields = ("id", "input__Key", "output_key_prefix", "outputs__key")
    list_select_related = ("pipeline", "owner")
    inlines = (JobOutputInline,)
    actions = ("cancel_jobs",)
    readonly_fields = tuple(
        f.name for f in Job._meta.get_fields() if f.concrete and not f.many_to_many
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # jobs are created through the API, the web app or triggers

    @admin.action(description="Cancel selected jobs (Submitted only)", permissions=("change",))
    def cancel_jobs(self, request: HttpRequest, queryset: QuerySet[Job]) -> None:
        canceled = 0
        for job_id in queryset.values_list("id", flat=True):
            try:
                service.cancel(job_id)
            except MediamillError as exc:
                self.message_user(request, exc.message, messages.WARNING)
            else:
                canceled += 1
        if canceled:
            self.message_user(request, f"Canceled {canceled} job(s).", messages.SUCCESS)


@admin.register(JobOutput)
class JobOutputAdmin(admin.ModelAdmin[JobOutput]):
    list_display = ("__str__", "job", "index", "key", "preset_id", "status", "file_size")
    list_filter = ("status",)
    search_fields = ("job__id", "key", "preset_id")
    list_select_related = ("job",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: JobOutput | None = None) -> bool:
        return False  # view only: outputs change with their job, through the service
