"""Delivery that loses nothing: the subscriber is down while three jobs complete and comes
back 30 s later, and the server is killed (SIGKILL) and restarted in between.

The server is a real ``mediamill serve`` process on the test database (a SQLite file shared
with this process), running jobs on its embedded workers and notifications on its delivery
threads, and serving SigningCertURL. Backoff is shortened by settings so the test is bounded.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.db import connection
from tests.jobs_helpers import WAV, make_pipeline
from tests.sns_receiver import Receiver, check_signature, free_port

from mediamill.buckets import get_bucket
from mediamill.jobs import service
from mediamill.jobs.models import Job, JobStatus
from mediamill.jobs.requests import JobInput, JobRequest, RequestedOutput
from mediamill.notifications import topics
from mediamill.notifications.models import Delivery, DeliveryStatus, MessageType
from mediamill.testing import write_audio

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

OUTAGE_SECONDS = 30.0


def database_url() -> str:
    """The test database, as a DATABASE_URL for the server process."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Server:
    """``mediamill serve`` in a child process, with its own settings only."""

    def __init__(self, data_dir: Path, log: Path) -> None:
        self.port = free_port()
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self._log_file: IO[bytes] | None = None
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("MEDIAMILL_")
            and k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")
        }
        self.env = env | {
            "PYTHONUNBUFFERED": "1",
            "DATABASE_URL": database_url(),
            "MEDIAMILL_DATA_DIR": str(data_dir),
            "MEDIAMILL_SECRET_KEY": django_settings.SECRET_KEY,
            "MEDIAMILL_PUBLIC_URL": f"http://127.0.0.1:{self.port}",
            "MEDIAMILL_JOB_LEASE_SECONDS": "5",
            "MEDIAMILL_NOTIFY_TIMEOUT": "2",
            "MEDIAMILL_NOTIFY_BACKOFF_SECONDS": "0.5",
            "MEDIAMILL_NOTIFY_MAX_BACKOFF_SECONDS": "2",
            "MEDIAMILL_NOTIFY_ALLOWED_NETWORKS": "127.0.0.0/8",  # the receiver is on loopback
        }

    def start(self) -> Server:
        self._log_file = self.log.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "mediamill",
                "serve",
                "--port",
                str(self.port),
                "--workers",
                "2",
            ],
            env=self.env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"mediamill serve exited:\n{self.log.read_text()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2):
                    return self
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"mediamill serve did not start:\n{self.log.read_text()}")

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, as when a machine dies."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(10)
        self._close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self._close()

    def _close(self) -> None:
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    monkeypatch.setenv("MEDIAMILL_DATA_DIR", str(tmp_path))  # shared: buckets and keys
    monkeypatch.setenv("MEDIAMILL_NOTIFY_ALLOWED_NETWORKS", "127.0.0.0/8")  # to subscribe here
    serve = Server(tmp_path, tmp_path / "serve.log")
    yield serve
    serve.stop()


def wait_until(what: str, condition: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_nothing_is_lost_while_the_subscriber_is_down_and_the_server_restarts(
    server: Server, tmp_path: Path, settings: Any
) -> None:
    topic = topics.create_topic("transcoding", User.objects.create_user("topic-owner"))
    settings.SNS_TOPIC_ARN = topic.arn
    receiver = Receiver()  # not started: its port refuses connections
    subscription, _ = topics.subscribe(topic.arn, receiver.url)
    topics.confirm(topic.arn, subscription.token)
    pipeline = make_pipeline()
    pipeline.notify_progressing = pipeline.notify_completed = pipeline.notify_error = topic.arn
    pipeline.save()
    song = write_audio(tmp_path / "song.mp3", 1.0)

    server.start()
    down_since = time.monotonic()
    job_ids = []
    for n in range(3):
        get_bucket("uploads").upload_file(f"media/{n}.mp3", song)
        job = service.create_job(
            JobRequest(pipeline.id, JobInput(f"media/{n}.mp3"), (RequestedOutput(f"{n}.wav", WAV),))
        )
        job_ids.append(job.id)
    wait_until(
        "three jobs to complete",
        lambda: Job.objects.filter(pk__in=job_ids, status=JobStatus.COMPLETE).count() == 3,
        60,
    )
    notifications = Delivery.objects.filter(message_type=MessageType.NOTIFICATION)
    # Each job's PROGRESSING is retried; its COMPLETED waits behind it (order per job).
    wait_until(
        "the first message of every job to have failed at least once",
        lambda: (
            notifications.count() == 6
            and notifications.filter(state="PROGRESSING", attempts__gte=1).count() == 3
        ),
        20,
    )
    assert not notifications.filter(state="COMPLETED", attempts__gt=0).exists()

    server.kill()
    assert notifications.filter(status=DeliveryStatus.PENDING).count() == 6, "none lost"
    server.start()

    time.sleep(max(0.0, down_since + OUTAGE_SECONDS - time.monotonic()))
    receiver.start()
    try:
        received = receiver.wait_for("Notification", 6, timeout=30)
        wait_until(
            "every delivery to be recorded",
            lambda: notifications.filter(status=DeliveryStatus.DELIVERED).count() == 6,
            10,
        )
        time.sleep(0.5)  # a duplicate would arrive now
        assert len(receiver.of_type("Notification")) == 6, "each message exactly once"
    finally:
        receiver.stop()

    published = {d.message_id: d for d in notifications}
    seen: dict[str, list[str]] = {}
    for got in received:
        envelope = got.envelope()
        row = published[envelope["MessageId"]]
        assert envelope["Message"] == row.message, "exactly as published"
        assert (envelope["Subject"], envelope["Timestamp"]) == (row.subject, row.timestamp)
        assert envelope["UnsubscribeURL"].startswith(f"http://127.0.0.1:{server.port}/sns/")
        check_signature(got)
        message = json.loads(envelope["Message"])
        seen.setdefault(message["jobId"], []).append(message["state"])
    assert seen == {job_id: ["PROGRESSING", "COMPLETED"] for job_id in job_ids}
    assert receiver.states.count("COMPLETED") == 3, "the tutorial's view accepted them"
    first = notifications.filter(state="PROGRESSING")
    assert all(d.attempts >= 2 for d in first), "retried across the outage and the restart"
