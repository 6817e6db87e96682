"""Where notifications may be sent (no server-side request forgery), and confirmation tokens.

Endpoints on loopback, private, link-local (cloud metadata), unspecified and other
special-purpose addresses are refused when subscribing and again at delivery, after the
name is resolved; the connection goes to the address that was checked. Receivers are real
HTTP servers on loopback. DNS is the one thing faked here (a resolver whose answer changes,
as a rebinding attacker's does), because no real name server can be run for the test: the
fake replaces ``socket.getaddrinfo`` for the name ``receiver.test`` only.
"""

from __future__ import annotations

import ipaddress
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import User
from django.test import Client
from tests.sns_receiver import Receiver

from mediamill.errors import ValidationError
from mediamill.notifications import delivery, endpoints, topics
from mediamill.notifications.models import (
    Delivery,
    DeliveryStatus,
    MessageType,
    SubscriptionStatus,
    Topic,
)
from mediamill.notifications.outgoing import build_request

pytestmark = pytest.mark.django_db(transaction=True)

NAME = "receiver.test"


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MEDIAMILL_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MEDIAMILL_PUBLIC_URL", "http://testserver")
    monkeypatch.setenv("MEDIAMILL_NOTIFY_TIMEOUT", "2")
    monkeypatch.delenv("MEDIAMILL_NOTIFY_ALLOWED_NETWORKS", raising=False)  # the default
    return tmp_path


@pytest.fixture
def topic() -> Topic:
    return topics.create_topic("transcoding", User.objects.create_user("alice"))


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver().start()
    server.behaviour = lambda received: 200
    yield server
    server.stop()


