"""Real mediamill clusters for the tests: real processes on real services, one per mode.

    embedded  `mediamill serve --workers 2`: SQLite, local-folder buckets, worker threads
    rabbitmq  two `mediamill worker -c 1` on RabbitMQ, PostgreSQL, SeaweedFS S3 buckets
    redis     two `mediamill worker -c 1` on Redis, PostgreSQL, local-folder buckets that the
              workers share by path (as machines would share a network folder)

A ``Cluster`` hides the differences, so one test function runs in every mode (the
parametrized ``cluster`` fixture). Tests talk to it as an application would: they put inputs
in the input bucket (with boto3 or a file copy, not mediamill's own bucket code), create jobs
through a driver process (``tests/cluster_driver.py``) that uses ``mediamill.jobs.service``
with the cluster's settings, watch the jobs' state and fetch the outputs.

Each cluster gets its own database on PostgreSQL, its own broker space (a RabbitMQ virtual
host, or a Redis database number) — all from ``mediamill.testing``'s starters — and its own
buckets, and is torn down at the end of the session. Child processes never inherit the
suite's Django settings or the developer's mediamill settings: their environment is built
here (``mediamill.testing.child_env``).

A service that is not running skips these tests, unless MEDIAMILL_REQUIRE_SERVICES=1 (CI),
where that is a failure (``mediamill.testing.pytest_plugin.started``). The tests mark
themselves ``slow``, and the distributed modes ``services`` (``MODE_PARAMS``).
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any, Protocol

import pytest

from mediamill.testing import (
    PostgresDatabase,
    RabbitMQVhost,
    RedisDatabase,
    SeaweedFS,
    child_env,
    free_ports,
    tail,
    write_audio,
    write_video,
)
from mediamill.testing.pytest_plugin import started

ROOT = Path(__file__).resolve().parent.parent
#: Short, so a job whose worker died is run again within seconds. Workers renew every third.
LEASE_SECONDS = 4.0
FINAL = frozenset({"Complete", "Error", "Canceled"})
STARTUP_TIMEOUT = 60.0
STOP_TIMEOUT = 20.0
DRIVER_TIMEOUT = 60.0

Job = dict[str, Any]


class ClusterError(AssertionError):
    """A cluster did not do what a test waited for; the message carries the logs."""


# --- processes -----------------------------------------------------------------------------


class Service:
    """One long-running mediamill process (`serve` or `worker`), logging to a file."""

    def __init__(
        self, name: str, args: Sequence[str], env: dict[str, str], log: Path, ready: str
    ) -> None:
        self.name = name
        self.args = [sys.executable, "-m", "mediamill", *args]
        self.env = env
        self.log = log
        self.ready = re.compile(ready)
        self.process: subprocess.Popen[bytes] | None = None
        self._log_start = 0

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        self._log_start = self.log.stat().st_size if self.log.exists() else 0
        with open(self.log, "ab") as log:
            log.write(f"\n=== {self.name}: starting {' '.join(self.args[1:])}\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                self.args,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=self.env,
                cwd=ROOT,
            )

    def wait_ready(self, timeout: float = STARTUP_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while True:
            with open(self.log, "rb") as log:
                log.seek(self._log_start)
                if self.ready.search(log.read().decode(errors="replace")):
                    return
            if not self.alive():
                raise ClusterError(f"{self.name} exited while starting:\n{tail(self.log)}")
            if time.monotonic() > deadline:
                raise ClusterError(
                    f"{self.name} not ready after {timeout:.0f} s:\n{tail(self.log)}"
                )
            time.sleep(0.1)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = STOP_TIMEOUT) -> int:
        """Send ``sig`` and wait for the exit; kill after ``timeout``. The exit status."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise ClusterError(
                    f"{self.name} did not stop within {timeout:.0f} s of signal {sig}:\n"
                    f"{tail(self.log)}"
                ) from None
        return self.process.returncode

    def kill(self) -> None:
        self.stop(signal.SIGKILL)


