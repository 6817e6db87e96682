"""The trigger thread of every worker process: runs handlers, and watches buckets.

On the shared ``polling.PollingPool`` (one thread): each round runs one Pending handler
event, if any (``handlers.run_pending`` claims it, so any number of processes may run this
thread); every ``MEDIAMILL_WATCH_INTERVAL`` seconds it also lists the watched buckets
(``watching.poll_all``). Started by the embedded workers of `mediamill serve` and by the
sweeping dispatcher of `mediamill worker`.
"""

from __future__ import annotations

import logging
from typing import Any

from mediamill import settings
from mediamill.polling import Chore, PollingPool, PollingThread
from mediamill.triggers import handlers, watching
from mediamill.triggers.signals import handler_event_pending

log = logging.getLogger(__name__)

#: Seconds between looks for handler events written by other processes.
POLL_SECONDS = 1.0


class TriggerWorker:
    def __init__(self) -> None:
        chores: tuple[Chore, ...] = ()
        if watching.watched_buckets():
            interval = settings.get("MEDIAMILL_WATCH_INTERVAL")
            chores = (Chore(interval, _watch),)
        self._pool = PollingPool(
            "triggers", 1, self._run_one, poll_seconds=POLL_SECONDS, chores=chores
        )

    def start(self) -> None:
        handler_event_pending.connect(self._on_pending, dispatch_uid=f"triggers-{id(self)}")
        self._pool.start()
        buckets = watching.watched_buckets()
        if buckets:
            log.info("watching bucket(s) %s", ", ".join(buckets))

    def stop(self, timeout: float = 10.0) -> None:
        handler_event_pending.disconnect(dispatch_uid=f"triggers-{id(self)}")
        self._pool.stop(timeout)

    def _on_pending(self, sender: Any, **kwargs: Any) -> None:
        self.wake()

    def wake(self) -> None:
        self._pool.wake()

    def _run_one(self, thread: PollingThread) -> bool:
        return handlers.run_pending(thread.worker_id) > 0


def _watch() -> None:
    offered = watching.poll_all()
    if offered:
        log.info("watched buckets: %d new or changed object(s)", offered)
