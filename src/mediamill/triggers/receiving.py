"""What an S3 event notification posted by an event source leads to.

Every record is accounted for in the history before the poster is answered: fired rules
get their events (``dispatch.fire``); a record no rule takes, one that is not an
``ObjectCreated`` event, one whose key is invalid or whose object does not exist is kept as
an event without a rule that says so. Nothing here raises for one bad record: the others
are still handled.
"""

from __future__ import annotations

import re
import urllib.parse
import urllib.request
from dataclasses import dataclass

from mediamill.buckets import get_bucket, validate_bucket_name, validate_key
from mediamill.errors import MediamillError
from mediamill.triggers import dispatch
from mediamill.triggers.models import Event, EventSource, Outcome
from mediamill.triggers.s3events import Notification, Record


@dataclass(frozen=True)
class Received:
    """What became of one record: its events (one per rule it fired), or why none."""

    bucket: str
    key: str
    events: tuple[Event, ...]
    note: str = ""

    def to_json(self) -> dict[str, object]:
        return {
            "bucket": self.bucket,
            "key": self.key,
            "note": self.note,
            "events": [
                {
                    "trigger": e.rule.name if e.rule else None,
                    "outcome": e.outcome,
                    "job": e.job_id or None,
                    "detail": e.detail,
                }
                for e in self.events
            ],
        }


def receive(notification: Notification, source: EventSource) -> list[Received]:
    return [receive_record(record, source) for record in notification.records]


def receive_record(record: Record, source: EventSource) -> Received:
    arrival = dispatch.Arrival(
        record.bucket,
        record.key,
        record.version,
        record.size,
        source=f"s3:{source.name}",
        record=record.raw,
        owner=source.owner,
    )
    if not record.created:
        note = f"{record.event_name} events start nothing (only ObjectCreated:*)"
        return _kept(arrival, Outcome.SKIPPED, note)
    problem = _problem(record)
    if problem:
        return _kept(arrival, Outcome.ERROR, problem)
    rules = dispatch.matching_rules(record.bucket, record.key, source.owner)
    if not rules:
        return _kept(arrival, Outcome.SKIPPED, "no enabled trigger matches")
    try:
        present = get_bucket(record.bucket).exists(record.key)
    except MediamillError as exc:
        return _kept(arrival, Outcome.ERROR, f"cannot look the object up: {exc.message}")
    if not present:
        note = "no such object in the bucket (deleted since, or never stored)"
        return _kept(arrival, Outcome.ERROR, note)
    made = dispatch.fire(arrival, rules)
    note = "" if made else "already received: this object version fired its triggers before"
    return Received(record.bucket, record.key, tuple(made), note)


def _kept(arrival: dispatch.Arrival, outcome: str, note: str) -> Received:
    """A record that fired nothing, kept in the history with the reason."""
    event = dispatch.record_unmatched(arrival, outcome, note)
    return Received(arrival.bucket, arrival.key, (event,), note)


def _problem(record: Record) -> str:
    try:
        validate_bucket_name(record.bucket)
        validate_key(record.key)
    except MediamillError as exc:
        return f"unusable bucket or key: {exc.message}"
    return ""


# An SNS SubscribeURL is visited only when it is SNS's own: anything else would let a
# poster make this server fetch an address of its choosing.
_SNS_HOST = re.compile(r"sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?")


def subscription(notification: Notification, source: EventSource) -> str:
    """Confirm an SNS subscription (or note an unsubscription); the note is kept as an event."""
    url = notification.subscribe_url
    parts = urllib.parse.urlsplit(url)
    arrival = dispatch.Arrival(
        "-", "-", "-", None, source=f"s3:{source.name}", record=notification.envelope
    )
    if notification.kind == "unsubscribe":
        note = "SNS says this endpoint was unsubscribed"
    elif parts.scheme != "https" or not _SNS_HOST.fullmatch(parts.hostname or ""):
        note = f"SNS subscription not confirmed: {url!r} is not an SNS address; visit it by hand"
    else:
        try:
            with urllib.request.urlopen(url, timeout=10) as answer:
                answer.read(65536)
            note = "SNS subscription confirmed"
        except OSError as exc:
            note = f"SNS subscription not confirmed: {exc}"
    dispatch.record_unmatched(arrival, Outcome.SKIPPED, note)
    return note
