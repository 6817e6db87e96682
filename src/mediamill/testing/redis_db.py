"""A Redis database number of one run's own on the local server, emptied afterwards.

    with RedisDatabase() as db:
        os.environ["MEDIAMILL_BROKER_URL"] = db.url

Redis has no databases to create: it has numbered ones (16 by default). A run claims the
first empty one (from 1; 0 is left to whatever else uses the server) by setting a claim key
there with ``SET NX``, which only one client can win, so two runs at the same time never
share a number. The claim expires after ``CLAIM_SECONDS``, should a run die without cleaning
up; ``stop`` empties the database. The server is ``MEDIAMILL_TEST_REDIS_URL`` (no database
number in it), else the local one. Needs the redis package (``pip install 'mediamill[celery]'``).
"""

from __future__ import annotations

import os
from types import TracebackType
from typing import Any

from mediamill.testing.services import REDIS_URL_VARIABLE, ServiceUnavailable, run_name

DEFAULT_URL = "redis://127.0.0.1:6379"
CLAIM_KEY = "mediamill:testing:claimed-by"
CLAIM_SECONDS = 6 * 3600
CONNECT_TIMEOUT = 3


def server_url() -> str:
    """The server's URL, without database number."""
    return os.environ.get(REDIS_URL_VARIABLE, DEFAULT_URL).rstrip("/")


def _redis() -> Any:
    try:
        import redis
    except ImportError as exc:
        raise ServiceUnavailable("redis is not installed: pip install 'mediamill[celery]'") from exc
    return redis


class RedisDatabase:
    """One claimed, empty database number for the time of a ``with`` block."""

    def __init__(self, label: str = "test") -> None:
        self.owner = run_name(label)
        self.number: int | None = None
        self._client: Any = None

    @property
    def url(self) -> str:
        if self.number is None:
            raise ServiceUnavailable("no Redis database is claimed yet: call start() first")
        return f"{server_url()}/{self.number}"

    def start(self) -> RedisDatabase:
        redis = _redis()
        base = server_url()
        try:
            redis.Redis.from_url(base, socket_connect_timeout=CONNECT_TIMEOUT).ping()
        except redis.RedisError as exc:
            raise ServiceUnavailable(f"Redis is not reachable at {base} ({exc})") from None
        for number in range(1, 16):
            client = redis.Redis.from_url(
                f"{base}/{number}", socket_connect_timeout=CONNECT_TIMEOUT
            )
            try:
                if client.dbsize() != 0:
                    continue
                if not client.set(CLAIM_KEY, self.owner, nx=True, ex=CLAIM_SECONDS):
                    continue  # another run claimed it between the two calls
            except redis.ResponseError:  # the server has fewer databases
                break
            self.number, self._client = number, client
            return self
        raise ServiceUnavailable(f"Redis at {base} has no empty database among 1-15")

    def stop(self) -> None:
        """Empty the database (claim included); safe to call twice."""
        client, self._client, self.number = self._client, None, None
        if client is not None:
            client.flushdb()

    def __enter__(self) -> RedisDatabase:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
