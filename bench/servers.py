"""The servers and process probes behind ``bench/queue.py``, kept apart from the figures.

    SeaweedFS     ``weed mini`` (``mediamill.testing.SeaweedFS``, as in the tests) on free
                  ports in a temporary folder, removed with its data when stopped
    PostgreSQL    a fresh database on the local server, dropped afterwards
    RabbitMQ      a virtual host of our own, deleted afterwards
    /proc         RSS of a process and of its children, sampled from a thread

The PostgreSQL and RabbitMQ helpers are adapted from the test suite's (``tests/cluster.py``),
which a benchmark must not import. Each context manager raises ``Unavailable`` with the
reason when its server cannot be used, so the benchmark can skip that part and say why.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator

from mediamill.testing import SeaweedFS, SeaweedFSError
from mediamill.testing import child_env as child_env  # for queue.py
from mediamill.testing import tail as tail  # for queue.py

POSTGRES_CANDIDATES = (
    "postgres://postgres@127.0.0.1:5432/postgres",
    "postgres://root@127.0.0.1:5432/postgres",
)
RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672"
STARTUP_TIMEOUT = 60.0


class Unavailable(Exception):
    """A server the benchmark needs cannot be used; the message says why."""


# --- SeaweedFS -----------------------------------------------------------------------------


@contextlib.contextmanager
def seaweedfs() -> Iterator[SeaweedFS]:
    """``weed mini`` (master, volume, filer, S3 gateway in one process) until the block ends.

    Its folder, data included, is removed afterwards.
    """
    server = SeaweedFS(startup_timeout=STARTUP_TIMEOUT)
    try:
        server.start()
    except SeaweedFSError as exc:
        raise Unavailable(exc.message) from None
    try:
        yield server
    finally:
        server.stop()


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
