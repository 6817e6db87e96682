"""The seam through which "an object was stored" leaves the buckets.

Buckets sit below the domain and must not know who cares (triggers do); the domain cannot
be asked from here. So a bucket announces each object it has stored through
``object_created``, and whoever cares subscribes with ``on_object_created`` when its app
starts. Subscribers run in the writer's thread after the object is in place; an exception in
one is logged, never raised into the write, which has already succeeded.

A writer may say on whose behalf it stores (``written_by(job_id)``): jobs publishing their
outputs do, so a trigger can tell an output of a job from an upload and bound its chains.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ObjectCreated:
    """An object now stored in a bucket."""

    bucket: str
    key: str
    size: int
    version: str  # the ETag (no quotes) where the store has one, else "<size>-<mtime ns>"
    written_by: str = ""  # the ID of the job whose output this is; "" for anything else


Subscriber = Callable[[ObjectCreated], None]

_subscribers: dict[str, Subscriber] = {}
_writer: contextvars.ContextVar[str] = contextvars.ContextVar("mediamill_writer", default="")


def on_object_created(callback: Subscriber, uid: str) -> None:
    """Call ``callback`` for every object stored from now on (once per ``uid``)."""
    _subscribers[uid] = callback


def disconnect(uid: str) -> None:
    _subscribers.pop(uid, None)


def has_subscribers() -> bool:
    """Whether announcing is worth a look-up (an S3 bucket asks for the ETag only then)."""
    return bool(_subscribers)


@contextlib.contextmanager
def written_by(job_id: str) -> Iterator[None]:
    """Objects stored inside this block are announced as outputs of job ``job_id``."""
    token = _writer.set(job_id)
    try:
        yield
    finally:
        _writer.reset(token)


def object_created(bucket: str, key: str, size: int, version: str) -> None:
    """Announce a stored object to every subscriber."""
    event = ObjectCreated(bucket, key, size, version, _writer.get())
    for uid, callback in list(_subscribers.items()):
        try:
            callback(event)
        except Exception:  # the object is stored; a subscriber's failure is its own
            log.exception("object-created subscriber %s failed for %s/%s", uid, bucket, key)


def local_version(size: int, mtime_ns: int) -> str:
    """The version of a file in a folder bucket: size and modification time."""
    return f"{size}-{mtime_ns}"
