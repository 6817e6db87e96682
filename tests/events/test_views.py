"""POST /events/s3: authenticated per event source; every record ends in the history."""

from __future__ import annotations

import base64
import io
import json
import time
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from tests.triggers_helpers import make_pipeline, s3_event, sns_wrapped, tutorial_rule

from mediamill.buckets import get_bucket
from mediamill.jobs import bucket_access
from mediamill.jobs.models import Job
from mediamill.triggers import sources
from mediamill.triggers.models import Event, Outcome

pytestmark = pytest.mark.django_db

URL = "/events/s3"


def post(client: Client, body: Any, **headers: str) -> Any:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post(URL, data, content_type="application/json", headers=headers)


@pytest.fixture
def secret() -> str:
    return sources.create_source("minio")[1]


def test_a_declarative_rule_fires_from_a_posted_event(client: Client, secret: str) -> None:
    rule = tutorial_rule(make_pipeline())
    get_bucket("uploads").write("media/red flower.mp3", io.BytesIO(b"x"))
    Event.objects.all().delete()
    Job.objects.all().delete()  # the write above fired the rule already; start again
    answer = post(
        client, s3_event("uploads", "media/red flower.mp3"), Authorization=f"Bearer {secret}"
    )
    assert answer.status_code == 200, answer.content
    (record,) = answer.json()["records"]
    (fired,) = record["events"]
    assert (fired["trigger"], fired["outcome"]) == ("tutorial", Outcome.JOB)
    job = Job.objects.get(pk=fired["job"])
    assert job.input["Key"] == "media/red flower.mp3"
    event = Event.objects.get(rule=rule)
    assert event.source == "s3:minio" and event.version == "0123456789abcdef0123456789abcdef"
    # The same event again: acknowledged, recorded as nothing new, no second job.
    again = post(
        client, s3_event("uploads", "media/red flower.mp3"), Authorization=f"Bearer {secret}"
    )
    assert again.status_code == 200
    assert again.json()["records"][0]["events"] == [] and Job.objects.count() == 1


def test_sns_envelope_and_basic_credentials(client: Client, secret: str) -> None:
    tutorial_rule(make_pipeline())
    get_bucket("uploads").write("media/a b.mp3", io.BytesIO(b"x"))
    Job.objects.all().delete()
    Event.objects.all().delete()
    basic = base64.b64encode(f"minio:{secret}".encode()).decode()
    answer = post(
        client,
        sns_wrapped(s3_event("uploads", "media/a b.mp3", etag="other")),
        Authorization=f"Basic {basic}",
    )
    assert answer.status_code == 200
    assert answer.json()["records"][0]["events"][0]["outcome"] == Outcome.JOB


def test_hmac_signed_posts_and_replays(client: Client, secret: str) -> None:
    body = json.dumps(s3_event("uploads", "media/nothing.mp3")).encode()
    stamp = int(time.time())
    headers = {
        "X-Mediamill-Source": "minio",
        "X-Mediamill-Timestamp": str(stamp),
        "X-Mediamill-Signature": sources.signature(secret, stamp, body),
    }
    assert post(client, body, **headers).status_code == 200
    replay = post(client, body, **headers)
    assert replay.status_code == 401 and "replay" in replay.json()["message"]
    old = stamp - 3600
    stale = dict(
        headers,
        **{
            "X-Mediamill-Timestamp": str(old),
            "X-Mediamill-Signature": sources.signature(secret, old, body),
        },
    )
    assert post(client, body, **stale).status_code == 401
    tampered = body.replace(b"nothing", b"another")
    assert (
        post(
            client, tampered, **dict(headers, **{"X-Mediamill-Timestamp": str(stamp + 1)})
        ).status_code
        == 401
    )


def test_unauthenticated_posts_are_refused_and_leave_nothing(client: Client, secret: str) -> None:
    tutorial_rule(make_pipeline())
    for headers in ({}, {"Authorization": "Bearer mmes_wrong"}, {"Authorization": "Basic !!"}):
        answer = post(client, s3_event("uploads", "media/a.mp3"), **headers)
        assert answer.status_code == 401
        assert "WWW-Authenticate" in answer.headers
    assert not Event.objects.exists()
    assert client.get(URL, headers={"Authorization": f"Bearer {secret}"}).status_code == 405


def test_bad_events_get_clear_answers_and_entries(client: Client, secret: str) -> None:
    auth = {"Authorization": f"Bearer {secret}"}
    tutorial_rule(make_pipeline())
    answer = post(client, b"{nope", **auth)
    assert answer.status_code == 400 and "not valid JSON" in answer.json()["message"]
    test_event = {"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "uploads"}
    assert post(client, test_event, **auth).json()["received"] == "s3:TestEvent"

    answer = post(client, s3_event("uploads", "media/missing.mp3"), **auth)
    assert answer.status_code == 200
    assert "no such object" in answer.json()["records"][0]["note"]
    answer = post(client, s3_event("uploads", "media/../../etc/passwd"), **auth)
    assert "unusable bucket or key" in answer.json()["records"][0]["note"]
    answer = post(client, s3_event("Not_A_Bucket!", "media/a.mp3"), **auth)
    assert "unusable bucket or key" in answer.json()["records"][0]["note"]
    answer = post(client, s3_event("uploads", "media/a.mp3", name="ObjectRemoved:Delete"), **auth)
    assert "start nothing" in answer.json()["records"][0]["note"]
    answer = post(client, s3_event("uploads", "other/a.mp3"), **auth)
    assert answer.json()["records"][0]["note"] == "no enabled trigger matches"
    # Every accepted record is in the history, none made a job.
    unmatched = Event.objects.filter(rule=None)
    assert unmatched.count() == 5 and not Job.objects.exists()
    assert {e.outcome for e in unmatched} == {Outcome.ERROR, Outcome.SKIPPED}


def test_a_sources_owner_fires_only_their_rules(client: Client) -> None:
    alice = User.objects.create_user("alice")
    bucket_access.grant("uploads", alice)
    tutorial_rule(make_pipeline())  # an administrator's rule, no owner
    _source, secret = sources.create_source("alices", owner=alice)
    get_bucket("uploads").write("media/x.mp3", io.BytesIO(b"x"))
    Event.objects.all().delete()
    answer = post(client, s3_event("uploads", "media/x.mp3"), Authorization=f"Bearer {secret}")
    assert answer.json()["records"][0]["note"] == "no enabled trigger matches"


def test_sns_subscription_confirmations_are_recorded_not_followed_elsewhere(
    client: Client, secret: str
) -> None:
    confirmation = {
        "Type": "SubscriptionConfirmation",
        "SubscribeURL": "http://169.254.169.254/latest/meta-data/",
        "Token": "x",
    }
    answer = post(client, confirmation, Authorization=f"Bearer {secret}")
    assert answer.status_code == 200
    assert "is not an SNS address; visit it by hand" in answer.json()["note"]
    (event,) = Event.objects.all()
    assert event.rule is None and "not an SNS address" in event.detail
