"""The HTTP server of ``mediamill serve``: waitress, configured for clients that misbehave.

Why waitress (measured in docs/security.md): one thread runs an event loop that reads every
connection, and only a request that has fully arrived — headers and body — is handed to a
worker thread. An idle or slow connection therefore costs a file descriptor and a few KiB,
never a thread, so a thousand of them leave the threads free for ``/healthz`` and real work.
Pre-forking servers with a thread or process per connection (gunicorn's sync and gthread
workers) give a slowloris client a thread each; gevent would monkey-patch the embedded
workers and the sandbox supervision. What waitress lacks is added here:

- ``poll()`` instead of ``select()``, which cannot watch descriptors numbered 1024 and up,
  and an open-file limit raised to fit ``MEDIAMILL_HTTP_CONNECTIONS``;
- a deadline for a request's headers (``MEDIAMILL_HTTP_HEADER_TIMEOUT``): waitress only
  closes connections that go silent, and a slowloris client is never silent for long;
- the body limit checked per path as soon as the headers are in, so a too-large
  ``Content-Length`` is refused before one byte of the body is read (no ``100 Continue``
  either), and a chunked body is cut off once it passes the limit;
- errors on API paths in Elastic Transcoder's format (``x-amzn-ErrorType``, JSON
  ``message``), as boto3 expects.
"""

from __future__ import annotations

import json
import logging
import re
import resource
import time
import uuid
from typing import Any, cast

from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import MultiSocketServer, TcpWSGIServer
from waitress.task import ErrorTask, ThreadedTaskDispatcher
from waitress.utilities import RequestEntityTooLarge

from mediamill import settings

log = logging.getLogger("mediamill.serve")

#: Paths answered in Elastic Transcoder's error format: every API version's prefix.
API_PATH = re.compile(r"^/\d{4}-\d{2}-\d{2}/")

#: Descriptors kept free beyond the connections: database, logs, sandbox pipes, buckets.
RESERVED_DESCRIPTORS = 256


#: Where resumable uploads send their pieces (``mediamill.uploads``).
UPLOADS_PATH = "/uploads/"
#: The session cookie's name (Django's default, which the site keeps).
SESSION_COOKIE = re.compile(r"(?:^|;)\s*sessionid=\w")


def body_limit(path: str, cookie: str = "") -> int:
    """The largest request body, in bytes, accepted on ``path``.

    ``MEDIAMILL_MAX_REQUEST_BODY_KB`` everywhere but under ``/uploads/``, where a piece of a
    resumable upload may be ``MEDIAMILL_UPLOAD_CHUNK_MB`` — only for a request that carries
    a session cookie (``cookie``: its Cookie header). Whether the session is valid is the
    application's to decide, after the body is in; the event loop that applies this limit
    must not wait on the database, so what it can check before the body is the cookie's
    presence, which turns every anonymous large body away unread.
    """
    if path.startswith(UPLOADS_PATH) and SESSION_COOKIE.search(cookie):
        return int(settings.get("MEDIAMILL_UPLOAD_CHUNK_MB")) * 1024 * 1024
    return int(settings.get("MEDIAMILL_MAX_REQUEST_BODY_KB")) * 1024


class _Parser(HTTPRequestParser):
    """waitress's parser, plus the per-path body limit and the start time of the request."""

    def __init__(self, adj: Adjustments) -> None:
        super().__init__(adj)
        self.started = time.monotonic()
        self.limit: int | None = None

    def received(self, data: bytes) -> int:
        consumed: int = super().received(data)
        # waitress's own check (its backstop, see make_server) may have fired first: the
        # answer is ours either way.
        if self.headers_finished and (
            self.error is None or isinstance(self.error, RequestEntityTooLarge)
        ):
            if self.limit is None:
                parsed: Any = self  # the stubs lack .path
                self.limit = body_limit(parsed.path, parsed.headers.get("COOKIE", ""))
            size = self.body_bytes_received if self.chunked else self.content_length
            if size > self.limit:
                self.error = RequestEntityTooLarge(
                    f"The request body is larger than the limit of {self.limit} bytes"
                )
                self.completed = True
                # No "100 Continue": the client must not start sending the body.
                self.expect_continue = False
        return consumed


