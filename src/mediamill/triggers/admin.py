"""Admin pages: rules (made through ``rules.create_rule``, so every check applies, and
handlers only by superusers), the event history and event sources, read-only."""

from __future__ import annotations

from typing import Any

import django_stubs_ext
from django import forms
from django.contrib import admin
from django.http import HttpRequest

from mediamill.errors import MediamillError
from mediamill.triggers import rules
from mediamill.triggers.models import Event, EventSource, Rule

django_stubs_ext.monkeypatch()


class RuleForm(forms.ModelForm[Rule]):
    """A new rule. ``outputs_text`` holds one ``PRESET_ID=KEY_TEMPLATE`` per line;
    ``handler`` is ``FILE.py:FUNCTION``. Changing a rule later changes only ``enabled``."""

    outputs_text = forms.CharField(
        label="Outputs",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One PRESET_ID=KEY_TEMPLATE per line, e.g. 1351620000001-300300="
        "transcoded/{stem}.wav ({key} {dir} {name} {stem} {ext}).",
    )
    handler = forms.CharField(
        required=False, help_text="FILE.py:FUNCTION, instead of a pipeline and outputs."
    )

    class Meta:
        model = Rule
        fields = (
            "name",
            "owner",
            "bucket",
            "prefix",
            "suffix",
            "enabled",
            "pipeline_id",
            "output_key_prefix",
            "chain_depth",
        )

    def __init__(self, *args: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request
        self.created: Rule | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.instance.pk is not None or self.errors:
            return data
        try:
            request = rules.RuleRequest(
                name=data.get("name", ""),
                bucket=data.get("bucket", ""),
                prefix=data.get("prefix") or "",
                suffix=data.get("suffix") or "",
                pipeline_id=data.get("pipeline_id") or "",
                outputs=tuple(
                    rules.parse_output(line.strip())
                    for line in (data.get("outputs_text") or "").splitlines()
                    if line.strip()
                ),
                output_key_prefix=data.get("output_key_prefix") or "",
                handler=data.get("handler") or "",
                chain_depth=data.get("chain_depth") or 1,
                enabled=bool(data.get("enabled")),
            )
            by = self.request.user if self.request is not None else None
            # Made here, so that the domain's refusals show on the form.
            self.created = rules.create_rule(request, data.get("owner"), by=by)
        except MediamillError as exc:
            raise forms.ValidationError(exc.message) from exc
        return data

    def validate_unique(self) -> None:
        if self.created is None:  # once made, the domain has checked its name
            super().validate_unique()


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin[Rule]):
    form = RuleForm
    list_display = ("name", "owner", "bucket", "prefix", "suffix", "enabled", "pipeline_id")
    list_filter = ("enabled", "bucket")

    def get_form(
        self, request: HttpRequest, obj: Rule | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form_class = super().get_form(request, obj, change, **kwargs)

        class WithRequest(form_class):  # type: ignore[misc, valid-type]
            def __init__(self, *args: Any, **kw: Any) -> None:
                super().__init__(*args, request=request, **kw)

        return WithRequest

    def get_fields(self, request: HttpRequest, obj: Rule | None = None) -> Any:
        if obj is None:
            return [*RuleForm.Meta.fields, "outputs_text", "handler"]
        return ["enabled"]

    def save_model(self, request: HttpRequest, obj: Rule, form: Any, change: bool) -> None:
        if change:
            try:
                rules.set_enabled(obj.name, obj.enabled)
            except MediamillError as exc:
                self.message_user(request, exc.message, level="error")
            return
        created = form.created
        if created is not None:
            obj.pk = created.pk


@admin.register(Event)
class EventAdmin(admin.ModelAdmin[Event]):
    list_display = ("received", "rule", "bucket", "key", "outcome", "job_id", "source")
    list_filter = ("outcome", "source")
    search_fields = ("key", "job_id")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(EventSource)
class EventSourceAdmin(admin.ModelAdmin[EventSource]):
    """Created with `mediamill triggers sources create NAME`, which prints the secret once."""

    list_display = ("name", "owner", "created", "last_used")
    exclude = ("token_hash", "secret_ciphertext")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
