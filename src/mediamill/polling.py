"""The one pool of polling threads: embedded job workers and notification delivery both run on it.

Each thread loops: do one piece of work (``work`` returns True if it found some); when there
was none, sleep until ``wake()`` is called or ``poll_seconds`` pass. ``wake`` is how a
process announces work it has just committed (a job created, deliveries written), so it
starts at once; polling finds what other processes wrote and what comes due by time (leases
that expire, retries). ``wake`` calls that land while a thread is working are not lost: a
thread sleeps only if nothing was announced since it last looked.

Each thread has its own database connection (Django's are per thread): stale ones are
closed before each round, and the thread's own is closed when it ends. An unexpected
exception is logged and the thread pauses a second before going on, so a broken database
cannot spin a core.

Here, below the domain, because both users are there or above: ``notifications`` (domain)
and ``workers`` (dispatch). It knows nothing of jobs or notifications.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.db import close_old_connections, connection

log = logging.getLogger(__name__)


def new_worker_id() -> str:
    """Unique to one worker: host, process, thread and a random part (for leases)."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class PollingThread:
    """What ``work`` is told about the thread calling it."""

    index: int  # 0 .. threads-1
    worker_id: str  # stable for the thread's life
    stopping: threading.Event  # set when the pool is stopping: give up between steps


@dataclass(frozen=True)
class Chore:
    """Something thread 0 does every ``seconds`` besides its work (first at start)."""

    seconds: float
    run: Callable[[], None]


class PollingPool:
    def __init__(
        self,
        name: str,
        threads: int,
        work: Callable[[PollingThread], bool],
        *,
        poll_seconds: float,
        chores: tuple[Chore, ...] = (),
        error_pause: float = 1.0,
    ) -> None:
        if threads < 1:
            raise ValueError(f"at least one {name} thread is needed")
        self.name = name
        self.count = threads
        self.poll_seconds = poll_seconds
        self._work = work
        self._chores = chores
        self._error_pause = error_pause
        self._wake = threading.Condition()
        self._announced = 0  # bumped on every wake-up call
        self.stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        close_old_connections()
        for n in range(self.count):
            thread = threading.Thread(
                target=self._loop, args=(n,), name=f"mediamill-{self.name}-{n}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float) -> None:
        """Ask every thread to stop and wait up to ``timeout`` seconds for each."""
        self.stopping.set()
        self.wake()
        for thread in self._threads:
            thread.join(timeout)

    def wake(self) -> None:
        with self._wake:
            self._announced += 1
            self._wake.notify_all()

    def _loop(self, index: int) -> None:
        me = PollingThread(index, new_worker_id(), self.stopping)
        chores_due = [0.0] * len(self._chores) if index == 0 else []
        try:
            while not self.stopping.is_set():
                with self._wake:
                    seen = self._announced
                for n, due in enumerate(chores_due):
                    if due <= time.monotonic():
                        chores_due[n] = time.monotonic() + self._chores[n].seconds
                        self._guarded(self._chores[n].run)
                if self._guarded(lambda: self._work(me)):
                    continue
                with self._wake:
                    if self._announced == seen and not self.stopping.is_set():
                        self._wake.wait(self.poll_seconds)
        finally:
            connection.close()

    def _guarded(self, step: Callable[[], bool | None]) -> bool:
        """Run one step with a fresh view of the database; False if it failed."""
        close_old_connections()
        try:
            return bool(step())
        except Exception:
            log.exception("%s: unexpected error; continuing", self.name)
            self.stopping.wait(self._error_pause)
            return False
