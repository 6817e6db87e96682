"""Offering an arrived object to the rules: where every source of "object created" ends.

For each enabled rule whose bucket, prefix and suffix match, one ``Event`` row is inserted,
unique per (rule, bucket, key, version). The job the rule asks for and the insert are one
transaction: the first arrival of an object version commits both; every later one (the same
S3 event again, the upload seen again by a watcher, another process) meets the unique
constraint and its transaction, job included, is rolled back. On PostgreSQL a second
inserter waits on the first's row until it commits, then fails; on SQLite writers queue. So
a job is made at most once per object version and rule, and never lost between row and job.

What a declarative rule's job is refused for (bucket access, limits, an output that exists:
``jobs.service.create_job`` decides) is recorded on the event as ``Refused``. A handler rule
leaves its event ``Pending`` for ``handlers.run_pending``, which runs code in a child
process: not something to do in the writer's thread.

Chains are bounded: an object stored by a job (``buckets.events.written_by``) is one deeper
than the event that created that job, and fires a rule only while that depth is below the
rule's ``chain_depth`` (1 by default: outputs of triggered jobs fire nothing).
"""

from __future__ import annotations

import logging
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from mediamill.buckets.events import ObjectCreated
from mediamill.errors import MediamillError
from mediamill.jobs import service
from mediamill.jobs.models import now_ms
from mediamill.jobs.requests import JobInput, JobRequest, RequestedOutput
from mediamill.triggers import handlers, signals, templates
from mediamill.triggers.models import Event, Outcome, Rule

if TYPE_CHECKING:
    from django.contrib.auth.models import User

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Arrival:
    """An object announced by one of the sources."""

    bucket: str
    key: str
    version: str
    size: int | None
    source: str  # "store", "s3:<event source>", "watch:<bucket>", "test"
    written_by: str = ""  # the job that stored it, if one did
    record: dict[str, Any] = field(default_factory=dict)  # the S3 record, for handlers
    owner: User | None = None  # only this user's rules (an event source with an owner)

    def s3_record(self) -> dict[str, Any]:
        """The record a handler receives: the posted one, or one made in S3's format."""
        return self.record or make_record(self.bucket, self.key, self.size, self.version)


def on_object_stored(created: ObjectCreated) -> None:
    """The ``buckets.events`` subscriber: objects stored through mediamill."""
    fire(
        Arrival(
            created.bucket,
            created.key,
            created.version,
            created.size,
            source="store",
            written_by=created.written_by,
        )
    )


def matching_rules(bucket: str, key: str, owner: User | None = None) -> list[Rule]:
    """The enabled rules on ``bucket`` whose prefix and suffix ``key`` has ("": all of them)."""
    rules = Rule.objects.filter(enabled=True, bucket=bucket).select_related("owner")
    if owner is not None and not owner.is_superuser:
        rules = rules.filter(owner=owner)
    return [rule for rule in rules if not key or rule.matches(bucket, key)]


def fire(
    arrival: Arrival, rules: Iterable[Rule] | None = None, *, claim_for: str = ""
) -> list[Event]:
    """Offer ``arrival`` to each matching rule; returns the events it made (not repeats).

    ``claim_for`` (a worker ID) makes handler events already claimed by that worker, which
    runs them itself (``triggers test --run``) before any trigger thread can.
    """
    if rules is None:
        rules = matching_rules(arrival.bucket, arrival.key, arrival.owner)
    rules = list(rules)
    if not rules:
        return []
    depth = depth_of(arrival.written_by)
    made = []
    for rule in rules:
        event = _fire_rule(rule, arrival, depth, claim_for)
        if event is not None:
            made.append(event)
    return made


def depth_of(job_id: str) -> int:
    """How many triggered jobs are behind an object stored by ``job_id`` ("" : none)."""
    if not job_id:
        return 0
    depth = Event.objects.filter(job_id=job_id).values_list("depth", flat=True).first()
    return 0 if depth is None else depth + 1


