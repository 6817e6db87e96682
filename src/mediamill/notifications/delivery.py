"""Sending the outbox: one attempt (``deliver``), and the threads that make them.

An attempt claims a due row (``claims``), builds its signed POST (``outgoing``), sends it
through a ``Sender`` (``transport``; HTTP by default) and records the outcome (``claims``,
which schedules a retry after ``backoff`` or gives up).

- **Success** is any 2xx answer. Anything else — another status, a refused connection, no
  answer within MEDIAMILL_NOTIFY_TIMEOUT for the whole exchange — is a failed attempt,
  retried after an exponential backoff with jitter until the message is
  MEDIAMILL_NOTIFY_RETRY_SECONDS old; a failure after that gives it up (Failed).
- **At least once**: a worker that dies after the subscriber answered but before recording
  it makes the message go again, with the same MessageId (receivers deduplicate on it).
- **Isolation from jobs**: sending happens on the delivery threads only, never in a job's
  runner or transaction, so a slow or failing subscriber cannot hold up transcoding.
"""

from __future__ import annotations

import logging

from mediamill import settings
from mediamill.notifications import claims, outbox, signing_keys, topics
from mediamill.notifications.models import MessageType, SubscriptionStatus
from mediamill.notifications.outgoing import build_request
from mediamill.notifications.transport import HttpSender, Outcome, Sender
from mediamill.polling import Chore, PollingPool, PollingThread

log = logging.getLogger(__name__)

#: Longest sleep of an idle delivery thread: rows written by other processes are found this
#: quickly (rows written in this process wake the threads at once).
POLL_SECONDS = 1.0
#: How often expired subscriptions are deleted.
HOUSEKEEPING_SECONDS = 300.0


def deliver(delivery_id: int, worker_id: str, send: Sender | None = None) -> str | None:
    """Claim, send and record one delivery; its status afterwards, or None if not claimed."""
    delivery = claims.claim(delivery_id, worker_id, claims.lease_seconds())
    if delivery is None:
        return None
    if (
        delivery.message_type == MessageType.NOTIFICATION
        and delivery.subscription.status != SubscriptionStatus.CONFIRMED
    ):
        return claims.cancel(delivery, worker_id)
    try:
        request = build_request(delivery)
    except Exception as exc:  # a bad key file, say: logged on the row, retried like a failure
        log.exception("delivery %s: could not build the request", delivery.pk)
        outcome = Outcome(None, f"not sent: {exc}")
    else:
        sender = send if send is not None else HttpSender()
        outcome = sender(request, settings.get("MEDIAMILL_NOTIFY_TIMEOUT"))
    return claims.record(delivery, worker_id, outcome)


class DeliveryWorker:
    """Threads that deliver notifications, in ``mediamill serve`` and ``mediamill worker``.

    They run on the shared ``PollingPool``: woken at once when this process commits new
    deliveries, and every ``POLL_SECONDS`` otherwise (deliveries written by other processes,
    retries coming due); one of them deletes expired subscriptions every
    ``HOUSEKEEPING_SECONDS``. ``stop`` lets an attempt in flight finish (at most
    MEDIAMILL_NOTIFY_TIMEOUT) and records it.
    """

    def __init__(self, threads: int | None = None, send: Sender | None = None) -> None:
        count = threads if threads is not None else settings.get("MEDIAMILL_NOTIFY_THREADS")
        if count < 1:
            raise ValueError("at least one delivery thread is needed")
        self.count = count
        self.send = send
        self._pool = PollingPool(
            "notify",
            count,
            self._run_one,
            poll_seconds=POLL_SECONDS,
            chores=(Chore(HOUSEKEEPING_SECONDS, _housekeeping),),
        )

    def start(self) -> None:
        signing_keys.current()  # the signing key is made at first start, not at the first message
        outbox.on_new_deliveries(self.wake)
        self._pool.start()
        log.info("started %d notification delivery thread(s)", self.count)

    def stop(self, timeout: float | None = None) -> None:
        outbox.remove_listener(self.wake)
        limit = timeout if timeout is not None else settings.get("MEDIAMILL_NOTIFY_TIMEOUT") + 5
        self._pool.stop(limit)

    def wake(self) -> None:
        self._pool.wake()

    def _run_one(self, thread: PollingThread) -> bool:
        """Deliver one due message; False when none could be claimed."""
        for delivery_id in claims.due(limit=self.count * 2):
            if thread.stopping.is_set():
                return False
            if deliver(delivery_id, thread.worker_id, self.send) is not None:
                return True
        return False


def _housekeeping() -> None:
    expired = topics.expire()
    if expired:
        log.info("deleted %d expired subscription(s)", expired)
