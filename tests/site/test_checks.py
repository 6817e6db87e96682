"""``/readyz`` follows the broker: unavailable while it cannot be reached, ready again once it
can. The broker is RabbitMQ reached through a TCP relay this test stops and starts, so the
same URL fails and then works again."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.test import Client

from mediamill.testing import RabbitMQVhost

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


class Relay:
    """Forwards connections from a local port to ``target``; ``stop()`` closes the port, so
    connections are refused, and ``start()`` opens it again."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.listener: socket.socket | None = None
        self.connections: list[socket.socket] = []

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen()
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        if self.listener is not None:
            # shutdown() first: a close() alone leaves the accept() blocked in another thread,
            # and the port listening.
            with contextlib.suppress(OSError):
                self.listener.shutdown(socket.SHUT_RDWR)
            self.listener.close()
            self.listener = None
        for connection in self.connections:
            connection.close()
        self.connections.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.connections += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, target):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def relayed_broker(rabbitmq_vhost: RabbitMQVhost) -> Iterator[tuple[Relay, str]]:
    parts = urlsplit(rabbitmq_vhost.url)
    relay = Relay((parts.hostname or "127.0.0.1", parts.port or 5672))
    netloc = f"{parts.username}:{parts.password}@127.0.0.1:{relay.port}"
    url = urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    yield relay, url
    relay.stop()


def test_readyz_follows_the_broker(
    client: Client, relayed_broker: tuple[Relay, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    relay, url = relayed_broker
    monkeypatch.setenv("MEDIAMILL_BROKER_URL", url)
    down = client.get("/readyz")
    assert down.status_code == 503
    assert down.json()["broker"] == "unreachable"
    assert down.json()["database"] == "writable"

    relay.start()
    up = client.get("/readyz")
    assert up.status_code == 200, up.json()
    assert up.json()["broker"] == "reachable"

    relay.stop()
    assert client.get("/readyz").status_code == 503
    relay.start()
    assert client.get("/readyz").status_code == 200


def test_readyz_fails_on_a_bucket_it_cannot_write(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEDIAMILL_BUCKETS", "media=file:///proc/mediamill-cannot-be-here")
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["buckets"] == "not writable"


def test_readyz_fails_when_the_disk_is_nearly_full(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEDIAMILL_MIN_FREE_DISK_MB", str(10**12))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["disk"] == "low"
