"""Sending the outbox: claim a due delivery, POST it, record what happened, retry later.

- **Claiming** is one conditional ``UPDATE`` (status Pending, due, lease free, no older
  Pending row for the same subscription and job) that sets a lease; its row count says who
  won. So any number of threads and processes can deliver from one database, a row is sent
  by one worker at a time, and a row whose worker died is retried when its lease runs out.
- **Success** is any 2xx answer. Anything else — another status, a refused connection, no
  answer within MEDIAMILL_NOTIFY_TIMEOUT — is a failed attempt, retried after an exponential
  backoff with jitter (MEDIAMILL_NOTIFY_BACKOFF_SECONDS doubling up to
  MEDIAMILL_NOTIFY_MAX_BACKOFF_SECONDS) until the message is MEDIAMILL_NOTIFY_RETRY_SECONDS
  old; a failure after that gives it up (Failed).
- **Order**: a job's messages reach a subscription in the order they were published; a
  message waits while an older one of the same job is Pending for that subscription.
- **At least once**: a worker that dies after the subscriber answered but before recording
  it makes the message go again, with the same MessageId (receivers deduplicate on it).
- **Isolation from jobs**: sending happens on these threads only, never in a job's runner or
  transaction, so a slow or failing subscriber cannot hold up transcoding.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import logging
import os
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.db import close_old_connections, connection
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from mediamill import __version__, settings
from mediamill.notifications import envelope, keys, outbox, topics
from mediamill.notifications.models import (
    Delivery,
    DeliveryStatus,
    MessageType,
    Signing,
    Subscription,
    SubscriptionStatus,
)

log = logging.getLogger(__name__)

#: Longest sleep of an idle delivery thread: rows written by other processes are found this
#: quickly (rows written in this process wake the threads at once).
POLL_SECONDS = 1.0
#: How often expired subscriptions are deleted.
HOUSEKEEPING_SECONDS = 300.0
_ERROR_MAX = 500


@dataclass(frozen=True)
class Outcome:
    """What one attempt got: an HTTP status, or an error that prevented one."""

    status_code: int | None
    error: str = ""

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass(frozen=True)
class Request:
    url: str
    headers: dict[str, str]
    body: bytes


Sender = Callable[[Request, float], Outcome]


# --- choosing and claiming -----------------------------------------------------------------


def _older_pending() -> Exists:
    return Exists(
        Delivery.objects.filter(
            subscription_id=OuterRef("subscription_id"),
            job_id=OuterRef("job_id"),
            status=DeliveryStatus.PENDING,
            id__lt=OuterRef("id"),
        )
    )


def _claimable(now: dt.datetime) -> Q:
    return Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now) & (
        Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now)
    )


def due(limit: int | None = None, now: dt.datetime | None = None) -> list[int]:
    """IDs of deliveries that may be sent now, the longest-waiting first."""
    rows = (
        Delivery.objects.filter(_claimable(now or timezone.now()))
        .filter(~_older_pending())
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)
    )
    return list(rows if limit is None else rows[:limit])


def claim(delivery_id: int, worker_id: str, lease_seconds: float) -> Delivery | None:
    """Take a due delivery for ``worker_id`` until the lease runs out; None if not claimable."""
    now = timezone.now()
    won = (
        Delivery.objects.filter(_claimable(now), pk=delivery_id)
        .filter(~_older_pending())
        .update(claimed_by=worker_id, lease_expires_at=now + dt.timedelta(seconds=lease_seconds))
    )
    if not won:
        return None
    return Delivery.objects.select_related("subscription__topic").get(pk=delivery_id)


def lease_seconds() -> float:
    """Longer than an attempt can take, so a live worker never loses its lease."""
    timeout: float = settings.get("MEDIAMILL_NOTIFY_TIMEOUT")
    return 2 * timeout + 10


# --- one attempt ---------------------------------------------------------------------------


def deliver(delivery_id: int, worker_id: str, send: Sender | None = None) -> str | None:
    """Claim, send and record one delivery; its status afterwards, or None if not claimed."""
    delivery = claim(delivery_id, worker_id, lease_seconds())
    if delivery is None:
        return None
    subscription = delivery.subscription
    if (
        delivery.message_type == MessageType.NOTIFICATION
        and subscription.status != SubscriptionStatus.CONFIRMED
    ):
        Delivery.objects.filter(pk=delivery.pk, claimed_by=worker_id).update(
            status=DeliveryStatus.CANCELED, claimed_by="", lease_expires_at=None
        )
        return DeliveryStatus.CANCELED
    try:
        request = build_request(delivery)
    except Exception as exc:  # a bad key file, say: logged on the row, retried like a failure
        log.exception("delivery %s: could not build the request", delivery.pk)
        outcome = Outcome(None, f"not sent: {exc}")
    else:
        outcome = (send or post)(request, settings.get("MEDIAMILL_NOTIFY_TIMEOUT"))
    return record(delivery, worker_id, outcome)


def build_request(delivery: Delivery) -> Request:
    """The POST for this attempt: SNS-signed now, or Standard Webhooks-signed now."""
    subscription: Subscription = delivery.subscription
    topic_arn = subscription.topic.arn
    is_notification = delivery.message_type == MessageType.NOTIFICATION
    if is_notification:
        fields = envelope.notification_fields(
            message_id=delivery.message_id,
            topic_arn=topic_arn,
            subject=delivery.subject,
            message=delivery.message,
            timestamp=delivery.timestamp,
        )
    else:
        fields = envelope.confirmation_fields(
            delivery.message_type,
            message_id=delivery.message_id,
            token=subscription.token,
            topic_arn=topic_arn,
            message=delivery.message,
            subscribe_url=topics.subscribe_url(subscription),
            timestamp=delivery.timestamp,
        )
    headers = envelope.sns_headers(
        delivery.message_type,
        delivery.message_id,
        topic_arn,
        subscription.arn if is_notification else None,
    )
    secret = topics.webhook_secret(subscription)
    if subscription.signing == Signing.STANDARD_WEBHOOKS and secret is not None:
        # The job-state message itself is the payload; a confirmation is its envelope fields.
        body = delivery.message.encode() if is_notification else envelope.body(fields)
        attempt_time = int(timezone.now().timestamp())
        headers |= envelope.webhook_headers(secret, delivery.message_id, attempt_time, body)
        headers |= {"Content-Type": "application/json", "User-Agent": f"mediamill/{__version__}"}
        return Request(subscription.endpoint, headers, body)
    key = keys.current()
    signed = envelope.sign(
        fields,
        key.private_key,
        key.cert_url,
        topics.unsubscribe_url(subscription) if is_notification else None,
    )
    headers |= {"Content-Type": envelope.CONTENT_TYPE, "User-Agent": envelope.USER_AGENT}
    return Request(subscription.endpoint, headers, envelope.body(signed))


def post(request: Request, timeout: float) -> Outcome:
    """POST ``request``; the whole exchange must finish within ``timeout`` seconds.

    Redirects are not followed (a 3xx is a failed attempt). HTTPS certificates are verified.
    """
    parts = urlsplit(request.url)
    conn: http.client.HTTPConnection
    # The port is always given: http.client would read the end of an IPv6 address as one.
    if parts.scheme == "https":
        port = parts.port or 443
        conn = http.client.HTTPSConnection(parts.hostname or "", port, timeout=timeout)
    else:
        port = parts.port or 80
        conn = http.client.HTTPConnection(parts.hostname or "", port, timeout=timeout)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    # The socket timeout bounds each read and write; this bounds the whole exchange, so a
    # subscriber that trickles its answer out byte by byte cannot hold a thread for longer.
    expired = threading.Event()

    def cut() -> None:
        expired.set()
        sock = conn.sock
        if sock is not None:
            with contextlib.suppress(OSError):  # already closed
                sock.shutdown(socket.SHUT_RDWR)

    watchdog = threading.Timer(timeout, cut)
    watchdog.daemon = True
    watchdog.start()
    try:
        conn.request("POST", target, body=request.body, headers=request.headers)
        response = conn.getresponse()
        response.read(65536)  # let the subscriber finish writing; the content is not needed
        status = response.status
    except (OSError, http.client.HTTPException) as exc:
        if expired.is_set() or isinstance(exc, TimeoutError):
            return Outcome(None, f"no answer within {timeout:g} s")
        return Outcome(None, _describe(exc))
    finally:
        watchdog.cancel()
        conn.close()
    if expired.is_set():
        return Outcome(None, f"no answer within {timeout:g} s")
    if 200 <= status < 300:
        return Outcome(status)
    return Outcome(status, f"HTTP {status} {response.reason}".strip())


def record(delivery: Delivery, worker_id: str, outcome: Outcome) -> str | None:
    """Store an attempt's outcome and release the lease; the delivery's status after it.

    None if this worker no longer held the delivery (its lease ran out and another took it).
    """
    now = timezone.now()
    held = Delivery.objects.filter(
        pk=delivery.pk, claimed_by=worker_id, status=DeliveryStatus.PENDING
    )
    changes: dict[str, Any] = {
        "attempts": F("attempts") + 1,
        "last_status_code": outcome.status_code,
        "last_error": outcome.error[:_ERROR_MAX],
        "claimed_by": "",
        "lease_expires_at": None,
    }
    attempts = delivery.attempts + 1
    if outcome.delivered:
        status = DeliveryStatus.DELIVERED
        changes |= {"status": status, "delivered_at": now}
        log.info(
            "delivered %s %s to %s (attempt %d, HTTP %s)",
            delivery.state or delivery.message_type,
            delivery.message_id,
            delivery.subscription.endpoint,
            attempts,
            outcome.status_code,
        )
    elif now >= delivery.created + dt.timedelta(
        seconds=settings.get("MEDIAMILL_NOTIFY_RETRY_SECONDS")
    ):
        status = DeliveryStatus.FAILED
        changes |= {"status": status}
        log.error(
            "gave up delivering %s to %s after %d attempts: %s",
            delivery.message_id,
            delivery.subscription.endpoint,
            attempts,
            outcome.error,
        )
    else:
        status = DeliveryStatus.PENDING
        wait = backoff(attempts)
        changes |= {"next_attempt_at": now + dt.timedelta(seconds=wait)}
        log.warning(
            "could not deliver %s to %s (attempt %d: %s); next attempt in %.1f s",
            delivery.message_id,
            delivery.subscription.endpoint,
            attempts,
            outcome.error,
            wait,
        )
    return status if held.update(**changes) else None


def backoff(attempts: int, rng: random.Random | None = None) -> float:
    """Seconds to wait after the ``attempts``-th failure: base·2^(n-1) capped, with jitter.

    "Equal jitter": half the delay is fixed, half random, so retries from many deliveries
    spread out but each still waits at least half its step.
    """
    base = settings.get("MEDIAMILL_NOTIFY_BACKOFF_SECONDS")
    cap = settings.get("MEDIAMILL_NOTIFY_MAX_BACKOFF_SECONDS")
    step: float = min(cap, base * 2 ** min(max(attempts - 1, 0), 60))
    return step / 2 + (rng or random).uniform(0, step / 2)


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if text != type(exc).__name__ else text


# --- the threads ---------------------------------------------------------------------------


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}:{uuid.uuid4().hex[:8]}"


class DeliveryWorker:
    """Threads that deliver notifications, in ``mediamill serve`` and ``mediamill worker``.

    They wake at once when this process commits new deliveries, and every ``POLL_SECONDS``
    otherwise (deliveries written by other processes, retries coming due). ``stop`` lets an
    attempt in flight finish (at most MEDIAMILL_NOTIFY_TIMEOUT) and records it.
    """

    def __init__(self, threads: int | None = None, send: Sender | None = None) -> None:
        self.count = threads if threads is not None else settings.get("MEDIAMILL_NOTIFY_THREADS")
        if self.count < 1:
            raise ValueError("at least one delivery thread is needed")
        self.send = send
        self._wake = threading.Condition()
        self._announced = 0
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        close_old_connections()
        keys.current()  # the signing key is made at first start, not at the first message
        outbox.on_new_deliveries(self.wake)
        for n in range(self.count):
            thread = threading.Thread(
                target=self._loop, args=(n,), name=f"mediamill-notify-{n}", daemon=True
            )
            thread.start()
            self._threads.append(thread)
        log.info("started %d notification delivery thread(s)", self.count)

    def stop(self, timeout: float | None = None) -> None:
        outbox.remove_listener(self.wake)
        self._stop.set()
        self.wake()
        limit = timeout if timeout is not None else settings.get("MEDIAMILL_NOTIFY_TIMEOUT") + 5
        for thread in self._threads:
            thread.join(limit)

    def wake(self) -> None:
        with self._wake:
            self._announced += 1
            self._wake.notify_all()

    def _loop(self, n: int) -> None:
        worker_id = new_worker_id()
        housekeeping_due = 0.0
        try:
            while not self._stop.is_set():
                with self._wake:
                    seen = self._announced
                if n == 0 and housekeeping_due <= time.monotonic():
                    housekeeping_due = time.monotonic() + HOUSEKEEPING_SECONDS
                    self._housekeeping()
                if self._run_one(worker_id):
                    continue
                with self._wake:
                    if self._announced == seen and not self._stop.is_set():
                        self._wake.wait(POLL_SECONDS)
        finally:
            connection.close()

    def _run_one(self, worker_id: str) -> bool:
        """Deliver one due message; False when none could be claimed."""
        close_old_connections()
        try:
            for delivery_id in due(limit=self.count * 2):
                if self._stop.is_set():
                    return False
                if deliver(delivery_id, worker_id, self.send) is not None:
                    return True
        except Exception:
            log.exception("notification delivery: unexpected error; continuing")
            self._stop.wait(1.0)
        return False

    def _housekeeping(self) -> None:
        close_old_connections()
        try:
            expired = topics.expire()
            if expired:
                log.info("deleted %d expired subscription(s)", expired)
        except Exception:
            log.exception("notification housekeeping failed; continuing")
