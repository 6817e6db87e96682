"""Worker threads inside ``mediamill serve``: the embedded mode, nothing to install.

They run on the shared ``PollingPool``: they sleep until woken the moment a job is created
(the ``job_state_changed`` signal, sent after the creating transaction commits), so a job
starts without a polling delay, and also look every ``SWEEP_SECONDS`` for what no signal
announced: jobs created by another process, pipelines resumed, leases that expired.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from mediamill.jobs import publish, runner, service
from mediamill.jobs.models import JobStatus
from mediamill.jobs.signals import job_state_changed
from mediamill.polling import PollingPool, PollingThread
from mediamill.triggers.background import TriggerWorker

log = logging.getLogger(__name__)

#: Seconds between sweeps when no job is announced.
SWEEP_SECONDS = 1.0
#: Seconds between looks for work folders of jobs finished elsewhere.
TIDY_SECONDS = 10.0


class EmbeddedWorkers:
    def __init__(self, count: int) -> None:
        if count < 1:
            raise ValueError("at least one worker is needed")
        self.count = count
        self._pool = PollingPool("worker", count, self._run_one, poll_seconds=SWEEP_SECONDS)
        self._triggers = TriggerWorker()  # handlers of trigger rules, watched buckets
        self._tidy_lock = threading.Lock()
        self._next_tidy = 0.0

    def start(self) -> None:
        removed = runner.remove_stale_work_dirs()
        if removed:
            log.info("removed %d work folder(s) left by stopped workers", len(removed))
        publish.remove_stale_claims()  # and unfinished outputs they were storing
        job_state_changed.connect(self._on_state_changed, dispatch_uid=f"embedded-{id(self)}")
        self._pool.start()
        self._triggers.start()
        log.info("started %d embedded worker thread(s)", self.count)

    def stop(self, timeout: float = 30.0) -> None:
        """Stop taking jobs; running jobs are released unfinished for the next start."""
        job_state_changed.disconnect(dispatch_uid=f"embedded-{id(self)}")
        self._triggers.stop(timeout)
        self._pool.stop(timeout)

    def wake(self) -> None:
        self._pool.wake()

    def _on_state_changed(self, sender: Any, job_id: str, status: str, **kwargs: Any) -> None:
        if status == JobStatus.SUBMITTED:
            self.wake()

    def _run_one(self, thread: PollingThread) -> bool:
        """Claim and run one job; False when there was nothing to claim."""
        service.expire_leases()
        self._tidy()
        publish.remove_stale_claims()
        candidates = service.runnable_jobs(limit=self.count * 2) + service.recoverable_jobs(
            limit=self.count
        )
        for job_id in candidates:
            if thread.stopping.is_set():
                return False
            if runner.run_job(job_id, stop=thread.stopping) is not None:
                return True
        return False

    def _tidy(self) -> None:
        """Remove the work folders of jobs finished by someone else (one thread, now and then)."""
        with self._tidy_lock:
            if time.monotonic() < self._next_tidy:
                return
            self._next_tidy = time.monotonic() + TIDY_SECONDS
        removed = runner.remove_stale_work_dirs()
        if removed:
            log.info("removed %d work folder(s) of jobs finished elsewhere", len(removed))
