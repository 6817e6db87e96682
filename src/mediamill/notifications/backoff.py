"""How long to wait before the next attempt to deliver a message."""

from __future__ import annotations

import random

from mediamill import settings


def backoff(attempts: int, rng: random.Random | None = None) -> float:
    """Seconds to wait after the ``attempts``-th failure: base·2^(n-1) capped, with jitter.

    The base is MEDIAMILL_NOTIFY_BACKOFF_SECONDS, the cap MEDIAMILL_NOTIFY_MAX_BACKOFF_SECONDS.
    "Equal jitter": half the delay is fixed, half random, so retries from many deliveries
    spread out but each still waits at least half its step.
    """
    base = settings.get("MEDIAMILL_NOTIFY_BACKOFF_SECONDS")
    cap = settings.get("MEDIAMILL_NOTIFY_MAX_BACKOFF_SECONDS")
    step: float = min(cap, base * 2 ** min(max(attempts - 1, 0), 60))
    return step / 2 + (rng or random).uniform(0, step / 2)
