"""Handlers run in a child process with limits; what they do ends in the event history."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from mediamill.jobs import bucket_access
from mediamill.triggers import dispatch, handlers, rules
from mediamill.triggers.models import Event, Outcome, Rule

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

HANDLERS = Path(__file__).with_name("handlers")


def handler_rule(function: str, name: str = "h") -> Rule:
    admin = User.objects.create_superuser(f"root-{name}")
    alice, _ = User.objects.get_or_create(username="alice")
    bucket_access.grant("uploads", alice)
    request = rules.RuleRequest(
        name, "uploads", "media/", handler=f"{HANDLERS / 'misbehaving.py'}:{function}"
    )
    return rules.create_rule(request, alice, by=admin)


def fire_and_run(rule: Rule, key: str = "media/a b.mp3") -> Event:
    (event,) = dispatch.fire(dispatch.Arrival("uploads", key, "v1", 10, source="s3:test"))
    assert event.outcome == Outcome.PENDING
    assert handlers.run_pending("test-worker") == 1
    event.refresh_from_db()
    return event


def test_the_context_and_a_clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDIAMILL_PUBLIC_URL", "http://media.example:8000")
    event = fire_and_run(handler_rule("context_and_environment"))
    assert event.outcome == Outcome.HANDLED
    value = json.loads(event.detail.splitlines()[0].removeprefix("returned ").rsplit(" (", 1)[0])
    assert value == {
        "function_name": "h",
        "request_id": value["request_id"],
        "memory": 1024,
        "remaining": True,
        "endpoint": "http://media.example:8000",
        "has_key": True,
        "secret_setting_leaked": False,
        "records": 1,
    }
    assert value["request_id"].startswith(f"{event.pk}-")
    # The event it got is in S3's format, the key form-encoded.
    assert event.payload["Records"][0]["s3"]["object"]["key"] == "media/a+b.mp3"
    assert handlers.run_pending("test-worker") == 0  # run once


def test_a_handler_that_raises() -> None:
    event = fire_and_run(handler_rule("raises"))
    assert event.outcome == Outcome.ERROR
    assert event.detail.startswith("raised ValueError: no such pipeline: media/a+b.mp3")
    assert "in raises\n    raise ValueError" in event.detail  # the traceback


def test_a_handler_that_hangs_is_killed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDIAMILL_TRIGGER_HANDLER_TIMEOUT", "2")
    event = fire_and_run(handler_rule("hangs"))
    assert event.outcome == Outcome.ERROR
    assert "Timeout: still running after 2 s; killed" in event.detail
    assert "stdout:\nabout to hang" in event.detail


def test_megabytes_of_output_are_cut(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDIAMILL_TRIGGER_HANDLER_OUTPUT_KB", "4")
    event = fire_and_run(handler_rule("chatters"))
    assert event.outcome == Outcome.HANDLED
    assert event.detail.startswith('returned {"remaining_ms": true}')
    assert f"[... {3 * 1024 * 1024 - 4096} more bytes cut]" in event.detail
    assert len(event.detail) < 6000


def test_a_handler_past_its_memory_limit_fails_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDIAMILL_TRIGGER_HANDLER_MEMORY_MB", "256")
    event = fire_and_run(handler_rule("hogs_memory"))
    assert event.outcome == Outcome.ERROR
    assert "MemoryError" in event.detail


def test_the_service_model_is_where_botocores_loader_looks(data_dir: Path) -> None:
    """For a botocore without Elastic Transcoder (after 1.42.17): AWS_DATA_PATH alone."""
    from botocore.loaders import Loader

    root = handlers.service_model_path()
    loader = Loader(extra_search_paths=[str(root)], include_default_search_paths=False)
    model, path = loader.load_data_with_path("elastictranscoder/2012-09-25/service-2")
    assert path.startswith(str(root))
    assert model["metadata"]["serviceId"] == "Elastic Transcoder"
    assert "CreateJob" in model["operations"]
    assert loader.load_data("elastictranscoder/2012-09-25/waiters-2")["waiters"]["JobComplete"]
