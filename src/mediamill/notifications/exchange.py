"""One HTTP request and its answer, all within a deadline, to exactly the address given.

Shared by the delivery of notifications (POSTs to subscribers) and by receivers' certificate
fetching (``verify``), so it needs the standard library only (no Django).

- **A deadline for the whole exchange**, not a socket timeout: a timeout bounds each read, so
  a peer that trickles its answer out a byte at a time could hold the caller for ever. A
  watchdog shuts the socket down when the deadline passes, which ends any read or write in
  progress; the caller gets ``DeadlineExceeded``.
- **The address is the caller's choice.** ``addresses`` (IPs the caller has checked, tried
  in order) are what the socket connects to, while ``host`` goes into the Host header and,
  for HTTPS, into SNI and the certificate check. So a name is resolved once, by the caller,
  and no second lookup can send the request somewhere else (DNS rebinding).
- **No redirects**, no proxies from the environment, no connection reuse: what was checked is
  what is contacted.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

#: Longest answer body read (the rest is not needed: delivery only needs the status).
BODY_MAX = 65536


class DeadlineExceeded(TimeoutError):
    """The exchange did not finish within its deadline."""


@dataclass(frozen=True)
class Answer:
    status: int
    reason: str
    body: bytes  # at most ``body_max`` + 1 bytes


def exchange(
    method: str,
    scheme: str,
    host: str,
    port: int,
    target: str,
    *,
    deadline: float,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    addresses: Sequence[str] = (),
    body_max: int = BODY_MAX,
) -> Answer:
    """Send one request to the first of ``addresses`` that accepts a connection (default:
    ``host``, resolved by the system) and read the answer.

    Raises ``DeadlineExceeded`` after ``deadline`` seconds, ``OSError`` (refused, reset,
    TLS failures) or ``http.client.HTTPException`` (a malformed answer).
    """
    if scheme not in ("http", "https"):
        raise ValueError(f"unsupported scheme {scheme!r}")
    ends = time.monotonic() + deadline
    conn: http.client.HTTPConnection = (
        _TLSConnection(host, port, tuple(addresses) or (host,), ends)
        if scheme == "https"
        else _Connection(host, port, tuple(addresses) or (host,), ends)
    )
    expired = threading.Event()

    def cut() -> None:
        expired.set()
        sock = conn.sock
        if sock is not None:
            with contextlib.suppress(OSError):  # already closed
                sock.shutdown(socket.SHUT_RDWR)

    watchdog = threading.Timer(deadline, cut)
    watchdog.daemon = True
    watchdog.start()
    try:
        conn.request(method, target, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read(body_max + 1)
        answer = Answer(response.status, response.reason, data)
    except (OSError, http.client.HTTPException) as exc:
        if expired.is_set() or isinstance(exc, TimeoutError):
            raise DeadlineExceeded(f"no answer within {deadline:g} s") from exc
        raise
    finally:
        watchdog.cancel()
        conn.close()
    if expired.is_set():  # the answer was complete, but only just too late
        raise DeadlineExceeded(f"no answer within {deadline:g} s")
    return answer


def _connect(addresses: tuple[str, ...], port: int, ends: float) -> socket.socket:
    """A connection to the first address that accepts one, within the deadline."""
    error: OSError | None = None
    for address in addresses:
        remaining = ends - time.monotonic()
        if remaining <= 0:
            raise DeadlineExceeded("no time left to connect")
        try:
            sock = socket.create_connection((address, port), timeout=remaining)
        except TimeoutError:
            raise
        except OSError as exc:  # refused, unreachable: the next address may answer
            error = exc
            continue
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock
    raise error or OSError("no address to connect to")


class _Connection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, addresses: tuple[str, ...], ends: float) -> None:
        super().__init__(host, port, timeout=max(ends - time.monotonic(), 0.001))
        self._addresses = addresses
        self._ends = ends

    def connect(self) -> None:
        self.sock = _connect(self._addresses, self.port, self._ends)


class _TLSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int, addresses: tuple[str, ...], ends: float) -> None:
        super().__init__(
            host,
            port,
            timeout=max(ends - time.monotonic(), 0.001),
            context=ssl.create_default_context(),
        )
        self._addresses = addresses
        self._ends = ends

    def connect(self) -> None:
        sock = _connect(self._addresses, self.port, self._ends)
        context: Any = self._context  # type: ignore[attr-defined]
        try:
            # Handshake after self.sock is set, so the watchdog can cut a slow handshake too.
            self.sock = context.wrap_socket(
                sock, server_hostname=self.host, do_handshake_on_connect=False
            )
            self.sock.do_handshake()
        except BaseException:
            sock.close()
            raise
