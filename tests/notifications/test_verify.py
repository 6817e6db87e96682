"""The receivers' verifier against forged messages, over real sockets.

Two real HTTP servers on loopback: the genuine one serves the server's certificate, the
attacker's serves a certificate for the attacker's own key. A forged message whose
SigningCertURL reads as the genuine host to one URL parser and as the attacker's port to
another (``http://127.0.0.1:EVIL\\@127.0.0.1:GOOD/….pem``) must be refused before anything
is fetched, with the verifier's own fetcher and with a ``requests``-based one; a fetch that
fails is an ``AuthenticationError``, never another exception.
"""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from mediamill.errors import AuthenticationError
from mediamill.notifications import envelope, signing_keys, verify
from mediamill.notifications.verify import Verifier, check_cert_url, parse_cert_url

TOPIC = "arn:aws:sns:us-east-1:000000000002:transcoding"
CERT_PATH = "/sns/SimpleNotificationService-" + "ab" * 16 + ".pem"


@dataclass
class CertServer:
    """A real HTTP server on loopback answering every GET with ``pem`` (or ``status``)."""

    pem: bytes
    status: int = 200
    paths: list[str] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def port(self) -> int:
        assert self.server is not None
        port: int = self.server.server_address[1]
        return port

    def start(self) -> CertServer:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.paths.append(self.path)
                self.send_response(owner.status)
                self.send_header("Content-Length", str(len(owner.pem)))
                self.end_headers()
                self.wfile.write(owner.pem)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        # A short poll: shutdown() waits for it, at every test's end.
        serve = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        serve.start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def new_key() -> signing_keys.SigningKey:
    return signing_keys._parse(signing_keys._generate(), Path("test-key.pem"))


@pytest.fixture(scope="module")
def genuine_key() -> signing_keys.SigningKey:
    return new_key()


@pytest.fixture(scope="module")
def attacker_key() -> signing_keys.SigningKey:
    return new_key()


@pytest.fixture
def genuine(genuine_key: signing_keys.SigningKey) -> Iterator[CertServer]:
    server = CertServer(genuine_key.certificate_pem).start()
    yield server
    server.stop()


@pytest.fixture
def forged(attacker_key: signing_keys.SigningKey) -> Iterator[CertServer]:
    server = CertServer(attacker_key.certificate_pem).start()
    yield server
    server.stop()


def message(
    key: signing_keys.SigningKey, cert_url: str, text: str = '{"state" : "COMPLETED"}'
) -> Any:
    fields = envelope.notification_fields(
        message_id=str(uuid.uuid4()),
        topic_arn=TOPIC,
        subject="Amazon Elastic Transcoder has finished transcoding job 1.",
        message=text,
        timestamp="2026-11-30T00:00:00.000Z",
    )
    return envelope.sign(fields, key.private_key, cert_url, "http://127.0.0.1/sns/?x")


def requests_fetch(url: str) -> bytes:
    """A receiver's own fetcher, as people write it with ``requests``."""
    requests = pytest.importorskip("requests")
    response = requests.get(url, timeout=5)
    response.raise_for_status()
    data: bytes = response.content
    return data


def test_a_genuine_message_verifies_with_the_certificate_from_the_allowed_port(
    genuine: CertServer, genuine_key: signing_keys.SigningKey
) -> None:
    url = f"http://127.0.0.1:{genuine.port}{CERT_PATH}"
    for fetch in (None, requests_fetch):
        verifier = Verifier([f"127.0.0.1:{genuine.port}"], require_https=False, fetch=fetch)
        verifier.verify(message(genuine_key, url))
        verifier.verify(message(genuine_key, url))  # the certificate is fetched once
    assert genuine.paths == [CERT_PATH, CERT_PATH], "once per verifier, from the path given"


@pytest.mark.parametrize("fetcher", ["own", "requests"])
def test_a_url_two_parsers_read_differently_is_refused_before_any_fetch(
    genuine: CertServer, forged: CertServer, attacker_key: signing_keys.SigningKey, fetcher: str
) -> None:
    fetch = requests_fetch if fetcher == "requests" else None
    verifier = Verifier([f"127.0.0.1:{genuine.port}"], require_https=False, fetch=fetch)
    good, evil = genuine.port, forged.port
    tricks = [
        f"http://127.0.0.1:{evil}\\@127.0.0.1:{good}{CERT_PATH}",  # the reviewed attack
        f"http://127.0.0.1:{good}@127.0.0.1:{evil}{CERT_PATH}",
        f"http://user@127.0.0.1:{good}{CERT_PATH}",
        f"http://127.0.0.1:{evil}#@127.0.0.1:{good}{CERT_PATH}",
        f"http://127.0.0.1:{evil}?@127.0.0.1:{good}{CERT_PATH}",
        f"http://127.0.0.1:{evil}/x%2F..%2F@127.0.0.1:{good}{CERT_PATH}",
        f"http://127.0.0.1:{evil}\t@127.0.0.1:{good}{CERT_PATH}",
        f"http://127.0.0.1:{evil}{CERT_PATH}",  # plainly another port
        f"http://127.0.0.1{CERT_PATH}",  # no port: 80, not the allowed one
    ]
    for url in tricks:
        with pytest.raises(AuthenticationError) as refused:
            verifier.verify(message(attacker_key, url))
        assert refused.value.kind == "UntrustedCertificateURL", url
    assert forged.paths == [] and genuine.paths == [], "nothing was fetched"


