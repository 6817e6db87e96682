"""The outbox: deliveries are written in the job's own transaction, claimed by one worker at a
time, sent in order per job, retried with backoff and given up after the retry window.

Runs on SQLite here, and again on PostgreSQL (the ``db`` lane), where racing
claims really run in parallel.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import threading
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from tests.jobs_helpers import make_pipeline, results, submit, tutorial_user

from mediamill.jobs import service
from mediamill.jobs.models import Job, JobStatus, Pipeline
from mediamill.jobs.requests import JobInput
from mediamill.notifications import claims, delivery, notices, topics
from mediamill.notifications.backoff import backoff
from mediamill.notifications.models import Delivery, DeliveryStatus, MessageType, Notice, Topic
from mediamill.notifications.transport import HttpSender, Outcome, Request, Sender

pytestmark = pytest.mark.django_db(transaction=True)

WORKER = "host:1:1:test"


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MEDIAMILL_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MEDIAMILL_NOTIFY_BACKOFF_SECONDS", "2")
    monkeypatch.setenv("MEDIAMILL_NOTIFY_MAX_BACKOFF_SECONDS", "60")
    # The receivers in these tests are on loopback, which endpoints may not be by default.
    monkeypatch.setenv("MEDIAMILL_NOTIFY_ALLOWED_NETWORKS", "127.0.0.0/8")
    return tmp_path


@pytest.fixture
def topic() -> Topic:
    return topics.create_topic("transcoding", User.objects.create_user("topic-owner"))


@pytest.fixture
def pipeline(topic: Topic) -> Pipeline:
    pipeline = make_pipeline()
    for field in ("notify_progressing", "notify_completed", "notify_error", "notify_warning"):
        setattr(pipeline, field, topic.arn)
    pipeline.save()
    return pipeline


def confirmed(topic: Topic, url: str = "http://127.0.0.1:9/hook") -> str:
    subscription, _ = topics.subscribe(topic.arn, url)
    return topics.confirm(topic.arn, subscription.token).arn


def notifications(**filters: object) -> list[Delivery]:
    return list(
        Delivery.objects.filter(message_type=MessageType.NOTIFICATION, **filters).order_by("id")
    )


def test_the_outbox_row_is_written_in_the_state_change_transaction(
    pipeline: Pipeline, topic: Topic
) -> None:
    confirmed(topic)
    job = submit(pipeline)
    assert notifications() == [], "Submitted sends nothing"
    with transaction.atomic():
        assert service.claim(job.id, WORKER, 30) is not None
        # Not committed yet, and the row is already there: same transaction.
        assert [d.state for d in notifications()] == ["PROGRESSING"]
    assert [d.state for d in notifications()] == ["PROGRESSING"]


def test_a_rolled_back_state_change_leaves_no_message(pipeline: Pipeline, topic: Topic) -> None:
    confirmed(topic)
    job = submit(pipeline)

    class Crash(Exception):
        pass

    with pytest.raises(Crash), transaction.atomic():
        service.claim(job.id, WORKER, 30)
        raise Crash
    assert Job.objects.get(pk=job.pk).status == JobStatus.SUBMITTED
    assert notifications() == []


def test_the_messages_of_a_job(pipeline: Pipeline, topic: Topic) -> None:
    confirmed(topic)
    confirmed(topic, "http://127.0.0.1:9/other")
    alice = tutorial_user("alice")
    job = submit(pipeline, owner=alice, user_metadata={"owner": "42"})
    service.claim(job.id, WORKER, 30)
    service.complete(job.id, WORKER, results(job))
    rows = notifications()
    assert [d.state for d in rows] == ["PROGRESSING"] * 2 + ["COMPLETED"] * 2
    assert rows[0].message_id == rows[1].message_id != rows[2].message_id, (
        "one MessageId per publication, shared by the subscribers"
    )
    assert rows[2].subject == f"Amazon Elastic Transcoder has finished transcoding job {job.id}."
    assert rows[0].subject == (
        f"Amazon Elastic Transcoder has scheduled job {job.id} for transcoding."
    )
    progressing = json.loads(rows[0].message)
    completed = json.loads(rows[2].message)
    assert list(completed) == [
        "state",
        "version",
        "jobId",
        "pipelineId",
        "input",
        "inputCount",
        "outputKeyPrefix",
        "outputs",
        "userMetadata",
    ]
    assert completed["input"] == {"key": "media/song.mp3"}
    assert (completed["jobId"], completed["pipelineId"]) == (job.id, pipeline.id)
    assert completed["outputs"][0] == {
        "id": "1",
        "presetId": "1351620000001-300300",
        "key": "song.wav",
        "thumbnailPattern": "",
        "status": "Complete",
        "duration": 20,
    }
    assert [o["status"] for o in progressing["outputs"]] == ["Progressing", "Progressing"]
    assert "duration" not in progressing["outputs"][0]
    assert completed["userMetadata"] == {"owner": "42"}
    assert rows[2].message.startswith('{\n  "state" : "COMPLETED",\n  "version" : "2012-09-25"')
    assert [n.text for n in Notice.objects.all()] == ["Your file song.mp3 has been processed"]


def test_error_messages_carry_the_code_per_output(pipeline: Pipeline, topic: Topic) -> None:
    confirmed(topic)
    job = submit(pipeline)
    service.claim(job.id, WORKER, 30)
    service.fail(job.id, WORKER, service.format_detail(4000, "could not interpret"), 1)
    row = notifications()[-1]
    assert row.subject == f"The Amazon Elastic Transcoder job {job.id} has failed."
    message = json.loads(row.message)
    assert message["state"] == "ERROR"
    first, second = message["outputs"]
    assert first["status"] == "Error" and first["errorCode"] == 4000
    assert (
        first["statusDetail"].startswith("4000 ") and "could not interpret" in first["statusDetail"]
    )
    assert second["errorCode"] == 4000 and "output 1 failed" in second["statusDetail"]
    assert list(first)[-3:] == ["status", "statusDetail", "errorCode"]


def test_nothing_for_canceled_jobs_unconfirmed_subscriptions_or_no_topic(
    pipeline: Pipeline, topic: Topic
) -> None:
    topics.subscribe(topic.arn, "http://127.0.0.1:9/unconfirmed")
    job = submit(pipeline)
    service.cancel(job.id)
    other = submit(pipeline)
    service.claim(other.id, WORKER, 30)
    assert notifications() == [], "no confirmed subscription"
    confirmed(topic)
    Pipeline.objects.filter(pk=pipeline.pk).update(notify_completed="")
    service.complete(other.id, WORKER, results(other))
    assert notifications() == [], "no topic for Completed: changes apply at once"


def test_one_claim_wins(pipeline: Pipeline, topic: Topic) -> None:
    confirmed(topic)
    job = submit(pipeline)
    service.claim(job.id, WORKER, 30)
    (row,) = notifications()
    winners: list[str] = []
    barrier = threading.Barrier(4)

    def race(n: int) -> None:
        barrier.wait()
        if claims.claim(row.id, f"w{n}", 30) is not None:
            winners.append(f"w{n}")

    threads = [threading.Thread(target=race, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(winners) == 1
    assert claims.due() == [], "a claimed row is not due while its lease runs"
    Delivery.objects.filter(pk=row.pk).update(lease_expires_at=timezone.now())
    assert claims.due(now=timezone.now() + dt.timedelta(seconds=1)) == [row.id], (
        "an expired lease (a worker that died) makes it due again"
    )


def test_messages_of_one_job_go_in_order(pipeline: Pipeline, topic: Topic) -> None:
    confirmed(topic)
    first, second = submit(pipeline), submit(pipeline, input=JobInput("media/b.mp3"))
    for job in (first, second):
        service.claim(job.id, WORKER + job.id, 30)
        service.complete(job.id, WORKER + job.id, results(job))
    rows = {(d.job_id, d.state): d.id for d in notifications()}
    due = claims.due()
    assert rows[(first.id, "COMPLETED")] not in due, "waits for PROGRESSING of the same job"
    assert {rows[(first.id, "PROGRESSING")], rows[(second.id, "PROGRESSING")]} == set(due)
    assert claims.claim(rows[(first.id, "COMPLETED")], "w", 30) is None

    before = timezone.now()
    failed = delivery.deliver(rows[(first.id, "PROGRESSING")], "w", send=_answer(500))
    assert failed == DeliveryStatus.PENDING
    assert rows[(first.id, "COMPLETED")] not in claims.due(
        now=timezone.now() + dt.timedelta(hours=1)
    ), "still waiting: the earlier message is being retried"
    row = Delivery.objects.get(pk=rows[(first.id, "PROGRESSING")])
    assert (row.attempts, row.last_status_code, row.last_error) == (1, 500, "HTTP 500 Server Error")
    # From before the attempt: on a busy machine getting here may take a while.
    waited = (timezone.now() - before).total_seconds()
    assert 1 <= (row.next_attempt_at - before).total_seconds() <= 2 + waited

    Delivery.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert delivery.deliver(row.pk, "w", send=_answer(204)) == DeliveryStatus.DELIVERED
    row.refresh_from_db()
    assert (row.attempts, row.last_status_code, row.last_error) == (2, 204, "")
    assert row.delivered_at is not None
    assert rows[(first.id, "COMPLETED")] in claims.due()


def test_backoff_doubles_with_jitter_up_to_the_cap() -> None:
    rng = random.Random(7)
    for attempts, step in [(1, 2), (2, 4), (3, 8), (5, 32), (6, 60), (50, 60)]:
        waits = [backoff(attempts, rng) for _ in range(200)]
        assert step / 2 <= min(waits) and max(waits) <= step
        assert max(waits) - min(waits) > step / 4, "jitter spreads retries out"


def test_gives_up_after_the_retry_window(
    pipeline: Pipeline, topic: Topic, monkeypatch: pytest.MonkeyPatch
) -> None:
    confirmed(topic)
    job = submit(pipeline)
    service.claim(job.id, WORKER, 30)
    (row,) = notifications()
    assert delivery.deliver(row.id, "w", send=_refused) == DeliveryStatus.PENDING
    Delivery.objects.filter(pk=row.pk).update(
        next_attempt_at=timezone.now(), created=timezone.now() - dt.timedelta(hours=24)
    )
    assert delivery.deliver(row.id, "w", send=_refused) == DeliveryStatus.FAILED
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_status_code) == ("Failed", 2, None)
    assert row.last_error == "ConnectionRefusedError: [Errno 111] Connection refused"


def test_notices_are_scoped_to_their_owner(pipeline: Pipeline) -> None:
    alice, bob = tutorial_user("alice"), tutorial_user("bob")
    mine = submit(pipeline, owner=alice)
    broken = submit(pipeline, owner=alice, input=JobInput("media/notes.mp3"))
    theirs = submit(pipeline, owner=bob, input=JobInput("media/bob.mp3"))
    for job in (mine, theirs):
        service.claim(job.id, WORKER, 30)
        service.complete(job.id, WORKER, results(job))
    service.claim(broken.id, WORKER, 30)
    service.fail(broken.id, WORKER, service.format_detail(4000, "not media"))
    assert sorted(n.text for n in notices.unread(alice)) == [
        "Your file notes.mp3 could not be processed",
        "Your file song.mp3 has been processed",
    ]
    assert [n.text for n in notices.unread(bob)] == ["Your file bob.mp3 has been processed"]
    bobs = [n.pk for n in notices.unread(bob)]
    assert notices.mark_read(alice, bobs) == 0, "alice cannot dismiss bob's notice"
    assert notices.unread(bob).count() == 1
    assert notices.mark_read(alice, [n.pk for n in notices.unread(alice)]) == 2
    assert list(notices.unread(alice)) == []


def _answer(status: int) -> Sender:
    def send(request: Request, timeout: float) -> Outcome:
        reason = {500: "Server Error"}.get(status, "")
        return Outcome(status, "" if status < 300 else f"HTTP {status} {reason}")

    return send


def _refused(request: Request, timeout: float) -> Outcome:
    return HttpSender()(request, timeout)  # port 9 on loopback: nothing listens


def test_a_message_that_cannot_be_written_does_not_stop_the_job(
    pipeline: Pipeline, topic: Topic, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mediamill.notifications import outbox

    confirmed(topic)
    job = submit(pipeline)

    def broken(*args: object) -> None:
        raise KeyError("a bug")

    monkeypatch.setattr(outbox, "job_message", broken)
    assert service.claim(job.id, WORKER, 30) is not None
    assert notifications() == []
