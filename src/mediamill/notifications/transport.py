"""How one attempt reaches a subscriber: the ``Sender`` seam and its HTTP implementation.

A ``Sender`` is any callable ``(request, deadline) -> Outcome``: the delivery threads use
``HttpSender``; tests pass a function that answers as they need (no patching). A sender
never raises for what the subscriber does: refusals, timeouts and error statuses are
outcomes, retried by the caller.
"""

from __future__ import annotations

import http.client
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

from mediamill.notifications.exchange import DeadlineExceeded, exchange


@dataclass(frozen=True)
class Request:
    """One signed POST, ready to send."""

    url: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Outcome:
    """What one attempt got: an HTTP status, or an error that prevented one."""

    status_code: int | None
    error: str = ""

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class Sender(Protocol):
    def __call__(self, request: Request, deadline: float) -> Outcome:
        """Send ``request``; the whole exchange within ``deadline`` seconds."""
        ...


class HttpSender:
    """POSTs over HTTP(S): the whole exchange within the deadline (a subscriber trickling its
    answer out cannot hold a thread longer), redirects not followed (a 3xx is a failure),
    HTTPS certificates verified."""

    def __call__(self, request: Request, deadline: float) -> Outcome:
        parts = urlsplit(request.url)
        scheme, host = parts.scheme, parts.hostname or ""
        try:
            # The port is always given: http.client would read the end of an IPv6 address
            # as one.
            port = parts.port or (443 if scheme == "https" else 80)
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            answer = exchange(
                "POST",
                scheme,
                host,
                port,
                target,
                deadline=deadline,
                headers=request.headers,
                body=request.body,
            )
        except DeadlineExceeded:
            return Outcome(None, f"no answer within {deadline:g} s")
        except (OSError, http.client.HTTPException, ValueError) as exc:
            return Outcome(None, _describe(exc))
        if 200 <= answer.status < 300:
            return Outcome(answer.status)
        return Outcome(answer.status, f"HTTP {answer.status} {answer.reason}".strip())


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if text != type(exc).__name__ else text
