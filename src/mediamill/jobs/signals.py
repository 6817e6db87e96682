"""The hook for "a job changed state", for notifications and the web app to subscribe to.

``job_state_changed`` is sent after the transaction that made the change has committed, with
``job_id`` and ``status`` (the new ``JobStatus`` value). It is sent once per transition:
Submitted when a job is created (workers wake up on it), Progressing when a job starts (not
again when a worker takes over an abandoned job), then one of Complete, Error or Canceled.
Receivers run in the process that made the change; one that raises is logged and does not
affect the others or the caller.

``job_state_recorded`` is the same event sent earlier: synchronously, inside the transaction
that makes the change, once the change is written and before the commit. A receiver's writes
(the notifications outbox) therefore commit or roll back with the state change itself, and a
receiver that raises rolls the change back. Receivers must only write to the database: no
network, nothing slow, since they run while the job's row is locked.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.dispatch import Signal

log = logging.getLogger(__name__)

job_state_changed = Signal()
job_state_recorded = Signal()


def send_after_commit(job_id: str, status: str) -> None:
    """Send ``job_state_recorded`` now, and queue ``job_state_changed`` for the commit.

    Called by ``service`` inside the atomic block of every transition.
    """
    job_state_recorded.send(sender=None, job_id=job_id, status=status)

    def send() -> None:
        results = job_state_changed.send_robust(sender=None, job_id=job_id, status=status)
        for receiver, outcome in results:
            if isinstance(outcome, Exception):
                log.error(
                    "job_state_changed receiver %r failed for job %s (%s)",
                    receiver,
                    job_id,
                    status,
                    exc_info=outcome,
                )

    transaction.on_commit(send)