def sandbox_children(pid: int) -> list[int]:
    """PIDs of the running ``python -m mediamill.sandbox`` children of process ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            stat = (entry / "stat").read_text()
            # "pid (comm) state ppid ...": comm may hold spaces, so split after the ")".
            state, ppid = stat.rsplit(")", 1)[1].split()[:2]
            if int(ppid) != pid or state in "ZX":
                continue
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            if b"mediamill.sandbox" in argv:
                found.append(int(entry.name))
    return found


def running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie, dead but not yet reaped, is not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in "ZX"


# --- the driver ----------------------------------------------------------------------------


class Driver:
    """``python -m tests.cluster_driver`` with the cluster's settings; one JSON line each way."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log
        with open(log, "ab") as stderr:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tests.cluster_driver"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=stderr,
                env=env,
                cwd=ROOT,
                text=True,
            )
        self._lines: queue.Queue[str | None] = queue.Queue()
        assert self.process.stdout is not None
        threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True).start()
        self._answer("start")

    def _read(self, stdout: IO[str]) -> None:
        for line in stdout:
            self._lines.put(line)
        self._lines.put(None)

    def _answer(self, what: str) -> Any:
        try:
            line = self._lines.get(timeout=DRIVER_TIMEOUT)
        except queue.Empty:
            raise ClusterError(f"driver: no answer to {what}:\n{tail(self.log)}") from None
        if line is None:
            raise ClusterError(f"driver exited during {what}:\n{tail(self.log)}")
        answer = json.loads(line)
        if "error" in answer:
            raise ClusterError(f"driver: {what}: {answer['error']}\n{tail(self.log)}")
        return answer["ok"]

    def call(self, op: str, **args: Any) -> Any:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps({"op": op, **args}) + "\n")
        self.process.stdin.flush()
        return self._answer(op)

    def close(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            assert self.process.stdin is not None
            self.process.stdin.write(json.dumps({"op": "quit"}) + "\n")
            self.process.stdin.close()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# --- buckets, seen from outside ------------------------------------------------------------


class Storage(Protocol):
    def put(self, bucket: str, key: str, path: Path) -> None: ...
    def fetch(self, bucket: str, key: str, dest: Path) -> Path: ...
    def keys(self, bucket: str) -> list[str]: ...


class Folders:
    """Local-folder buckets: the folder ``root/NAME`` holds bucket NAME."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def put(self, bucket: str, key: str, path: Path) -> None:
        target = self.root / bucket / key
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)

    def fetch(self, bucket: str, key: str, dest: Path) -> Path:
        shutil.copyfile(self.root / bucket / key, dest)
        return dest

    def keys(self, bucket: str) -> list[str]:
        folder = self.root / bucket
        if not folder.is_dir():
            return []
        return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


class S3Buckets:
    """S3 buckets on the test's SeaweedFS server, through boto3."""

    def __init__(self, server: SeaweedFS) -> None:
        self.client = server.client()

    def put(self, bucket: str, key: str, path: Path) -> None:
        self.client.upload_file(str(path), bucket, key)

    def fetch(self, bucket: str, key: str, dest: Path) -> Path:
        self.client.download_file(bucket, key, str(dest))
        return dest

    def keys(self, bucket: str) -> list[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        return sorted(item["Key"] for page in pages for item in page.get("Contents", ()))


# --- the cluster ---------------------------------------------------------------------------


class Cluster:
    def __init__(
        self,
        mode: str,
        root: Path,
        settings: dict[str, str],
        storage: Storage,
        buckets: tuple[str, str],
        services: list[Service],
    ) -> None:
        self.mode = mode
        self.root = root
        self.env = child_env(settings)
        self.storage = storage
        self.input_bucket, self.output_bucket = buckets
        self.services = services
        self.driver: Driver | None = None
        self.pipeline_id = ""
        self._stopped: set[str] = set()  # services a test stopped on purpose

    @property
    def distributed(self) -> bool:
        return self.mode != "embedded"

    # lifecycle

    def start(self) -> None:
        for service in self.services:
            service.start()
        for service in self.services:
            service.wait_ready()
        self.driver = Driver(self.env, self.root / "driver.log")
        self.pipeline_id = self.call(
            "pipeline", input_bucket=self.input_bucket, output_bucket=self.output_bucket
        )

    def ensure_running(self) -> None:
        """Start again every service a previous test stopped or killed."""
        restarted = [s for s in self.services if not s.alive()]
        for service in restarted:
            service.start()
        for service in restarted:
            service.wait_ready()
        self._stopped.clear()

    def stop_service(self, service: Service, sig: int) -> int:
        self._stopped.add(service.name)
        return service.stop(sig)

    def start_service(self, service: Service) -> None:
        service.start()
        service.wait_ready()
        self._stopped.discard(service.name)

    def close(self) -> None:
        if self.driver is not None:
            self.driver.close()
        # All at once: an idle Celery worker on RabbitMQ takes up to 10 s to act on SIGTERM.
        running = [s for s in self.services if s.alive()]
        for service in running:
            assert service.process is not None
            service.process.send_signal(signal.SIGTERM)
        problems = []
        for service in running:
            try:
                service.stop()
            except ClusterError as exc:
                problems.append(str(exc))
        if problems:
            raise ClusterError("\n".join(problems))

    def service_with(self, pid: int) -> Service:
        for service in self.services:
            if service.alive() and service.pid == pid:
                return service
        raise ClusterError(f"no running {self.mode} service has pid {pid}\n{self.logs()}")

    # jobs

    def call(self, op: str, **args: Any) -> Any:
        assert self.driver is not None
        return self.driver.call(op, **args)

    def put(self, key: str, path: Path) -> None:
        self.storage.put(self.input_bucket, key, path)

    def fetch(self, key: str, dest: Path) -> Path:
        return self.storage.fetch(self.output_bucket, key, dest)

    def output_keys(self, prefix: str) -> list[str]:
        return [k for k in self.storage.keys(self.output_bucket) if k.startswith(prefix)]

    def submit(self, input_key: str, outputs: list[dict[str, str]], prefix: str) -> str:
        job_id: str = self.call(
            "create",
            pipeline_id=self.pipeline_id,
            input_key=input_key,
            outputs=outputs,
            prefix=prefix,
        )
        return job_id

    def jobs(self, ids: Sequence[str]) -> dict[str, Job]:
        found: dict[str, Job] = self.call("jobs", ids=list(ids))
        return found

    def job(self, job_id: str) -> Job:
        return self.jobs([job_id])[job_id]

    def wait_for(
        self,
        job_id: str,
        condition: Callable[[Job], bool],
        what: str,
        timeout: float,
        give_up: Callable[[Job], bool] = lambda job: False,
        interval: float = 0.1,
    ) -> Job:
        """Poll the job until ``condition``; fail on timeout, on ``give_up`` or a dead service."""
        deadline = time.monotonic() + timeout
        while True:
            job = self.job(job_id)
            if condition(job):
                return job
            if give_up(job):
                raise ClusterError(f"job {job_id} will not be {what}: {job}\n{self.logs()}")
            self._check_services()
            if time.monotonic() > deadline:
                raise ClusterError(
                    f"job {job_id} not {what} after {timeout:.0f} s: {job}\n{self.logs()}"
                )
            time.sleep(interval)

    def wait_final(self, ids: Sequence[str], timeout: float = 60.0) -> dict[str, Job]:
        """Wait until every job is Complete, Error or Canceled; their final state."""
        deadline = time.monotonic() + timeout
        while True:
            jobs = self.jobs(ids)
            if all(job["status"] in FINAL for job in jobs.values()):
                return jobs
            self._check_services()
            if time.monotonic() > deadline:
                states = {i: (j["status"], j["progress"]) for i, j in jobs.items()}
                raise ClusterError(
                    f"jobs not finished after {timeout:.0f} s: {states}\n{self.logs()}"
                )
            time.sleep(0.2)

    def _check_services(self) -> None:
        for service in self.services:
            if service.name not in self._stopped and not service.alive():
                raise ClusterError(f"{service.name} died unexpectedly:\n{tail(service.log)}")

    # logs

    def log_files(self) -> list[Path]:
        return [s.log for s in self.services] + [self.root / "driver.log"]

    def log_text(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in self.log_files() if p.exists())

    def count_log(self, job_id: str, event: str, expect: int = 1, timeout: float = 5.0) -> int:
        """How often the runner logged ``job JOB_ID: EVENT`` in the cluster's processes.

        Waits up to ``timeout`` for ``expect`` lines, as a line may be written just after the
        state change a test saw. Counts mediamill's log format only: Celery repeats the lines.
        """
        pattern = re.compile(rf"mediamill\.jobs\.runner: job {re.escape(job_id)}: {event}")
        deadline = time.monotonic() + timeout
        while True:
            count = len(pattern.findall(self.log_text()))
            if count >= expect or time.monotonic() > deadline:
                return count
            time.sleep(0.1)

    def logs(self) -> str:
        return "\n".join(f"--- {path.name} (end) ---\n{tail(path)}" for path in self.log_files())


# --- building each mode --------------------------------------------------------------------


def _worker(name: str, env: dict[str, str], log: Path) -> Service:
    args = ["worker", "-c", "1", "--loglevel", "INFO"]
    return Service(name, args, env, log, ready=r"\S+@\S+ ready\.")


def _start(cluster: Cluster) -> Iterator[Cluster]:
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.close()


def embedded(root: Path) -> Iterator[Cluster]:
    data = root / "data"
    settings = {"MEDIAMILL_DATA_DIR": str(data), "MEDIAMILL_JOB_LEASE_SECONDS": str(LEASE_SECONDS)}
    env = child_env(settings)
    (port,) = free_ports(1)
    serve = Service(
        "serve",
        ["serve", "--port", str(port), "--workers", "2", "--http-threads", "2"],
        env,
        root / "serve.log",
        ready="mediamill serving on",
    )
    storage = Folders(data / "buckets")  # where buckets live when MEDIAMILL_BUCKETS is empty
    yield from _start(Cluster("embedded", root, settings, storage, ("uploads", "media"), [serve]))


def distributed(
    mode: str,
    root: Path,
    database: str,
    broker: str,
    buckets: str,
    extra: dict[str, str],
    storage: Storage,
    names: tuple[str, str],
) -> Iterator[Cluster]:
    settings = {
        "MEDIAMILL_DATA_DIR": str(root / "data"),
        "DATABASE_URL": database,
        "MEDIAMILL_BROKER_URL": broker,
        "MEDIAMILL_BUCKETS": buckets,
        "MEDIAMILL_JOB_LEASE_SECONDS": str(LEASE_SECONDS),
        **extra,
    }
    env = child_env(settings)
    workers = []
    for n in (1, 2):
        # Each worker its own data folder (work files, secret key), like separate machines.
        worker_env = dict(env, MEDIAMILL_DATA_DIR=str(root / f"worker-{n}"))
        workers.append(_worker(f"worker-{n}", worker_env, root / f"worker-{n}.log"))
    yield from _start(Cluster(mode, root, settings, storage, names, workers))


@pytest.fixture(scope="session")
def cluster_root() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="mediamill-cluster-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _folder(parent: Path, name: str) -> Path:
    path = parent / name
    path.mkdir()
    return path


@pytest.fixture(scope="session")
def embedded_cluster(cluster_root: Path) -> Iterator[Cluster]:
    yield from embedded(_folder(cluster_root, "embedded"))


@pytest.fixture(scope="session")
def rabbitmq_cluster(cluster_root: Path, s3_server: SeaweedFS) -> Iterator[Cluster]:
    root = _folder(cluster_root, "rabbitmq")
    bucket_names = (f"mm-{os.getpid()}-uploads", f"mm-{os.getpid()}-media")
    for bucket in bucket_names:
        s3_server.create_bucket(bucket)
    with (
        started(PostgresDatabase("cluster_rabbitmq")) as database,
        started(RabbitMQVhost("cluster")) as broker,
    ):
        storage = S3Buckets(s3_server)
        settings = s3_server.env()
        yield from distributed(
            "rabbitmq", root, database.url, broker.url, "*=s3://*", settings, storage, bucket_names
        )


@pytest.fixture(scope="session")
def redis_cluster(cluster_root: Path) -> Iterator[Cluster]:
    root = _folder(cluster_root, "redis")
    shared = _folder(root, "buckets")
    with (
        started(PostgresDatabase("cluster_redis")) as database,
        started(RedisDatabase("cluster")) as broker,
    ):
        buckets = f"*=file://{shared}/*"
        storage = Folders(shared)
        yield from distributed(
            "redis", root, database.url, broker.url, buckets, {}, storage, ("uploads", "media")
        )


#: The modes, as parameters: embedded first; the distributed ones need real servers.
MODE_PARAMS = [
    pytest.param("embedded"),
    pytest.param("rabbitmq", marks=pytest.mark.services),
    pytest.param("redis", marks=pytest.mark.services),
]


@pytest.fixture(params=MODE_PARAMS)
def cluster(request: pytest.FixtureRequest) -> Cluster:
    """Each mode in turn, with every service running."""
    running: Cluster = request.getfixturevalue(f"{request.param}_cluster")
    running.ensure_running()
    return running


# --- media ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def cluster_media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cluster-media")


@pytest.fixture(scope="session")
def short_song(cluster_media: Path) -> Path:
    """6 s of stereo 44.1 kHz MP3: a job on it takes a fraction of a second."""
    return write_audio(cluster_media / "short.mp3", 6.0, sample_rate=44100, channels=2)


@pytest.fixture(scope="session")
def short_song_truncated(cluster_media: Path, short_song: Path) -> Path:
    data = short_song.read_bytes()
    path = cluster_media / "short-truncated.mp3"
    path.write_bytes(data[: len(data) // 2])
    return path


@pytest.fixture(scope="session")
def long_clip(cluster_media: Path) -> Path:
    """720p video whose job (720p and 360p H.264 outputs) takes several seconds on 2 cores:
    long enough to stop a worker in the middle of it."""
    return write_video(cluster_media / "long.mp4", 5.0, width=1280, height=720, frame_rate=30)


# --- checking outputs ----------------------------------------------------------------------

#: What each preset used here must produce, as measured by decoding the output.
PRESET_OUTPUTS: dict[str, dict[str, Any]] = {
    "1351620000001-300300": {"audio_codec": "pcm_s16le", "sample_rate": 44100, "channels": 2},
    "1351620000001-300110": {"audio_codec": "flac", "sample_rate": 44100, "channels": 2},
    "1351620000001-100110": {"audio_codec": "aac", "sample_rate": 44100, "channels": 2},
    "1351620000001-000010": {
        "video_codec": "h264",
        "width": 1280,
        "height": 720,
        "audio_codec": "aac",
        "channels": 2,
    },
    "1351620000001-000040": {
        "video_codec": "h264",
        "width": 640,
        "height": 360,
        "audio_codec": "aac",
        "channels": 2,
    },
}


def check_outputs(cluster: Cluster, job: Job, source: Path, folder: Path) -> None:
    """Every output of a Complete job is in the output bucket and decodes as its preset says,
    lasting as long as the input (within 0.1 s), with the size and length the job recorded.
    """
    from tests.decoded import decode

    expected_duration = decode(source).duration
    for output in job["outputs"]:
        where = f"job {job['id']} output {output['index']} ({output['key']})"
        assert output["status"] == "Complete", f"{where}: {output}"
        local = cluster.fetch(output["key"], folder / f"{job['id']}-{output['index']}")
        decoded = decode(local)
        for name, value in PRESET_OUTPUTS[output["preset_id"]].items():
            assert getattr(decoded, name) == value, f"{where}: {name} {decoded}"
        assert abs(decoded.duration - expected_duration) < 0.1, (
            f"{where}: lasts {decoded.duration:.3f} s, input {expected_duration:.3f} s"
        )
        assert output["file_size"] == local.stat().st_size, where
        assert abs(output["duration_millis"] / 1000 - decoded.duration) < 0.1, where
