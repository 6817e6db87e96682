"""Notifications over real HTTP on loopback, with real jobs and real signatures.

The subscriber is the tutorial's Django view (``tests/sns_receiver.py``) behind an
``http.server``; SubscribeURL and SigningCertURL point at Django's live server; jobs are real
transcodes run by the runner; the delivery threads are the ones ``mediamill serve`` runs.
Every signature is checked here with ``cryptography`` alone, against the certificate fetched
from SigningCertURL, not with mediamill's verifier.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from tests.jobs_helpers import WAV, make_pipeline, results, submit
from tests.sns_receiver import Received, Receiver, check_signature, fetch

from mediamill.buckets import get_bucket
from mediamill.jobs import runner, service
from mediamill.jobs.models import Job, JobStatus, Pipeline
from mediamill.jobs.requests import JobInput, JobRequest, RequestedOutput
from mediamill.notifications import topics
from mediamill.notifications.delivery import DeliveryWorker
from mediamill.notifications.models import Delivery, DeliveryStatus, MessageType, Topic
from mediamill.notifications.transport import HttpSender, Request
from mediamill.notifications.verify import verify_webhook
from mediamill.testing import write_audio

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, live_server: Any) -> Path:
    monkeypatch.setenv("MEDIAMILL_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MEDIAMILL_PUBLIC_URL", live_server.url)
    monkeypatch.setenv("MEDIAMILL_JOB_LEASE_SECONDS", "5")
    monkeypatch.setenv("MEDIAMILL_NOTIFY_TIMEOUT", "2")
    monkeypatch.setenv("MEDIAMILL_NOTIFY_BACKOFF_SECONDS", "0.2")
    monkeypatch.setenv("MEDIAMILL_NOTIFY_MAX_BACKOFF_SECONDS", "0.5")
    # The receivers in these tests are on loopback, which endpoints may not be by default.
    monkeypatch.setenv("MEDIAMILL_NOTIFY_ALLOWED_NETWORKS", "127.0.0.0/8")
    return tmp_path


@pytest.fixture(scope="module")
def song(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_audio(tmp_path_factory.mktemp("notify") / "song.mp3", 1.5)


@pytest.fixture
def topic(settings: Any) -> Topic:
    topic = topics.create_topic("transcoding", User.objects.create_user("topic-owner"))
    settings.SNS_TOPIC_ARN = topic.arn  # what the tutorial's view checks the header against
    return topic


@pytest.fixture
def pipeline(topic: Topic) -> Pipeline:
    pipeline = make_pipeline()
    pipeline.notify_progressing = pipeline.notify_completed = pipeline.notify_error = topic.arn
    pipeline.save()
    return pipeline


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def notifier(transactional_db: None) -> Iterator[DeliveryWorker]:
    worker = DeliveryWorker(threads=2)
    worker.start()
    yield worker
    worker.stop()


def run(pipeline: Pipeline, song: Path, key: str) -> str:
    """Upload ``song`` as ``key`` and run a real job on it; return the job ID."""
    get_bucket("uploads").upload_file(key, song)
    job = service.create_job(
        JobRequest(
            pipeline.id,
            JobInput(key),
            (RequestedOutput(key.rsplit("/", 1)[-1] + ".wav", WAV),),
            output_key_prefix="processed/",
        )
    )
    runner.run_job(job.id)
    return job.id


def check_sns_headers(received: Received, subscription_arn: str | None) -> None:
    envelope = received.envelope()
    headers = received.headers
    assert headers["x-amz-sns-message-type"] == envelope["Type"]
    assert headers["x-amz-sns-message-id"] == envelope["MessageId"]
    assert headers["x-amz-sns-topic-arn"] == envelope["TopicArn"]
    assert headers.get("x-amz-sns-subscription-arn") == subscription_arn
    assert headers["content-type"] == "text/plain; charset=UTF-8"
    assert headers["user-agent"] == "Amazon Simple Notification Service Agent"


@pytest.mark.slow  # real jobs, end to end, over a second
def test_the_tutorial_receiver_gets_each_state_of_real_jobs(
    pipeline: Pipeline,
    topic: Topic,
    receiver: Receiver,
    notifier: DeliveryWorker,
    song: Path,
    tmp_path: Path,
) -> None:
    subscription, _ = topics.subscribe(topic.arn, receiver.url)
    (confirmation,) = receiver.wait_for("SubscriptionConfirmation", 1)
    check_sns_headers(confirmation, None)
    check_signature(confirmation)
    envelope = confirmation.envelope()
    assert (envelope["TopicArn"], envelope["Token"]) == (topic.arn, subscription.token)

    # Not confirmed yet: a job's states are not sent.
    unannounced = run(pipeline, song, "media/before.mp3")
    assert Delivery.objects.filter(message_type=MessageType.NOTIFICATION).count() == 0
    assert [r.type for r in receiver.received] == ["SubscriptionConfirmation"]

    answer = fetch(envelope["SubscribeURL"]).decode()  # the subscriber confirms: a GET
    assert f"<SubscriptionArn>{subscription.arn}</SubscriptionArn>" in answer

    good = run(pipeline, song, "media/song.mp3")
    corrupt = tmp_path / "notes.mp3"
    corrupt.write_text("not a song\n" * 200)
    bad = run(pipeline, corrupt, "media/notes.mp3")
    notes = receiver.wait_for("Notification", 4)
    assert len(notes) == 4, "nothing else: no duplicates, nothing for the unconfirmed job"

    by_job: dict[str, list[dict[str, Any]]] = {}
    for received in notes:
        check_sns_headers(received, subscription.arn)
        check_signature(received)
        message = json.loads(received.envelope()["Message"])
        by_job.setdefault(message["jobId"], []).append(message)
    assert unannounced not in by_job
    assert [m["state"] for m in by_job[good]] == ["PROGRESSING", "COMPLETED"]
    assert [m["state"] for m in by_job[bad]] == ["PROGRESSING", "ERROR"]
    assert {m["input"]["key"] for m in by_job[good]} == {"media/song.mp3"}
    assert {m["input"]["key"] for m in by_job[bad]} == {"media/notes.mp3"}
    done = by_job[good][1]["outputs"][0]
    assert (done["status"], done["duration"], done["key"]) == ("Complete", 2, "song.mp3.wav")
    failed = by_job[bad][1]["outputs"][0]
    assert (failed["status"], failed["errorCode"]) == ("Error", 4000)
    subjects = {
        json.loads(r.envelope()["Message"])["state"]: r.envelope()["Subject"] for r in notes
    }
    assert subjects["COMPLETED"].startswith("Amazon Elastic Transcoder has finished transcoding")
    # The tutorial's view accepted every one (it checks the topic header) and saw the states.
    assert sorted(receiver.states) == ["COMPLETED", "ERROR", "PROGRESSING", "PROGRESSING"]
    rows = Delivery.objects.filter(message_type=MessageType.NOTIFICATION)
    assert {(d.status, d.last_status_code, d.attempts) for d in rows} == {("Delivered", 200, 1)}


@pytest.mark.slow
def test_a_slow_or_failing_subscriber_does_not_slow_jobs_down(
    pipeline: Pipeline, topic: Topic, notifier: DeliveryWorker, song: Path
) -> None:
    release = threading.Event()
    slow, failing = Receiver().start(), Receiver().start()

    def hang(received: Received) -> int:
        release.wait(30)  # answers at the end of the test, long after the 2 s timeout
        return 200

    slow.behaviour = hang
    failing.behaviour = lambda r: 500
    try:
        for receiver in (slow, failing):
            subscription, _ = topics.subscribe(topic.arn, receiver.url)
            topics.confirm(topic.arn, subscription.token)
        timings = []
        for n in range(3):
            started = time.monotonic()
            job_id = run(pipeline, song, f"media/{n}.mp3")
            timings.append(time.monotonic() - started)
            assert Job.objects.get(pk=job_id).status == JobStatus.COMPLETE
        # Sent inline, each job would wait out the 2 s timeout at least twice.
        assert max(timings) < 2.0, timings
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            rows = list(Delivery.objects.filter(message_type=MessageType.NOTIFICATION))
            errors = {d.last_error for d in rows if d.attempts}
            if {"no answer within 2 s", "HTTP 500 Internal Server Error"} <= errors:
                break
            time.sleep(0.1)
        else:
            raise AssertionError(f"attempts not logged: {errors}")
        assert all(d.status == DeliveryStatus.PENDING for d in rows), "retried, not dropped"
    finally:
        release.set()
        slow.stop()
        failing.stop()


def test_standard_webhooks_signatures(
    pipeline: Pipeline, topic: Topic, receiver: Receiver, notifier: DeliveryWorker
) -> None:
    receiver.behaviour = lambda r: 204  # not the tutorial's view: these are not SNS envelopes
    subscription, secret = topics.subscribe(topic.arn, receiver.url, standard_webhooks=True)
    assert secret is not None and secret.startswith("whsec_")
    key = base64.b64decode(secret.removeprefix("whsec_"))

    def check(received: Received) -> None:
        headers = received.headers
        signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode()
        mac = hmac.new(key, signed + received.body, hashlib.sha256).digest()
        assert headers["webhook-signature"] == "v1," + base64.b64encode(mac).decode()
        assert abs(int(headers["webhook-timestamp"]) - time.time()) < 30
        verify_webhook(secret, headers, received.body)
        tampered = received.body.replace(b"e", b"f", 1)
        with pytest.raises(Exception, match="no webhook-signature"):
            verify_webhook(secret, headers, tampered)

    (confirmation,) = receiver.wait_for("SubscriptionConfirmation", 1)
    check(confirmation)
    fetch(json.loads(confirmation.body)["SubscribeURL"])

    job = submit(pipeline)  # the job service with fake results: the signature is the point
    service.claim(job.id, "w", 30)
    service.complete(job.id, "w", results(job))
    notes = receiver.wait_for("Notification", 2)
    for received in notes:
        check(received)
        assert received.headers["content-type"] == "application/json"
        row = Delivery.objects.get(
            subscription=subscription, message_id=received.headers["webhook-id"]
        )
        assert received.body == row.message.encode(), "the body is the job-state message itself"
    assert [json.loads(r.body)["state"] for r in notes] == ["PROGRESSING", "COMPLETED"]


@pytest.mark.slow
def test_the_timeout_bounds_the_whole_exchange() -> None:
    """A subscriber that trickles its answer out cannot hold a delivery thread for longer."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def trickle() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\n")
            for _ in range(40):  # a header byte every 0.1 s: each read is quick, the whole is not
                time.sleep(0.1)
                try:
                    conn.sendall(b"X")
                except OSError:
                    return

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    started = time.monotonic()
    outcome = HttpSender()(Request(f"http://127.0.0.1:{port}/", {}, b"{}"), 1.0)
    assert time.monotonic() - started < 1.8
    assert (outcome.status_code, outcome.error) == (None, "no answer within 1 s")
    listener.close()
