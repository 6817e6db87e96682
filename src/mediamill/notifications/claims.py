"""The outbox rows' side of delivery: which are due, who holds one, what an attempt got.

- **Claiming** is one conditional ``UPDATE`` (status Pending, due, lease free, no older
  Pending row for the same subscription and job) that sets a lease; its row count says who
  won. So any number of threads and processes can deliver from one database, a row is sent
  by one worker at a time, and a row whose worker died is retried when its lease runs out.
- **Order**: a job's messages reach a subscription in the order they were published; a
  message waits while an older one of the same job is Pending for that subscription.
- **Recording** an attempt releases the lease and either marks the row Delivered (a 2xx),
  gives it up (Failed: it is MEDIAMILL_NOTIFY_RETRY_SECONDS old) or schedules the next
  attempt after ``backoff``. Only the worker still holding the lease may record.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from mediamill import settings
from mediamill.notifications.backoff import backoff
from mediamill.notifications.models import Delivery, DeliveryStatus
from mediamill.notifications.transport import Outcome

log = logging.getLogger(__name__)

_ERROR_MAX = 500


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


def cancel(delivery: Delivery, worker_id: str) -> str:
    """Drop a claimed delivery that must not be sent (its subscription is not confirmed)."""
    Delivery.objects.filter(pk=delivery.pk, claimed_by=worker_id).update(
        status=DeliveryStatus.CANCELED, claimed_by="", lease_expires_at=None
    )
    return DeliveryStatus.CANCELED


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
