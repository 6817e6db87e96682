"""How one attempt reaches a subscriber: the ``Sender`` seam and its HTTP implementation.

A ``Sender`` is any callable ``(request, deadline) -> Outcome``: the delivery threads use
``HttpSender``; tests pass a function that answers as they need (no patching). A sender
never raises for what the subscriber does: refusals, timeouts and error statuses are
outcomes, retried by the caller.
"""

from __future__ import annotations

import http.client
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

from mediamill import settings
from mediamill.errors import ValidationError
from mediamill.notifications import endpoints
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
    def __call__(self, request: Request, deadline: float, /) -> Outcome:
        """Send ``request``; the whole exchange within ``deadline`` seconds."""
        ...


class HttpSender:
    """POSTs over HTTP(S), to public addresses only (``endpoints``).

    The host is resolved here, every address checked, and the connection made to a checked
    address (no second lookup: no DNS rebinding); networks in ``allowed_networks`` (default
    MEDIAMILL_NOTIFY_ALLOWED_NETWORKS) are allowed too. The whole exchange must finish within
    the deadline (a subscriber trickling its answer out cannot hold a thread longer);
    redirects are not followed (a 3xx is a failure); HTTPS certificates are verified
    against the host name.
    """

    def __init__(self, allowed_networks: Sequence[endpoints.Network] | None = None) -> None:
        self.allowed_networks = (
            tuple(allowed_networks)
            if allowed_networks is not None
            else settings.get("MEDIAMILL_NOTIFY_ALLOWED_NETWORKS")
        )

    def __call__(self, request: Request, deadline: float) -> Outcome:
        started = time.monotonic()
        try:
            scheme, host, port = endpoints.host_and_port(request.url)
            addresses = endpoints.checked_addresses(host, port, self.allowed_networks)
        except ValidationError as exc:
            return Outcome(None, f"not sent: {exc.message}")
        except OSError as exc:
            return Outcome(None, f"cannot resolve {host}: {_describe(exc)}")
        parts = urlsplit(request.url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        remaining = deadline - (time.monotonic() - started)  # the lookup counts too
        try:
            answer = exchange(
                "POST",
                scheme,
                host,
                port,
                target,
                deadline=max(remaining, 0.001),
                headers=request.headers,
                body=request.body,
                addresses=[str(address) for address in addresses],
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
