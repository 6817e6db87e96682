"""Watched buckets: finding objects nobody announced, for stores that cannot post events.

Files copied straight into a folder bucket, objects written to an S3 server by other
programs: each round lists the bucket (``Bucket.list_objects``) and compares every key's
version with the watermark stored for it (``Watermark``: one row per key). A new key, or a
key whose version changed, is offered to the rules (``dispatch.fire``) and its watermark
updated; keys gone from the listing lose theirs, so an object stored again fires again.

The watermarks live in the database, so a restart fires nothing old; the first listing of
a bucket only records what is there (the marker row with the empty key says it was taken).
An object stored through mediamill has the same version in the listing as in its
announcement, so it fires nothing twice: the event history's constraint says so.

A file in a folder changes while it is being copied in: files modified in the last
``SETTLE_SECONDS`` are left for the next round, so a half-copied file does not fire.
"""

from __future__ import annotations

import logging
import time

from django.db import transaction

from mediamill import settings
from mediamill.buckets import LocalBucket, get_bucket
from mediamill.errors import MediamillError
from mediamill.triggers import dispatch
from mediamill.triggers.models import Watermark

log = logging.getLogger(__name__)

#: A file in a folder bucket modified less than this long ago may still be being written.
SETTLE_SECONDS = 1.0
_BASELINE = ""  # the key of the marker row: no object has an empty key


def watched_buckets() -> list[str]:
    names: list[str] = settings.get("MEDIAMILL_WATCH_BUCKETS")
    return names


def poll_all() -> int:
    """One round over every watched bucket; returns the objects offered to the rules."""
    offered = 0
    for name in watched_buckets():
        try:
            offered += poll(name)
        except MediamillError as exc:  # one unreachable bucket must not stop the others
            log.warning("watching bucket %r: %s", name, exc)
    return offered


def poll(name: str, *, now: float | None = None) -> int:
    """List ``name`` once, offer new and changed objects to the rules; returns how many."""
    bucket = get_bucket(name)
    settle = SETTLE_SECONDS if isinstance(bucket, LocalBucket) else 0.0
    now = time.time() if now is None else now
    stored = dict(Watermark.objects.filter(bucket=name).values_list("key", "version"))
    baseline_taken = stored.pop(_BASELINE, None) is not None
    rules = dispatch.matching_rules(name, "")  # the bucket's enabled rules, looked up once
    seen: set[str] = set()
    changed: list[Watermark] = []
    offered = 0
    for info in bucket.list_objects():
        seen.add(info.key)
        if stored.get(info.key) == info.version:
            continue
        if now - info.modified < settle:
            continue  # still being written, perhaps: next round
        changed.append(Watermark(bucket=name, key=info.key, version=info.version))
        matching = [rule for rule in rules if rule.matches(name, info.key)]
        if baseline_taken and matching:
            arrival = dispatch.Arrival(
                name, info.key, info.version, info.size, source=f"watch:{name}"
            )
            dispatch.fire(arrival, matching)
            offered += 1
    with transaction.atomic():
        if changed:
            Watermark.objects.bulk_create(
                changed,
                batch_size=500,
                update_conflicts=True,
                unique_fields=["bucket", "key"],
                update_fields=["version"],
            )
        gone = set(stored) - seen
        if gone:
            Watermark.objects.filter(bucket=name, key__in=gone).delete()
        if not baseline_taken:
            Watermark.objects.get_or_create(bucket=name, key=_BASELINE, defaults={"version": "-"})
    return offered