class _ErrorTask(ErrorTask):
    """waitress's own error answers (400, 413, 431...), in the API's format on API paths."""

    def execute(self) -> None:
        request: Any = self.request  # the stubs type it as the error
        if not API_PATH.match(request.path or ""):
            super().execute()
            return
        error = request.error
        kind = "InternalServiceException" if error.code >= 500 else "ValidationException"
        body = json.dumps({"message": f"{error.reason}: {error.body}"}).encode()
        self.status = f"{error.code} {error.reason}"
        cast(list[tuple[str, str]], self.response_headers).extend(
            [
                ("Content-Type", "application/json"),
                ("x-amzn-ErrorType", kind),
                ("x-amzn-RequestId", str(uuid.uuid4())),
            ]
        )
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class _Channel(HTTPChannel):
    parser_class = _Parser
    error_task_class = _ErrorTask


class _Server(TcpWSGIServer):
    channel_class = _Channel
    header_timeout: float = 30.0

    def maintenance(self, now: Any) -> None:
        """Close silent connections (waitress) and those still sending headers too late."""
        super().maintenance(now)
        started_before = time.monotonic() - self.header_timeout
        channels: dict[int, Any] = cast(Any, self).active_channels  # the stubs say one channel
        for channel in list(channels.values()):
            request = channel.request
            late = request is not None and request.started < started_before
            if late and not request.headers_finished:
                channel.will_close = True


def make_server(application: Any, host: str, port: int, threads: int) -> Any:
    """A server for ``application`` on ``host:port``; ``run()`` serves until interrupted."""
    connections = _fit_connections(settings.get("MEDIAMILL_HTTP_CONNECTIONS"))
    idle_timeout = settings.get("MEDIAMILL_HTTP_IDLE_TIMEOUT")
    header_timeout = settings.get("MEDIAMILL_HTTP_HEADER_TIMEOUT")
    adj = Adjustments(
        host=host,
        port=port,
        threads=threads,
        ident="mediamill",
        connection_limit=connections,
        channel_timeout=idle_timeout,
        # How often silent and slow connections are looked for.
        cleanup_interval=max(1, min(idle_timeout, header_timeout) // 3),
        backlog=2048,
        asyncore_use_poll=True,
        # A request's headers: SigV4 and session cookies fit in a few KiB.
        max_request_header_size=64 * 1024,
        # The per-path limit (_Parser) decides; this is only waitress's own backstop.
        max_request_body_size=max(body_limit("/"), body_limit(UPLOADS_PATH, "sessionid=x")) + 1,
        # Bodies larger than this wait in a temporary file rather than in memory.
        inbuf_overflow=512 * 1024,
        # Bytes taken per read from a socket: waitress's 8 KiB makes a 64 MiB upload piece
        # 8,192 trips through the event loop; 256 KiB are read only when that much is
        # waiting, so a slow client costs no more than before.
        recv_bytes=256 * 1024,
    )
    dispatcher = ThreadedTaskDispatcher()
    dispatcher.set_thread_count(adj.threads)
    socket_map: dict[int, Any] = {}
    servers = []
    for sockinfo in cast(list[Any], adj.listen):
        server = _Server(application, socket_map, dispatcher=dispatcher, adj=adj, sockinfo=sockinfo)
        server.header_timeout = float(header_timeout)
        servers.append(server)
    if len(servers) == 1:
        return servers[0]
    listening = [(s.effective_host, s.effective_port) for s in cast(list[Any], servers)]
    return MultiSocketServer(socket_map, adj, listening, dispatcher)


def _fit_connections(wanted: int) -> int:
    """Raise the open-file limit as far as allowed; fewer connections if it is not enough."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = wanted + RESERVED_DESCRIPTORS
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    if soft != resource.RLIM_INFINITY and soft < needed:
        fitted = max(1, soft - RESERVED_DESCRIPTORS)
        log.warning(
            "open-file limit %d allows only %d connections (MEDIAMILL_HTTP_CONNECTIONS=%d); "
            "raise the hard limit (ulimit -Hn) to serve more",
            soft,
            fitted,
            wanted,
        )
        return fitted
    return wanted