def record_unmatched(arrival: Arrival, outcome: str, detail: str) -> Event:
    """A posted event no rule took (or that could not be used): kept, so none is lost."""
    return Event.objects.create(
        rule=None,
        bucket=arrival.bucket[:63],
        key=arrival.key[:1024],
        version=arrival.version[:200],
        size=arrival.size,
        source=arrival.source,
        outcome=outcome,
        detail=detail,
        payload=arrival.record,
        finished=timezone.now(),
    )


def job_request(rule: Rule, key: str) -> JobRequest:
    """The job a declarative rule asks for when ``key`` lands."""
    return JobRequest(
        pipeline_id=rule.pipeline_id,
        input=JobInput(key),
        outputs=tuple(
            RequestedOutput(templates.expand(o["key_template"], key), o["preset_id"])
            for o in rule.outputs
        ),
        output_key_prefix=templates.expand(rule.output_key_prefix, key),
        user_metadata={
            name: templates.expand(value, key) for name, value in rule.user_metadata.items()
        },
    )


def make_record(bucket: str, key: str, size: int | None, version: str) -> dict[str, Any]:
    """An ``ObjectCreated:Put`` record as S3 would send it (key form-encoded)."""
    now = timezone.now()
    obj: dict[str, Any] = {"key": urllib.parse.quote_plus(key, safe="/"), "eTag": version}
    if size is not None:
        obj["size"] = size
    obj["sequencer"] = f"{int(now.timestamp() * 1_000_000):016X}"
    return {
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": "us-east-1",
        "eventTime": now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z",
        "eventName": "ObjectCreated:Put",
        "userIdentity": {"principalId": "mediamill"},
        "requestParameters": {"sourceIPAddress": "127.0.0.1"},
        "responseElements": {"x-amz-request-id": "mediamill", "x-amz-id-2": "mediamill"},
        "s3": {
            "s3SchemaVersion": "1.0",
            "configurationId": "mediamill",
            "bucket": {
                "name": bucket,
                "ownerIdentity": {"principalId": "mediamill"},
                "arn": f"arn:aws:s3:::{bucket}",
            },
            "object": obj,
        },
    }


# --- one rule ------------------------------------------------------------------------------


def _fire_rule(rule: Rule, arrival: Arrival, depth: int, claim_for: str) -> Event | None:
    """The rule's event for ``arrival`` and what it asks for, committed together; None when
    this object version has fired this rule before (the insert meets the constraint and the
    transaction, with any job made in it, is rolled back)."""
    event = Event(
        rule=rule,
        bucket=arrival.bucket,
        key=arrival.key,
        version=arrival.version[:200],
        size=arrival.size,
        source=arrival.source,
        depth=depth,
        outcome=Outcome.PENDING,
    )
    with transaction.atomic():
        if depth >= rule.chain_depth:
            _finish(
                event,
                Outcome.SKIPPED,
                f"output of job {arrival.written_by}, {depth} triggered job(s) deep; "
                f"this trigger fires up to depth {rule.chain_depth - 1}",
            )
        elif rule.is_handler:
            event.payload = {"Records": [arrival.s3_record()]}
            if claim_for:
                event.claimed_by = claim_for
                event.lease_expires_at = handlers.lease_until(now_ms())
            transaction.on_commit(lambda: signals.handler_event_pending.send(sender=Event))
        else:
            # The job first, then the row: one insert instead of an insert and an update. A
            # repeat arrival makes its job in vain, and takes it back with the rollback.
            _create_job(rule, event)
        try:
            event.save(force_insert=True)
        except IntegrityError:
            # No savepoint to return to: the whole transaction goes, with the job made in it.
            transaction.set_rollback(True)
            return None
    return event


def _create_job(rule: Rule, event: Event) -> None:
    try:
        # create_job writes in one atomic block of its own: a refusal leaves nothing behind.
        job = service.create_job(job_request(rule, event.key), owner=rule.owner)
    except MediamillError as exc:
        _finish(event, Outcome.REFUSED, f"{type(exc).__name__}: {exc.message}")
        return
    event.job_id = job.id
    _finish(event, Outcome.JOB, f"job {job.id} submitted")


def _finish(event: Event, outcome: str, detail: str) -> None:
    event.outcome = outcome
    event.detail = detail
    event.finished = timezone.now()
