"""Worker threads inside ``mediamill serve``: the embedded mode, nothing to install.

Threads sleep on a condition and wake the moment a job is created (the
``job_state_changed`` signal, sent after the creating transaction commits), so a job starts
without a polling delay. They also wake every few seconds to pick up what no signal
announced: jobs created by another process, pipelines resumed, leases that expired.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.db import close_old_connections, connection

from mediamill.jobs import publish, runner, service
from mediamill.jobs.models import JobStatus
from mediamill.jobs.signals import job_state_changed

log = logging.getLogger(__name__)

#: Seconds between sweeps when no job is announced.
SWEEP_SECONDS = 1.0


class EmbeddedWorkers:
    def __init__(self, count: int) -> None:
        if count < 1:
            raise ValueError("at least one worker is needed")
        self.count = count
        self._wake = threading.Condition()
        self._announced = 0  # bumped on every wake-up call
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        removed = runner.remove_stale_work_dirs()
        if removed:
            log.info("removed %d work folder(s) left by stopped workers", len(removed))
        publish.remove_stale_claims()  # and unfinished outputs they were storing
        job_state_changed.connect(self._on_state_changed, dispatch_uid=f"embedded-{id(self)}")
        for n in range(self.count):
            thread = threading.Thread(target=self._loop, name=f"mediamill-worker-{n}", daemon=True)
            thread.start()
            self._threads.append(thread)
        log.info("started %d embedded worker thread(s)", self.count)

    def stop(self, timeout: float = 30.0) -> None:
        """Stop taking jobs; running jobs are released unfinished for the next start."""
        job_state_changed.disconnect(dispatch_uid=f"embedded-{id(self)}")
        self._stop.set()
        self.wake()
        for thread in self._threads:
            thread.join(timeout)

    def wake(self) -> None:
        with self._wake:
            self._announced += 1
            self._wake.notify_all()

    def _on_state_changed(self, sender: Any, job_id: str, status: str, **kwargs: Any) -> None:
        if status == JobStatus.SUBMITTED:
            self.wake()

    def _loop(self) -> None:
        try:
            while not self._stop.is_set():
                with self._wake:
                    seen = self._announced
                ran = self._run_one()
                if ran:
                    continue
                with self._wake:
                    if self._announced == seen and not self._stop.is_set():
                        self._wake.wait(SWEEP_SECONDS)
        finally:
            connection.close()

    def _run_one(self) -> bool:
        """Claim and run one job; False when there was nothing to claim."""
        close_old_connections()
        try:
            service.expire_leases()
            publish.remove_stale_claims()
            candidates = service.runnable_jobs(limit=self.count * 2) + service.recoverable_jobs(
                limit=self.count
            )
            for job_id in candidates:
                if self._stop.is_set():
                    return False
                if runner.run_job(job_id, stop=self._stop) is not None:
                    return True
        except Exception:
            log.exception("embedded worker: unexpected error; continuing")
            self._stop.wait(1.0)
        return False
