"""The whole hostile-media corpus through a real ``mediamill serve``, which keeps serving.

The server runs jobs on its embedded workers (sandboxed children) from the test database (a
SQLite file shared with this process) while a thread asks ``/healthz`` every 50 ms. Every
job must end as its case says, every health check must be answered, and nothing may be
left in the buckets or work folders.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from tests.jobs_helpers import make_pipeline, request_for

from mediamill.buckets import get_bucket
from mediamill.jobs import service
from mediamill.jobs.models import Job, JobStatus
from mediamill.presets import get_system
from mediamill.testing.hostile import CASES
from mediamill.testing.processes import child_env, free_ports, tail

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


class HealthWatch(threading.Thread):
    """Asks /healthz every 50 ms; records failures and the slowest answer."""

    def __init__(self, port: int) -> None:
        super().__init__(daemon=True)
        self.url = f"http://127.0.0.1:{port}/healthz"
        self.done = threading.Event()
        self.failures: list[str] = []
        self.slowest = 0.0
        self.checks = 0

    def run(self) -> None:
        while not self.done.wait(0.05):
            started = time.monotonic()
            try:
                with urllib.request.urlopen(self.url, timeout=5) as answer:
                    if answer.status != 200:
                        self.failures.append(f"status {answer.status}")
            except OSError as exc:
                self.failures.append(str(exc))
            self.slowest = max(self.slowest, time.monotonic() - started)
            self.checks += 1


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    if connection.vendor != "sqlite":
        pytest.skip("shares the test database as a SQLite file")
    data = tmp_path / "data"
    monkeypatch.setenv("MEDIAMILL_DATA_DIR", str(data))  # shared: buckets and work folders
    (port,) = free_ports(1)
    env = child_env(
        {
            "DATABASE_URL": f"sqlite:///{connection.settings_dict['NAME']}",
            "MEDIAMILL_DATA_DIR": str(data),
            "MEDIAMILL_SECRET_KEY": django_settings.SECRET_KEY,
        }
    )
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "mediamill", "serve", "--port", str(port), "--workers", "2"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"mediamill serve did not start:\n{tail(log)}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                    break
            except OSError:
                time.sleep(0.1)
        yield port
        assert process.poll() is None, f"mediamill serve died:\n{tail(log)}"
    finally:
        process.terminate()
        process.wait(30)


def test_the_server_serves_throughout_the_corpus(server: int, tmp_path: Path) -> None:
    pipeline = make_pipeline()
    uploads = get_bucket("uploads")
    jobs: dict[str, Job] = {}
    for case in CASES:
        key = f"in/{case.name}/{case.filename}"
        uploads.upload_file(key, case.make(tmp_path))
        outputs = [
            {"Key": f"{case.name}/{i}.{get_system(preset).extension}", "PresetId": preset}
            for i, preset in enumerate(case.presets)
        ]
        jobs[case.name] = service.create_job(request_for(pipeline.id, key, outputs))

    watch = HealthWatch(server)
    watch.start()
    deadline = time.monotonic() + 180
    finished = (JobStatus.COMPLETE, JobStatus.ERROR)
    while (
        Job.objects.filter(pk__in=[j.pk for j in jobs.values()])
        .exclude(status__in=finished)
        .exists()
    ):
        assert time.monotonic() < deadline, "jobs still running after 180 s"
        time.sleep(0.2)
    watch.done.set()
    watch.join()

    for case in CASES:
        job = Job.objects.get(pk=jobs[case.name].pk)
        expected = JobStatus.COMPLETE if case.error is None else JobStatus.ERROR
        assert job.status == expected, (case.name, job.status_detail)
    assert watch.checks > 0 and not watch.failures, watch.failures[:5]
    assert watch.slowest < 1.0, f"/healthz took {watch.slowest:.2f} s"
    data = Path(os.environ["MEDIAMILL_DATA_DIR"])
    assert not [p for p in data.rglob("*.part")]
    work = data / "work"
    assert not work.exists() or not any(work.iterdir())
