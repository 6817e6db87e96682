"""Distributed workers: a Celery app whose one task runs a job by ID.

Configured for long jobs:

- ``task_acks_late`` + ``task_reject_on_worker_lost``: a message is acknowledged only when
  its job has finished, so a worker that dies returns it to the queue for another worker.
- ``worker_prefetch_multiplier = 1``: a busy worker holds no queued jobs it cannot start.
- Redis' ``visibility_timeout`` is longer than the longest allowed transcode
  (``MEDIAMILL_TRANSCODE_TIMEOUT``) plus an hour, so Redis does not hand a job that is still
  running to a second worker. Even if a broker did (RabbitMQ closes a channel whose message
  stays unacknowledged past its ``consumer_timeout``, 30 minutes by default), the second
  worker's claim fails while the first holds the lease: the job never runs twice at once.
- The database decides, the broker only notifies: each worker also sweeps the database every
  few seconds and re-sends jobs whose lease expired (their worker died) or whose message
  was lost. A duplicate message costs one failed claim.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from celery import Celery
from celery.signals import setup_logging, worker_shutting_down

from mediamill import settings

log = logging.getLogger(__name__)

TASK_NAME = "mediamill.run_job"
QUEUE = "mediamill.jobs"
#: Longest wait between database sweeps for jobs that need (re-)sending.
SWEEP_SECONDS = 5.0
#: A Submitted job older than this with no worker on it is sent again (lost message).
RESEND_AFTER_SECONDS = 30.0


_SEND_RETRY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1, "interval_max": 0.1}


def make_app() -> Celery:
    broker = settings.get("MEDIAMILL_BROKER_URL")
    app = Celery("mediamill", broker=broker or None, set_as_current=False)
    visibility = int(settings.get("MEDIAMILL_TRANSCODE_TIMEOUT")) + 3600
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=QUEUE,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=2,
        broker_transport_options={"visibility_timeout": visibility},
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
    )
    app.task(name=TASK_NAME, bind=False)(_run_job_task)
    return app


#: Set when this worker is asked to stop: running jobs are handed back unfinished, at once,
#: instead of holding a warm shutdown for the length of a transcode.
_stopping = threading.Event()


def _on_shutdown(**kwargs: Any) -> None:
    _stopping.set()


worker_shutting_down.connect(_on_shutdown)


def _keep_mediamill_logging(**kwargs: Any) -> None:
    """Connected to ``setup_logging``, so Celery leaves logging as Django's LOGGING set it:
    Celery's own records ("celery.*") then come out in mediamill's format (plain or JSON),
    not in a second one."""


setup_logging.connect(_keep_mediamill_logging)


def _run_job_task(job_id: str) -> str | None:
    from mediamill.site import setup

    setup()
    from django.db import close_old_connections, connection

    from mediamill.jobs import runner

    close_old_connections()
    try:
        return runner.run_job(job_id, stop=_stopping)
    finally:
        connection.close()  # worker threads come and go; do not leak their connections


class Dispatcher:
    """Sends jobs to the Celery workers: when created, and from periodic database sweeps."""

    def __init__(self, app: Celery) -> None:
        self.app = app
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._triggers: Any = None

    def send(self, job_id: str) -> None:
        # One quick retry only: this runs inside the request that created the job, and with
        # the broker down Celery's default policy would hold every CreateJob for ~0.6 s.
        # A message that cannot be sent now is sent by the next sweep.
        self.app.send_task(
            TASK_NAME, args=[job_id], queue=QUEUE, retry=True, retry_policy=_SEND_RETRY
        )

    def start(self, sweep: bool = True) -> None:
        from mediamill.jobs.signals import job_state_changed

        job_state_changed.connect(self._on_state_changed, dispatch_uid=f"celery-{id(self)}")
        if sweep:
            from mediamill.triggers.background import TriggerWorker

            self._thread = threading.Thread(target=self._sweep_loop, name="mediamill-sweep")
            self._thread.daemon = True
            self._thread.start()
            # Where the sweep runs, so do trigger handlers and watched buckets.
            self._triggers = TriggerWorker()
            self._triggers.start()

    def stop(self) -> None:
        from mediamill.jobs.signals import job_state_changed

        job_state_changed.disconnect(dispatch_uid=f"celery-{id(self)}")
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
        if self._triggers is not None:
            self._triggers.stop()

    def _on_state_changed(self, sender: Any, job_id: str, status: str, **kwargs: Any) -> None:
        if status == "Submitted":
            try:
                self.send(job_id)
            except Exception:  # the sweep sends it later
                log.exception("could not send job %s to the broker; will retry", job_id)

    def sweep(self) -> list[str]:
        """Send again every job that needs a worker and has no message; return them.

        Jobs whose lease expired (their worker died) and Submitted jobs older than
        ``RESEND_AFTER_SECONDS`` are sent again when the queue is empty: then no message can
        be waiting for them (a running task's message is acknowledged late, but its job is
        Progressing), so theirs was lost or its worker died. Sending them while the queue is
        busy would only pile duplicates behind a backlog.
        """
        from mediamill.jobs import publish, runner, service
        from mediamill.jobs.models import Job, now_ms

        service.expire_leases()
        publish.remove_stale_claims()  # what workers killed while storing outputs left
        waiting = self.queue_length()
        # With a backlog, a re-sent job would only wait behind it, once per sweep and per
        # worker: send again when the queue has drained (or when the broker cannot say).
        jobs = service.recoverable_jobs() if waiting in (0, None) else []
        if waiting == 0:
            stale = now_ms() - int(RESEND_AFTER_SECONDS * 1000)
            runnable = service.runnable_jobs()
            jobs += list(
                Job.objects.filter(pk__in=runnable, submit_time_millis__lt=stale)
                .order_by("submit_time_millis")
                .values_list("id", flat=True)
            )
        for job_id in jobs:
            self.send(job_id)
        # Work folders on this machine of jobs finished by someone else (canceled, taken
        # over by a worker elsewhere) go now, not at this worker's next start.
        runner.remove_stale_work_dirs()
        return jobs

    def queue_length(self) -> int | None:
        """Messages waiting in the job queue, or None if the broker cannot say."""
        try:
            with self.app.connection_for_read() as conn:
                declared = conn.default_channel.queue_declare(queue=QUEUE, passive=True)
                return int(declared.message_count)
        except Exception:
            return None

    def _sweep_loop(self) -> None:
        from django.db import close_old_connections, connection

        try:
            lease = settings.get("MEDIAMILL_JOB_LEASE_SECONDS")
            while not self._stop.wait(min(SWEEP_SECONDS, lease / 3)):
                close_old_connections()
                try:
                    sent = self.sweep()
                    if sent:
                        log.info("sweep: sent %d job(s) again", len(sent))
                except Exception:
                    log.exception("sweep failed; retrying")
        finally:
            connection.close()
