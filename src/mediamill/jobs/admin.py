"""Admin pages. Pipelines and custom presets are edited here. Jobs are created through a
small form that calls ``service.create_job`` and are otherwise only viewed (and canceled),
because their state belongs to ``service``."""

from __future__ import annotations

from typing import Any

import django_stubs_ext
from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from mediamill.errors import MediamillError
from mediamill.jobs import service, topic_access
from mediamill.jobs.models import BucketGrant, CustomPreset, Job, JobOutput, Pipeline, UserLimits
from mediamill.jobs.requests import JobInput, JobRequest, RequestedOutput

# Lets ModelAdmin[Pipeline] and friends be subscripted at run time, as the type stubs have them.
django_stubs_ext.monkeypatch()


class PipelineForm(forms.ModelForm[Pipeline]):
    """The topics rule applies here too: a pipeline with an owner may name only topics that
    owner may use; one without, any topic that exists (``topic_access``)."""

    class Meta:
        model = Pipeline
        fields = "__all__"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        topics = {
            "Progressing": data.get("notify_progressing", ""),
            "Completed": data.get("notify_completed", ""),
            "Warning": data.get("notify_warning", ""),
            "Error": data.get("notify_error", ""),
        }
        try:
            topic_access.check(topics, data.get("owner"))
        except MediamillError as exc:
            raise forms.ValidationError(exc.message) from exc
        return data


@admin.register(Pipeline)
class PipelineAdmin(admin.ModelAdmin[Pipeline]):
    form = PipelineForm
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


@admin.register(BucketGrant)
class BucketGrantAdmin(admin.ModelAdmin[BucketGrant]):
    """Buckets users may use besides their own ``<username>-...`` ones (``bucket_access``)."""

    list_display = ("bucket", "user", "created")
    search_fields = ("bucket", "user__username")
    list_select_related = ("user",)
    readonly_fields = ("created",)


@admin.register(UserLimits)
class UserLimitsAdmin(admin.ModelAdmin[UserLimits]):
    """Per-user values for the job limits of ``jobs.quotas`` (empty: the setting's)."""

    list_display = ("user", "max_jobs_in_flight", "max_jobs_per_minute", "max_stored_mb")
    search_fields = ("user__username",)
    list_select_related = ("user",)
    autocomplete_fields = ("user",)


class PresetForm(forms.ModelForm[CustomPreset]):
    """Custom preset settings are checked with the same parser the API uses."""

    class Meta:
        model = CustomPreset
        fields = ("name", "description", "container", "settings", "owner")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        candidate = CustomPreset(
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


@admin.register(CustomPreset)
class PresetAdmin(admin.ModelAdmin[CustomPreset]):
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


class JobCreateForm(forms.ModelForm[Job]):
    """The tutorial's job, by hand: one input key, one output per chosen preset.

    Output keys are the input's file name with each preset's extension (``song.mp3`` with
    the WAV preset gives ``song.wav``), under the output key prefix.
    """

    pipeline = forms.ModelChoiceField(queryset=Pipeline.objects.all())
    input_key = forms.CharField(max_length=1024, help_text="Key of the input in the input bucket")
    presets = forms.MultipleChoiceField(
        choices=(), widget=forms.SelectMultiple(attrs={"size": 12}), help_text="One output each"
    )
    output_key_prefix = forms.CharField(max_length=255, required=False)

    class Meta:
        model = Job
        fields: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from mediamill.presets import SYSTEM_PRESETS

        choices = [(p.id, f"{p.id}  {p.name}") for p in SYSTEM_PRESETS.values()]
        choices += [(p.id, f"{p.id}  {p.name}") for p in CustomPreset.objects.order_by("id")]
        self.fields["presets"].choices = choices  # type: ignore[attr-defined]

    owner: Any = None  # set per request by JobAdmin.get_form
    created: Job | None = None

    def clean(self) -> dict[str, Any]:
        # The service validates (and stores) the job: its errors become form errors, so a
        # refused job (an output key already taken: 3002) shows the reason on the form and
        # nothing is kept.
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            request = JobRequest(
                pipeline_id=data["pipeline"].id,
                input=JobInput(data["input_key"]),
                outputs=self.outputs(),
                output_key_prefix=data.get("output_key_prefix", ""),
            )
            owner = self.owner if getattr(self.owner, "is_authenticated", False) else None
            self.created = service.create_job(request, owner=owner)
        except MediamillError as exc:
            raise forms.ValidationError(exc.message) from exc
        return data

    def outputs(self) -> tuple[RequestedOutput, ...]:
        from pathlib import PurePosixPath

        from mediamill.jobs.lookup import resolve_preset

        stem = PurePosixPath(self.cleaned_data["input_key"]).stem
        chosen = [resolve_preset(pid) for pid in self.cleaned_data["presets"]]
        extensions = [p.extension for p in chosen]
        return tuple(
            RequestedOutput(
                key=f"{stem}.{p.extension}"
                if extensions.count(p.extension) == 1
                else f"{stem}-{p.id.rsplit('-', 1)[-1]}.{p.extension}",
                preset_id=p.id,
            )
            for p in chosen
        )


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

    def get_form(
        self, request: HttpRequest, obj: Job | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None:
            kwargs["form"] = type("JobCreateForm", (JobCreateForm,), {"owner": request.user})
            kwargs["fields"] = ("pipeline", "input_key", "presets", "output_key_prefix")
        return super().get_form(request, obj, change, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj: Job | None = None) -> Any:
        if obj is None:
            return ((None, {"fields": ("pipeline", "input_key", "presets", "output_key_prefix")}),)
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Job | None = None) -> Any:
        return () if obj is None else self.readonly_fields

    def get_inlines(self, request: HttpRequest, obj: Job | None) -> Any:
        return () if obj is None else self.inlines

    def save_model(self, request: HttpRequest, obj: Job, form: Any, change: bool) -> None:
        if change or form.created is None:
            raise PermissionError("jobs are not edited; their state belongs to the service")
        obj.pk = form.created.pk
        obj.refresh_from_db()

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
