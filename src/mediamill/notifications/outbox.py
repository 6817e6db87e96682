"""The outbox: what a job's state change owes its subscribers, written in the same transaction.

``record`` receives ``jobs.signals.job_state_recorded``, which ``jobs.service`` sends inside
the transaction of every state change. It writes one ``Delivery`` per confirmed subscription
of the pipeline's topic for that state, and the owner's ``Notice`` when a job ends. So a
state change and what it owes commit together or not at all: no message is lost between the
commit and a crash, and none is sent for a change that was rolled back. Nothing here touches
the network; the delivery threads send the rows once they are committed.

A database error here fails the state change too (it would have failed anyway). A message
that cannot be composed is logged and skipped instead: a formatting bug must not stop jobs.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from mediamill.jobs.models import Job
from mediamill.notifications import notices, ownership
from mediamill.notifications.messages import EVENTS, et_json, job_message, subject, timestamp
from mediamill.notifications.models import (
    Delivery,
    MessageType,
    Subscription,
    SubscriptionStatus,
    Topic,
)

log = logging.getLogger(__name__)

_listeners: list[Callable[[], None]] = []
_listeners_lock = threading.Lock()


def record(sender: Any, job_id: str, status: str, **kwargs: Any) -> None:
    """Write the deliveries and the notice a job's new ``status`` calls for."""
    event = EVENTS.get(status)
    if event is None:  # Submitted, Canceled: Elastic Transcoder sends nothing for them
        return
    job = Job.objects.select_related("pipeline__owner").get(pk=job_id)
    notices.add(job, status)
    topic_arn = job.pipeline.notifications[event.topic_key]
    if not topic_arn:
        return
    topic = Topic.objects.filter(arn=topic_arn).first()
    if topic is None:
        return
    if not ownership.may_use(job.pipeline.owner, topic):
        # Named before topics had owners, or the topic changed hands since: its subscribers
        # must not get this pipeline's messages under the server's signature.
        log.warning(
            "job %s: pipeline %s may not use topic %s; not published",
            job.id,
            job.pipeline_id,
            topic_arn,
        )
        return
    subscriptions = list(
        Subscription.objects.filter(topic=topic, status=SubscriptionStatus.CONFIRMED)
    )
    if not subscriptions:
        return
    outputs = list(job.outputs.all())
    try:
        message = et_json(job_message(job, outputs, event))
    except Exception:
        # A message that cannot be written (a bug, stored data of an unexpected shape) must
        # not make the job's state change fail with it, or the job could never move on.
        log.exception("job %s: could not write the %s message; not sent", job.id, event.state)
        return
    now = timezone.now()
    message_id = str(uuid.uuid4())  # one publication: every subscriber sees the same MessageId
    Delivery.objects.bulk_create(
        Delivery(
            subscription=subscription,
            message_type=MessageType.NOTIFICATION,
            message_id=message_id,
            job_id=job.id,
            state=event.state,
            subject=subject(event, job.id),
            message=message,
            timestamp=timestamp(now),
            next_attempt_at=now,
            created=now,
        )
        for subscription in subscriptions
    )
    announce_on_commit()


def on_new_deliveries(listener: Callable[[], None]) -> None:
    """Call ``listener`` (in this process) whenever new deliveries have been committed."""
    with _listeners_lock:
        _listeners.append(listener)


def remove_listener(listener: Callable[[], None]) -> None:
    with _listeners_lock:
        if listener in _listeners:
            _listeners.remove(listener)


def announce_on_commit() -> None:
    transaction.on_commit(_announce)


def _announce() -> None:
    with _listeners_lock:
        listeners = list(_listeners)
    for listener in listeners:
        try:
            listener()
        except Exception:  # a listener only speeds delivery up; polling still finds the rows
            log.exception("delivery listener %r failed", listener)
