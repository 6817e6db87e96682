"""Render once, store back: the resize of an original, found in its bucket or made and kept.

A resize is stored in the original's bucket under a key derived from the original's key and
the spec's canonical form (``resized_key``), so equal specs written differently share it. The
first request renders and publishes it with the bucket's create-if-absent write; later ones
find it there. Concurrent first requests in one process wait on a per-key lock and render
once; across processes the create-if-absent write decides (a loser's copy is dropped, and the
winner's is served).
"""

from __future__ import annotations

import hashlib
import io
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from mediamill import settings
from mediamill.buckets import MAX_KEY_LENGTH, Bucket
from mediamill.errors import ObjectExistsError, ObjectNotFoundError, ResourceLimitError
from mediamill.images import ResizeSpec
from mediamill.images.spec import FORMATS
from mediamill.imaging.render import Limits, Rendered, render

#: Where resizes live in the original's bucket.
PREFIX = "_resized/"


def resized_key(key: str, spec: ResizeSpec, extension: str) -> str:
    """``_resized/<key>/<canonical spec>.<ext>``; a hash of the key when that is too long."""
    extension = "jpg" if extension == "jpeg" else extension
    name = f"{spec.canonical()}.{extension}"
    derived = f"{PREFIX}{key}/{name}"
    if len(derived) <= MAX_KEY_LENGTH:
        return derived
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
    return f"{PREFIX}{digest[:2]}/{digest}/{name}"


def limits_from_settings() -> Limits:
    return Limits(
        max_pixels=settings.get("MEDIAMILL_IMAGE_MAX_SOURCE_PIXELS"),
        max_width=settings.get("MEDIAMILL_IMAGE_MAX_WIDTH"),
        max_height=settings.get("MEDIAMILL_IMAGE_MAX_HEIGHT"),
        max_frames=settings.get("MEDIAMILL_IMAGE_MAX_FRAMES"),
        formats=tuple(settings.get("MEDIAMILL_IMAGE_FORMATS")),
    )


@dataclass(frozen=True)
class Resize:
    bucket: Bucket
    key: str
    """The resize's key in ``bucket``."""
    rendered: bool
    """True when this call made it; False when it was found stored."""
    path: Path | None = None
    """The file holding it, when the bucket is a local folder."""


def _stored(bucket: Bucket, key: str) -> Resize | None:
    """The stored resize, or None. A local bucket is asked for the file in one step."""
    try:
        path = bucket.local_path(key)
    except ObjectNotFoundError:
        return None
    if path is None and not bucket.exists(key):
        return None
    return Resize(bucket, key, rendered=False, path=path)


class Resizer:
    """Finds or makes resizes; one per process (the locks are per process).

    ``limits`` and ``max_source_bytes`` default to the settings, read when each render starts.
    """

    def __init__(self, limits: Limits | None = None, max_source_bytes: int | None = None) -> None:
        self._limits = limits
        self._max_source_bytes = max_source_bytes
        self.renders = 0
        """How many resizes this resizer has rendered (the tests count them)."""
        self._locks: dict[str, tuple[threading.Lock, int]] = {}
        self._guard = threading.Lock()
        at_once = settings.get("MEDIAMILL_IMAGE_RENDERS_AT_ONCE") or os.cpu_count() or 1
        # More renders at once than cores only multiplies the memory they hold (a decoded
        # 2000x2000 RGBA original is 16 MB) and the latency of each.
        self._slots = threading.BoundedSemaphore(at_once)

    def get(
        self,
        bucket: Bucket,
        key: str,
        spec: ResizeSpec,
        extension: str,
        admit: Callable[[], None] | None = None,
    ) -> Resize:
        """The stored resize, rendered and stored first when missing.

        ``admit`` is called just before a render (and only then): it raises to refuse one
        (a client over its rate). ``ObjectNotFoundError`` when the original is missing,
        ``MediaError`` or ``ResourceLimitError`` when it cannot be rendered.
        """
        target = resized_key(key, spec, extension)
        found = _stored(bucket, target)
        if found is not None:
            return found
        with self._lock(f"{bucket.name}\n{target}"):
            found = _stored(bucket, target)
            if found is not None:
                return found
            if admit is not None:
                admit()
            result = self.render(bucket, key, spec, extension)
            try:
                bucket.write(target, io.BytesIO(result.data), overwrite=False)
            except ObjectExistsError:
                return Resize(bucket, target, False, bucket.local_path(target))  # another was first
            return Resize(bucket, target, True, bucket.local_path(target))

    @property
    def limits(self) -> Limits:
        return self._limits or limits_from_settings()

    @property
    def max_source_bytes(self) -> int:
        if self._max_source_bytes is not None:
            return self._max_source_bytes
        return int(settings.get("MEDIAMILL_IMAGE_MAX_SOURCE_MB")) * 1024 * 1024

    def render(self, bucket: Bucket, key: str, spec: ResizeSpec, extension: str) -> Rendered:
        """Render the resize (without storing it)."""
        size = bucket.size(key)
        limit = self.max_source_bytes
        if size > limit:
            raise ResourceLimitError(
                f"the original is {size} bytes, more than the limit of {limit} bytes"
            )
        with bucket.open_read(key) as stream:
            data = stream.read(limit + 1)
        if len(data) > limit:  # it grew since it was measured
            raise ResourceLimitError(f"the original is more than the limit of {limit} bytes")
        with self._slots, self._counted():
            return render(io.BytesIO(data), spec, FORMATS[extension], self.limits)

    @contextmanager
    def _counted(self) -> Iterator[None]:
        with self._guard:
            self.renders += 1
        yield

    @contextmanager
    def _lock(self, name: str) -> Iterator[None]:
        """A lock per resize, dropped once nobody waits on it (no growth without bound)."""
        with self._guard:
            lock, users = self._locks.get(name, (threading.Lock(), 0))
            self._locks[name] = (lock, users + 1)
        try:
            with lock:
                yield
        finally:
            with self._guard:
                lock, users = self._locks[name]
                if users == 1:
                    del self._locks[name]
                else:
                    self._locks[name] = (lock, users - 1)
