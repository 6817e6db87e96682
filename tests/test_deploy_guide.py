"""docs/deploy.md followed on this machine: the distributed mode as the guide sets it up,
running the tutorial's job.

What the guide asks an administrator to make, the test makes with ``mediamill.testing``'s
starters, each of its own so runs never collide: a PostgreSQL database, a RabbitMQ virtual
host and a SeaweedFS S3 server with the buckets. The rest is taken from the guide's text:
its settings file (every variable it sets, with this machine's values; no TLS proxy here,
so MEDIAMILL_BEHIND_PROXY is false), the command lines of its systemd units (``serve``, and
two workers), then ``mediamill doctor`` as the guide runs it, and the tutorial's job through
``mediamill.client``.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.decoded import decode

from mediamill.client import elastictranscoder
from mediamill.testing import (
    PostgresDatabase,
    RabbitMQVhost,
    SeaweedFS,
    child_env,
    free_ports,
    tail,
    write_audio,
)
from mediamill.testing.pytest_plugin import started

pytestmark = [pytest.mark.slow, pytest.mark.services, pytest.mark.timeout(300)]

GUIDE = (Path(__file__).resolve().parent.parent / "docs" / "deploy.md").read_text()
BIN = Path(sys.executable).parent


def settings_block() -> dict[str, str]:
    """The guide's settings file, as NAME=VALUE pairs."""
    block = GUIDE.split("`/etc/mediamill/env`", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    return dict(line.split("=", 1) for line in block.strip().splitlines())


def exec_start(unit: str) -> list[str]:
    """The command line of the guide's systemd unit ``unit`` (its ExecStart)."""
    block = GUIDE.split(f"`/etc/systemd/system/{unit}`", 1)[1].split("```ini\n", 1)[1]
    line = re.search(r"^ExecStart=(.*)$", block.split("```", 1)[0], re.M)
    assert line is not None
    args = shlex.split(line.group(1))
    assert args[0] == "/opt/mediamill/bin/mediamill"
    return [str(BIN / "mediamill"), *args[1:]]


@pytest.fixture
def services(s3_server: SeaweedFS) -> Iterator[dict[str, str]]:
    """This machine's values for the guide's settings."""
    suffix = str(time.monotonic_ns())[-8:]
    buckets = {"uploads": f"deploy-{suffix}-uploads", "media": f"deploy-{suffix}-media"}
    for bucket in buckets.values():
        s3_server.create_bucket(bucket)
    with (
        started(PostgresDatabase("deploy_guide")) as database,
        started(RabbitMQVhost("deploy")) as broker,
    ):
        yield {
            "DATABASE_URL": database.url,
            "MEDIAMILL_BROKER_URL": broker.url,
            # The guide's *=s3://* with this run's bucket names.
            "MEDIAMILL_BUCKETS": ";".join(f"{n}=s3://{b}" for n, b in buckets.items()),
            **s3_server.env(),
            "MEDIAMILL_BEHIND_PROXY": "false",
            "MEDIAMILL_SECRET_KEY": f"deploy-guide-secret-{suffix}-" + "x" * 40,
            "MEDIAMILL_LOG_FORMAT": "json",
        }


def test_the_guide_runs_the_tutorials_job(tmp_path: Path, services: dict[str, str]) -> None:
    guide = settings_block()
    assert set(services) - {"MEDIAMILL_S3_REGION"} <= set(guide)
    port = free_ports(1)[0]
    values = dict(services, MEDIAMILL_PUBLIC_URL=f"http://127.0.0.1:{port}")
    missing = set(guide) - set(values) - {"MEDIAMILL_DATA_DIR"}
    assert not missing, f"the test gives no value for {missing}"
    serve = exec_start("mediamill.service")
    assert serve[1:] == ["serve", "--host", "127.0.0.1", "--port", "8000"]
    serve[-1] = str(port)
    worker = exec_start("mediamill-worker@.service")
    assert worker[1] == "worker"

    processes: list[tuple[subprocess.Popen[bytes], Path]] = []

    def start(name: str, command: list[str]) -> None:
        env = child_env(dict(values, MEDIAMILL_DATA_DIR=str(tmp_path / name)))
        log = tmp_path / f"{name}.log"
        with open(log, "wb") as out:
            child = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
        processes.append((child, log))

    def mediamill(*args: str, stdin: str | None = None) -> str:
        env = child_env(dict(values, MEDIAMILL_DATA_DIR=str(tmp_path / "admin")))
        done = subprocess.run(
            [str(BIN / "mediamill"), *args], input=stdin, capture_output=True, text=True,
            env=env, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, f"mediamill {args}:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    try:
        # The guide's order: services (above), then mediamill serve, then the workers.
        start("serve", serve)
        _wait_ready(port, processes[0])
        start("worker-1", worker)
        start("worker-2", worker)
        report = mediamill("doctor")
        assert "FAIL" not in report, report
        assert "broker: amqp://" in report and "bucket media: write, read and delete" in report

        mediamill("users", "create", "alice", "--password-stdin", stdin="correct horse battery\n")
        mediamill("buckets", "grant", "uploads", "alice")
        mediamill("buckets", "grant", "media", "alice")
        key = json.loads(mediamill("keys", "create", "--user", "alice", "--json"))
        song = write_audio(tmp_path / "song.mp3", 4.0)
        mediamill("upload", "uploads", "media/song.mp3", str(song))

        et = elastictranscoder(endpoint_url=values["MEDIAMILL_PUBLIC_URL"], **key)
        pipeline = et.create_pipeline(
            Name="Audio Files",
            InputBucket="uploads",
            OutputBucket="media",
            Role="arn:aws:iam::123456789012:role/Elastic_Transcoder_Default_Role",
        )["Pipeline"]
        job = et.create_job(
            PipelineId=pipeline["Id"],
            Input={"Key": "media/song.mp3"},
            Outputs=[
                {"Key": "song.wav", "PresetId": "1351620000001-300300"},
                {"Key": "song.flac", "PresetId": "1351620000001-300110"},
                {"Key": "song.mp4", "PresetId": "1351620000001-100110"},
            ],
            OutputKeyPrefix="processed/",
        )["Job"]
        et.get_waiter("job_complete").wait(
            Id=job["Id"], WaiterConfig={"Delay": 1, "MaxAttempts": 120}
        )
        outputs = et.read_job(Id=job["Id"])["Job"]["Outputs"]
        assert [o["Status"] for o in outputs] == ["Complete"] * 3
        codecs = []
        for name in ("song.wav", "song.flac", "song.mp4"):
            mediamill("download", "media", f"processed/{name}", str(tmp_path / name))
            codecs.append(decode(tmp_path / name).audio_codec)
        assert codecs == ["pcm_s16le", "flac", "aac"]
        worker_logs = "".join(log.read_text() for _, log in processes[1:])
        assert job["Id"] in worker_logs, "a worker, not the server, ran the job"
        # MEDIAMILL_LOG_FORMAT=json: every line a JSON object, Celery's own records included.
        lines = [json.loads(line) for line in worker_logs.splitlines() if line.strip()]
        assert any(line["logger"].startswith("celery.") for line in lines)
        started = [line for line in lines if line["message"].startswith(f"job {job['Id']}: ")]
        assert all(line["job_id"] == job["Id"] for line in started)
    finally:
        for child, _ in processes:
            child.terminate()
        for child, _ in processes:
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def _wait_ready(port: int, process: tuple[subprocess.Popen[bytes], Path]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process[0].poll() is not None:
            raise AssertionError(f"mediamill serve stopped:\n{tail(process[1])}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"mediamill serve never became ready:\n{tail(process[1])}")