class Resolver:
    """``socket.getaddrinfo`` for ``receiver.test``: answers from ``answers`` in turn (the
    last one again once they run out) and counts the lookups; other names go to the real
    resolver."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *answers: str) -> None:
        self.answers = list(answers)
        self.lookups = 0
        real = socket.getaddrinfo

        def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
            if host != NAME:
                return real(host, port, *args, **kwargs)
            self.lookups += 1
            ip = self.answers[min(self.lookups, len(self.answers)) - 1]
            family = socket.AF_INET6 if ":" in ip else socket.AF_INET
            return [(family, socket.SOCK_STREAM, 6, "", (ip, int(port or 0)))]

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("fd00::1", "private"),
        ("169.254.169.254", "link-local"),  # the cloud metadata service
        ("fe80::1", "link-local"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("100.64.0.1", "reserved"),  # carrier-grade NAT
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped
        ("::ffff:169.254.169.254", "link-local"),
        ("2002:7f00:1::1", "loopback"),  # 6to4 of 127.0.0.1
        ("64:ff9b::a9fe:a9fe", "link-local"),  # NAT64 of 169.254.169.254
        ("8.8.8.8", None),
        ("2606:4700:4700::1111", None),
        ("::ffff:8.8.8.8", None),
    ],
)
def test_which_addresses_may_receive_notifications(address: str, why: str | None) -> None:
    found = endpoints.refusal(ipaddress.ip_address(address))
    assert (found is None) if why is None else (found is not None and why in found), found


def test_an_administrator_allows_networks_by_setting() -> None:
    allowed = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("10.0.0.0/24"))
    for ok in ("127.0.0.1", "::ffff:127.0.0.1", "10.0.0.7"):
        assert endpoints.refusal(ipaddress.ip_address(ok), allowed) is None, ok
    for refused in ("::1", "10.0.1.7", "169.254.169.254"):
        assert endpoints.refusal(ipaddress.ip_address(refused), allowed) is not None, refused


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://[::1]:8000/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.5/hook",
        "http://0.0.0.0:8000/hook",
        "http://[::]:8000/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://localhost:8000/hook",  # a name: judged by what it resolves to
        "http://example.com@127.0.0.1/hook",  # user information
        "http://127.0.0.1:8000\\@example.com/hook",  # a backslash
        "http://does-not-resolve.invalid/hook",
    ],
)
def test_subscribing_refuses_endpoints_that_are_not_public(topic: Topic, url: str) -> None:
    with pytest.raises(ValidationError):
        topics.subscribe(topic.arn, url)
    assert not Delivery.objects.exists()


def test_the_setting_allows_what_it_names_and_nothing_more(
    topic: Topic, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEDIAMILL_NOTIFY_ALLOWED_NETWORKS", "127.0.0.0/8")
    topics.subscribe(topic.arn, "http://127.0.0.1:8000/hook")
    with pytest.raises(ValidationError, match=r"loopback.*MEDIAMILL_NOTIFY_ALLOWED_NETWORKS"):
        topics.subscribe(topic.arn, "http://[::1]:8000/hook")
    with pytest.raises(ValidationError, match="link-local"):
        topics.subscribe(topic.arn, "http://169.254.169.254/")


def test_a_name_that_rebinds_to_loopback_after_subscribing_gets_nothing(
    topic: Topic, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    resolver = Resolver(monkeypatch, "93.184.216.34", "127.0.0.1")  # public, then loopback
    subscription, _ = topics.subscribe(topic.arn, f"http://{NAME}:{receiver.port}/hook")
    assert resolver.lookups == 1
    (row,) = Delivery.objects.all()
    assert delivery.deliver(row.pk, "w") == DeliveryStatus.PENDING, "a failed attempt"
    row.refresh_from_db()
    assert "not sent" in row.last_error and "127.0.0.1" in row.last_error, row.last_error
    assert "loopback" in row.last_error
    assert receiver.received == [], "nothing reached the loopback receiver"
    assert subscription.pk


def test_delivery_connects_to_the_address_it_checked(
    topic: Topic, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One lookup per attempt: a second answer (here an unroutable address) is never used."""
    monkeypatch.setenv("MEDIAMILL_NOTIFY_ALLOWED_NETWORKS", "127.0.0.0/8")
    resolver = Resolver(monkeypatch, "127.0.0.1", "127.0.0.1", "192.0.2.1")
    topics.subscribe(topic.arn, f"http://{NAME}:{receiver.port}/hook")
    (row,) = Delivery.objects.all()
    assert delivery.deliver(row.pk, "w") == DeliveryStatus.DELIVERED
    assert resolver.lookups == 2, "one at subscribing, one for the attempt, none by http.client"
    (got,) = receiver.received
    assert got.headers["host"] == f"{NAME}:{receiver.port}", "the name, though sent to the IP"


def test_an_old_subscribe_url_cannot_restore_an_unsubscribed_endpoint(
    topic: Topic, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEDIAMILL_NOTIFY_ALLOWED_NETWORKS", "127.0.0.0/8")
    subscription, _ = topics.subscribe(topic.arn, "http://127.0.0.1:9/hook")
    first = topics.subscribe_url(subscription)
    assert client.get(path_of(first)).status_code == 200
    other, _ = topics.subscribe(topic.arn, "http://127.0.0.1:9/other")
    assert other.token != subscription.token, "a token per subscription"
    topics.unsubscribe(subscription.arn)
    response = client.get(path_of(first))
    assert response.status_code == 404, "the SubscribeURL it was confirmed with is dead"
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.UNSUBSCRIBED
    assert subscription.token not in first
    # The UnsubscribeConfirmation carries a SubscribeURL with the new token: that one restores.
    goodbye = Delivery.objects.get(message_type=MessageType.UNSUBSCRIBE_CONFIRMATION)
    restore = json.loads(build_request(goodbye).body)["SubscribeURL"]
    assert restore != first
    assert client.get(path_of(restore)).status_code == 200
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.CONFIRMED
    # Unsubscribed again: the restoring URL dies too.
    topics.unsubscribe(subscription.arn)
    assert client.get(path_of(restore)).status_code == 404


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"