def test_what_is_fetched_is_exactly_what_was_checked(
    genuine: CertServer, genuine_key: signing_keys.SigningKey
) -> None:
    urls: list[str] = []

    def fetch(url: str) -> bytes:
        urls.append(url)
        return requests_fetch(url)

    verifier = Verifier([f"LOCALHOST:{genuine.port}"], require_https=False, fetch=fetch)
    verifier.verify(message(genuine_key, f"http://localhost:{genuine.port}{CERT_PATH}"))
    assert urls == [f"http://localhost:{genuine.port}{CERT_PATH}"], "rebuilt from the parts"
    location = check_cert_url(
        f"https://Media.Example.com{CERT_PATH}", ["media.example.com"], require_https=True
    )
    assert (location.host, location.port) == ("media.example.com", 443)
    assert location.url == f"https://media.example.com:443{CERT_PATH}"
    v6 = parse_cert_url(f"https://[0:0::1]:8443{CERT_PATH}")
    assert (v6.host, v6.port, v6.url) == ("::1", 8443, f"https://[::1]:8443{CERT_PATH}")
    check_cert_url(v6.url, ["[::1]:8443"])


@pytest.mark.parametrize(
    ("url", "allowed", "ok"),
    [
        ("https://media.example.com/c.pem", ["media.example.com"], True),
        ("https://media.example.com:443/c.pem", ["media.example.com"], True),
        ("https://media.example.com:8443/c.pem", ["media.example.com"], False),
        ("https://media.example.com:8443/c.pem", ["media.example.com:8443"], True),
        ("https://media.example.com/c.pem", ["media.example.com:8443"], False),
        ("https://evil.media.example.com/c.pem", ["media.example.com"], False),
        ("https://media.example.com.evil.org/c.pem", ["media.example.com"], False),
        ("http://media.example.com/c.pem", ["media.example.com"], False),  # not HTTPS
        ("https://media.example.com/c.pem?x=1", ["media.example.com"], False),
        ("https://media.example.com/c.txt", ["media.example.com"], False),
        ("https://media.example.com:0/c.pem", ["media.example.com:0"], False),
        ("https://media.example.com:99999/c.pem", ["media.example.com"], False),
        ("https://media.example.com:/c.pem", ["media.example.com"], False),
        ("https://média.example.com/c.pem", ["média.example.com"], False),
        ("HTTPS://media.example.com/c.pem", ["media.example.com"], False),
        ("https:///c.pem", [""], False),
    ],
)
def test_certificate_url_rules(url: str, allowed: list[str], ok: bool) -> None:
    if ok:
        check_cert_url(url, allowed)
        return
    with pytest.raises((AuthenticationError, ValueError)):
        check_cert_url(url, allowed)


def test_a_bad_allowed_host_is_refused_when_the_verifier_is_made() -> None:
    with pytest.raises(ValueError, match="host:port"):
        Verifier(["https://media.example.com"])


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.mark.parametrize("fetcher", ["own", "requests"])
def test_a_failed_fetch_is_an_authentication_failure(
    genuine: CertServer, genuine_key: signing_keys.SigningKey, fetcher: str
) -> None:
    fetch: Callable[[str], bytes] | None = requests_fetch if fetcher == "requests" else None
    nobody = closed_port()
    refused = Verifier([f"127.0.0.1:{nobody}"], require_https=False, fetch=fetch)
    with pytest.raises(AuthenticationError) as failed:
        refused.verify(message(genuine_key, f"http://127.0.0.1:{nobody}{CERT_PATH}"))
    assert failed.value.kind == "CertificateUnavailable"
    genuine.status = 404
    missing = Verifier([f"127.0.0.1:{genuine.port}"], require_https=False, fetch=fetch)
    with pytest.raises(AuthenticationError) as failed:
        missing.verify(message(genuine_key, f"http://127.0.0.1:{genuine.port}{CERT_PATH}"))
    assert failed.value.kind == "CertificateUnavailable"
    genuine.status, genuine.pem = 200, b"not a certificate"
    with pytest.raises(AuthenticationError) as failed:
        missing.verify(message(genuine_key, f"http://127.0.0.1:{genuine.port}{CERT_PATH}"))
    assert failed.value.kind == "InvalidCertificate"
    with pytest.raises(AuthenticationError) as failed:
        missing.verify([1, 2])  # type: ignore[arg-type]  # JSON that is not an object
    assert failed.value.kind == "InvalidMessage"


def test_a_certificate_server_that_trickles_cannot_hold_the_receiver(
    monkeypatch: pytest.MonkeyPatch, genuine_key: signing_keys.SigningKey
) -> None:
    monkeypatch.setattr(verify, "_FETCH_TIMEOUT", 1.0)
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def trickle() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\n")
            for _ in range(40):  # a byte every 0.1 s: each read is quick, the whole is not
                time.sleep(0.1)
                try:
                    conn.sendall(b"X")
                except OSError:
                    return

    threading.Thread(target=trickle, daemon=True).start()
    verifier = Verifier([f"127.0.0.1:{port}"], require_https=False)
    started = time.monotonic()
    with pytest.raises(AuthenticationError) as failed:
        verifier.verify(message(genuine_key, f"http://127.0.0.1:{port}{CERT_PATH}"))
    assert time.monotonic() - started < 1.8
    assert failed.value.kind == "CertificateUnavailable"
    assert "no answer within 1 s" in str(failed.value)
    listener.close()
