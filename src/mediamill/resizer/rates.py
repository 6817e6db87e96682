"""How many new renders one client may start per minute, counted in this process."""

from __future__ import annotations

import math
import threading
import time
from collections import deque

from mediamill.errors import LimitExceededError

WINDOW = 60.0


class RenderRate:
    """A sliding one-minute window of render start times per client address."""

    def __init__(self) -> None:
        self._starts: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def admit(self, client: str, per_minute: int, now: float | None = None) -> None:
        """Count one render for ``client``, or ``LimitExceededError`` (with ``.retry_after``)."""
        if per_minute <= 0:
            return
        now = time.monotonic() if now is None else now
        with self._lock:
            starts = self._starts.setdefault(client, deque())
            while starts and starts[0] <= now - WINDOW:
                starts.popleft()
            if len(starts) >= per_minute:
                wait = math.ceil(starts[0] + WINDOW - now)
                error = LimitExceededError(
                    f"too many new resizes from this address ({per_minute} a minute): "
                    f"try again in {wait} s"
                )
                error.retry_after = wait  # type: ignore[attr-defined]
                raise error
            starts.append(now)
            if len(self._starts) > 10_000:  # forget idle clients, so memory stays bounded
                for name in [c for c, s in self._starts.items() if not s or s[-1] <= now - WINDOW]:
                    del self._starts[name]
