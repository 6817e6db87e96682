"""A subscriber for the notification tests: the tutorial's Django view, unchanged, behind a
small ``http.server`` on loopback.

The view is the receiver from the tutorial this project grew from ("Transcoding with AWS",
part four): it refuses other topics by the ``x-amz-sns-topic-arn`` header, parses the body
with an ``object_hook`` that decodes the nested ``Message``, and reacts when ``state`` is
``COMPLETED``. The only addition is the reaction itself ("do something" in the tutorial):
it records the state. SubscriptionConfirmations are answered by the server around the view
(the tutorial confirmed its subscription by hand), and every request is kept raw, so tests
can check signatures against the exact bytes.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from django.conf import settings
from django.http import (
    HttpResponse,
    HttpResponseForbidden,
    HttpResponseNotAllowed,
)

STATES: list[str] = []  # what the tutorial's view saw, in order (reset by Receiver)


# --- the tutorial's receiver, as published ---------------------------------------------------


def convert_sns_str_to_json(obj):  # type: ignore[no-untyped-def]
    value = obj.get("Message")
    if value and isinstance(value, str):
        obj["Message"] = json.loads(value)
    return obj


def transcode_complete(request):  # type: ignore[no-untyped-def]
    if request.method != "POST":
        return HttpResponseNotAllowed(request.method)
    if request.META["HTTP_X_AMZ_SNS_TOPIC_ARN"] != settings.SNS_TOPIC_ARN:  # type: ignore[misc]
        return HttpResponseForbidden("Not vaild SNS topic ARN")
    json_body = json.loads(request.body.decode("utf-8"), object_hook=convert_sns_str_to_json)
    STATES.append(json_body["Message"]["state"])  # the tutorial's "do something"
    if json_body["Message"]["state"] == "COMPLETED":
        pass  # the tutorial creates the user's message here
    return HttpResponse("OK")


# --- the server around it ------------------------------------------------------------------


@dataclass
class Received:
    headers: dict[str, str]  # lower-case names
    body: bytes
    at: float = field(default_factory=time.monotonic)

    @property
    def type(self) -> str:
        return self.headers.get("x-amz-sns-message-type", "")

    def envelope(self) -> dict[str, Any]:
        return dict(json.loads(self.body))


@dataclass
class _Request:
    """What the view reads of a Django request."""

    method: str
    META: dict[str, str]
    body: bytes


class Receiver:
    """The tutorial's receiver on 127.0.0.1. ``behaviour`` can slow it down or make it fail.

    ``stop()`` closes the listening socket (connections are refused); ``start()`` opens it
    again on the same port.
    """

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.received: list[Received] = []
        self.states = STATES
        self.states.clear()
        self.behaviour: Callable[[Received], int | None] = lambda r: None
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/transcode-complete/"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                got = Received(headers, body)
                with receiver._lock:
                    receiver.received.append(got)
                forced = receiver.behaviour(got)
                if forced is not None:
                    self._answer(forced, b"forced")
                    return
                if got.type == "SubscriptionConfirmation":
                    self._answer(200, b"noted")  # the test visits the SubscribeURL itself
                    return
                meta = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in self.headers.items()}
                # The tutorial's view is untyped as published.
                response = transcode_complete(_Request("POST", meta, body))  # type: ignore[no-untyped-call]
                self._answer(response.status_code, response.content)

            def _answer(self, status: int, content: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        # A short poll: stop() waits for it.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def of_type(self, kind: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.type == kind]

    def wait_for(self, kind: str, count: int, timeout: float = 30.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.of_type(kind)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"{len(self.of_type(kind))} of {count} {kind} after {timeout} s")


SIGNED = {
    "Notification": ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    "SubscriptionConfirmation": (
        "Message",
        "MessageId",
        "SubscribeURL",
        "Timestamp",
        "Token",
        "TopicArn",
        "Type",
    ),
}


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        data: bytes = response.read()
        return data


def check_signature(received: Received) -> None:
    """SHA256withRSA over SNS's string to sign, with the certificate at SigningCertURL."""
    envelope = received.envelope()
    assert envelope["SignatureVersion"] == "2"
    cert = x509.load_pem_x509_certificate(fetch(envelope["SigningCertURL"]))
    public_key: Any = cert.public_key()

    def verify(message: dict[str, str]) -> None:
        text = "".join(f"{k}\n{message[k]}\n" for k in SIGNED[message["Type"]] if k in message)
        public_key.verify(
            base64.b64decode(message["Signature"]),
            text.encode(),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )

    verify(envelope)
    # One byte changed in the body, inside the signed Message: the signature no longer holds.
    body = bytearray(received.body)
    at = received.body.index(b'"Message" : "') + len(b'"Message" : "') + 3
    body[at] ^= 0x01
    with pytest.raises(InvalidSignature):
        verify(json.loads(bytes(body)))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
