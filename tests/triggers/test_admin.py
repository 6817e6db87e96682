"""Admin pages: rules made through the domain (its refusals shown on the form), history."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from tests.triggers_helpers import WAV, make_pipeline, tutorial_rule

from mediamill.triggers import dispatch
from mediamill.triggers.models import Rule

pytestmark = pytest.mark.django_db


def form(pipeline_id: str, name: str, outputs: str) -> dict[str, str]:
    return {
        "name": name,
        "owner": "",
        "bucket": "uploads",
        "prefix": "media/",
        "suffix": "",
        "enabled": "on",
        "pipeline_id": pipeline_id,
        "output_key_prefix": "",
        "chain_depth": "1",
        "outputs_text": outputs,
        "handler": "",
    }


def test_adding_a_rule_in_the_admin(admin_client: Client) -> None:
    pipeline = make_pipeline()
    url = reverse("admin:triggers_rule_add")
    assert admin_client.get(url).status_code == 200
    answer = admin_client.post(url, form(pipeline.id, "loopy", f"{WAV}=media/{{stem}}.wav"))
    assert answer.status_code == 200
    assert "would fire on its own outputs" in answer.content.decode()
    assert not Rule.objects.exists()
    answer = admin_client.post(url, form(pipeline.id, "tutorial", f"{WAV}=done/{{stem}}.wav"))
    assert answer.status_code == 302
    rule = Rule.objects.get()
    assert rule.outputs == [{"preset_id": WAV, "key_template": "done/{stem}.wav"}]


def test_pages_load(admin_client: Client) -> None:
    rule = tutorial_rule(make_pipeline())
    (event,) = dispatch.fire(dispatch.Arrival("uploads", "media/a.mp3", "v", 1, "s3:x"))
    for model, obj in (("rule", rule), ("event", event)):
        assert admin_client.get(reverse(f"admin:triggers_{model}_changelist")).status_code == 200
        page = admin_client.get(reverse(f"admin:triggers_{model}_change", args=[obj.pk]))
        assert page.status_code == 200
    assert admin_client.get(reverse("admin:triggers_eventsource_changelist")).status_code == 200
    # Changing a rule changes whether it is enabled, through the domain's checks.
    answer = admin_client.post(reverse("admin:triggers_rule_change", args=[rule.pk]), {})
    assert answer.status_code == 302
    rule.refresh_from_db()
    assert not rule.enabled
