"""Topics, subscriptions and their URLs (in-process client), the signing key, and the
commands."""

from __future__ import annotations

import datetime as dt
import json
import re
import stat
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth.models import User
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from tests.jobs_helpers import make_pipeline, results, submit, tutorial_user

from mediamill.cli import main
from mediamill.errors import NotFoundError, ValidationError
from mediamill.jobs import service
from mediamill.jobs.models import Pipeline
from mediamill.notifications import signing_keys, topics, verify
from mediamill.notifications.models import (
    Delivery,
    DeliveryStatus,
    MessageType,
    Subscription,
    SubscriptionStatus,
    Topic,
)
from mediamill.notifications.outgoing import build_request
from mediamill.notifications.verify import verify_message

pytestmark = pytest.mark.django_db

ENDPOINT = "http://127.0.0.1:9/hook"


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MEDIAMILL_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MEDIAMILL_PUBLIC_URL", "http://testserver")
    # The receivers in these tests are on loopback, which endpoints may not be by default.
    monkeypatch.setenv("MEDIAMILL_NOTIFY_ALLOWED_NETWORKS", "127.0.0.0/8")
    return tmp_path


def alice() -> User:
    """The owner of the topics these tests make (every topic has one)."""
    user, _ = User.objects.get_or_create(username="alice")
    return user


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def test_topics_have_sns_arns_and_are_found_again() -> None:
    owner = alice()
    topic = topics.create_topic("transcoding", owner)
    assert topic.arn == f"arn:aws:sns:us-east-1:{owner.pk:012d}:transcoding", "the owner's account"
    assert topic.owner == owner
    assert topics.create_topic("transcoding", owner).pk == topic.pk, "CreateTopic is idempotent"
    assert topics.create_topic("transcoding", owner, region="eu-west-1").arn.startswith(
        "arn:aws:sns:eu-west-1:"
    )
    with pytest.raises(ValidationError):
        topics.create_topic("no spaces", owner)
    with pytest.raises(ValidationError, match="owner"):
        topics.create_topic("nobodys", User(username="unsaved"))


def test_a_user_may_name_only_their_own_topics_and_an_administrator_any() -> None:
    owner, bob = alice(), User.objects.create_user("bob")
    admin = User.objects.create_superuser("root")
    alices = topics.create_topic("alices", owner)
    bobs = topics.create_topic("bobs", bob)
    assert topics.may_use(owner, alices) and not topics.may_use(owner, bobs)
    assert topics.may_use(bob, bobs) and not topics.may_use(bob, alices)
    assert topics.may_use(admin, alices) and topics.may_use(admin, bobs)
    assert topics.topic_exists(alices.arn, owner) and topics.topic_exists(alices.arn, admin)
    assert not topics.topic_exists(alices.arn, bob), "another user's topic"
    assert not topics.topic_exists("arn:aws:sns:us-east-1:000000000000:nope", admin)
    assert [t.arn for t in topics.list_topics(bob)] == [bobs.arn]
    assert {t.arn for t in topics.list_topics(admin)} == {alices.arn, bobs.arn}
    topics.check_notifications({"Progressing": "", "Completed": bobs.arn}, bob)
    with pytest.raises(ValidationError, match="Notifications:Error") as refused:
        topics.check_notifications({"Completed": bobs.arn, "Error": alices.arn}, bob)
    assert "does not exist" in str(refused.value), "another's topic is not revealed"
    topics.check_notifications({"Completed": bobs.arn, "Error": alices.arn}, admin)
    topics.check_notifications({"Completed": bobs.arn, "Error": alices.arn}, None)


def test_messages_go_only_to_topics_the_pipeline_owner_may_use() -> None:
    """A pipeline saved before the rule (or whose topic changed hands) publishes nothing."""
    owner, bob = alice(), tutorial_user("bob")
    alices = topics.create_topic("alices", owner)
    subscription, _ = topics.subscribe(alices.arn, ENDPOINT)
    topics.confirm(alices.arn, subscription.token)
    bobs_pipeline = make_pipeline()
    Pipeline.objects.filter(pk=bobs_pipeline.pk).update(owner=bob, notify_completed=alices.arn)
    job = submit(Pipeline.objects.get(pk=bobs_pipeline.pk))
    service.claim(job.id, "w", 30)
    service.complete(job.id, "w", results(job))
    assert not Delivery.objects.filter(message_type=MessageType.NOTIFICATION).exists()
    Topic.objects.filter(pk=alices.pk).update(owner=bob)  # handed to bob by an administrator
    job = submit(Pipeline.objects.get(pk=bobs_pipeline.pk))
    service.claim(job.id, "w", 30)
    service.complete(job.id, "w", results(job))
    assert Delivery.objects.filter(message_type=MessageType.NOTIFICATION).count() == 1


def test_subscribing_sends_a_confirmation_and_nothing_else() -> None:
    topic = topics.create_topic("transcoding", alice())
    subscription, secret = topics.subscribe(topic.arn, ENDPOINT)
    assert secret is None
    assert subscription.status == SubscriptionStatus.PENDING
    assert subscription.arn.startswith(topic.arn + ":")
    (row,) = Delivery.objects.all()
    assert row.message_type == MessageType.SUBSCRIPTION_CONFIRMATION
    assert row.message == (
        f"You have chosen to subscribe to the topic {topic.arn}.\n"
        "To confirm the subscription, visit the SubscribeURL included in this message."
    )
    again, _ = topics.subscribe(topic.arn, ENDPOINT)
    assert again.pk == subscription.pk, "subscribing again finds the subscription"
    assert Delivery.objects.count() == 2, "and sends the confirmation again"
    with pytest.raises(ValidationError):
        topics.subscribe(topic.arn, "ftp://example.com/")
    with pytest.raises(NotFoundError):
        topics.subscribe("arn:aws:sns:us-east-1:000000000000:nope", ENDPOINT)


def test_confirm_through_the_subscribe_url(client: Client) -> None:
    topic = topics.create_topic("transcoding", alice())
    subscription, _ = topics.subscribe(topic.arn, ENDPOINT)
    url = topics.subscribe_url(subscription)
    assert url.startswith("http://testserver/sns/?Action=ConfirmSubscription&TopicArn=arn:aws:sns:")
    response = client.get(path_of(url))
    assert response.status_code == 200
    assert f"<SubscriptionArn>{subscription.arn}</SubscriptionArn>" in response.content.decode()
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.CONFIRMED
    assert subscription.confirmed_at is not None
    assert Delivery.objects.get().status == DeliveryStatus.CANCELED, (
        "a confirmation still being retried stops"
    )
    assert client.get(path_of(url)).status_code == 200, "visiting twice is harmless"
    wrong = url.replace(subscription.token, "0" * 128)
    assert client.get(path_of(wrong)).status_code == 404
    assert client.get("/sns/?Action=Publish").status_code == 400


def test_unconfirmed_subscriptions_expire_after_three_days(client: Client) -> None:
    topic = topics.create_topic("transcoding", alice())
    old, _ = topics.subscribe(topic.arn, ENDPOINT)
    fresh, _ = topics.subscribe(topic.arn, "http://127.0.0.1:9/fresh")
    Subscription.objects.filter(pk=old.pk).update(
        created=timezone.now() - dt.timedelta(days=3, seconds=1)
    )
    response = client.get(path_of(topics.subscribe_url(old)))
    assert response.status_code == 400 and b"expired" in response.content
    assert topics.expire() >= 1
    assert list(Subscription.objects.values_list("pk", flat=True)) == [fresh.pk]


def test_unsubscribe_url_stops_deliveries_and_says_so(client: Client) -> None:
    topic = topics.create_topic("transcoding", alice())
    subscription, _ = topics.subscribe(topic.arn, ENDPOINT)
    topics.confirm(topic.arn, subscription.token)
    pending = Delivery.objects.create(
        subscription=subscription, message_id="m", job_id="j", message="{}", timestamp="t"
    )
    response = client.get(path_of(topics.unsubscribe_url(subscription)))
    assert response.status_code == 200 and b"<UnsubscribeResponse" in response.content
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.UNSUBSCRIBED
    pending.refresh_from_db()
    assert pending.status == DeliveryStatus.CANCELED
    goodbye = Delivery.objects.get(message_type=MessageType.UNSUBSCRIBE_CONFIRMATION)
    assert goodbye.message.startswith(
        f"You have chosen to deactivate subscription {subscription.arn}."
    )
    # Its SubscribeURL restores the subscription.
    assert client.get(path_of(topics.subscribe_url(subscription))).status_code == 200
    subscription.refresh_from_db()
    assert subscription.status == SubscriptionStatus.CONFIRMED


def test_signing_key_is_private_rotates_and_old_certificates_stay_served(
    client: Client, data_dir: Path
) -> None:
    first = signing_keys.current()
    path = data_dir / "sns" / "signing-key.pem"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert signing_keys.current() is first, "loaded once"
    assert first.cert_url == f"http://testserver/sns/SimpleNotificationService-{first.cert_id}.pem"
    topic = topics.create_topic("transcoding", alice())
    subscription, _ = topics.subscribe(topic.arn, ENDPOINT)
    before = build_request(Delivery.objects.get())  # signed with the first key
    second = signing_keys.rotate()
    assert second.fingerprint != first.fingerprint
    assert signing_keys.current().fingerprint == second.fingerprint
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for key in (first, second):
        response = client.get(path_of(key.cert_url))
        assert response.status_code == 200
        public = x509.load_pem_x509_certificate(response.content).public_key()
        assert isinstance(public, rsa.RSAPublicKey)
        assert public.public_numbers() == key.private_key.public_key().public_numbers()
    message = json.loads(before.body)
    old_pem = client.get(path_of(message["SigningCertURL"])).content
    verify_message(message, old_pem)  # an in-flight message still verifies after rotation
    after = json.loads(build_request(Delivery.objects.get()).body)
    assert after["SigningCertURL"] == second.cert_url
    assert client.get("/sns/SimpleNotificationService-" + "0" * 32 + ".pem").status_code == 404
    assert subscription.pk


def test_commands(capsys: pytest.CaptureFixture[str]) -> None:
    owner = alice()
    with pytest.raises(SystemExit):
        main(["topics", "create", "transcoding"])  # --owner is required
    assert "--owner" in capsys.readouterr().err
    assert main(["topics", "create", "transcoding", "--owner", "nobody"]) == 1
    assert "no user 'nobody'" in capsys.readouterr().err
    assert main(["topics", "create", "transcoding", "--owner", "alice"]) == 0
    arn = capsys.readouterr().out.strip()
    assert arn == f"arn:aws:sns:us-east-1:{owner.pk:012d}:transcoding"
    assert Topic.objects.get(arn=arn).owner == owner
    assert main(["subscribe", arn, ENDPOINT, "--standard-webhooks"]) == 0
    out = capsys.readouterr().out
    sub_arn = out.splitlines()[0]
    assert sub_arn.startswith(arn + ":") and "PendingConfirmation" in out
    assert re.search(r"webhook secret: whsec_[A-Za-z0-9+/=]{44}", out)
    assert main(["topics", "list"]) == 0
    assert capsys.readouterr().out.splitlines()[1].split() == [arn, "alice", "0"]
    assert main(["topics", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == [
        {"arn": arn, "owner": "alice", "confirmed_subscriptions": 0}
    ]
    assert main(["subscriptions", "list"]) == 0
    assert sub_arn in capsys.readouterr().out
    assert main(["subscriptions", "list", "--json"]) == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert listed["arn"] == sub_arn and listed["status"] == "PendingConfirmation"
    assert main(["deliveries", "list"]) == 0
    assert "SubscriptionConfirmation" in capsys.readouterr().out
    assert main(["deliveries", "list", "--json"]) == 0
    [delivery] = json.loads(capsys.readouterr().out)
    assert delivery["message"] == "SubscriptionConfirmation"
    assert delivery["subscription"] == sub_arn
    assert main(["unsubscribe", sub_arn]) == 0
    assert main(["deliveries", "list", "--status", "Pending"]) == 0
    assert "UnsubscribeConfirmation" in capsys.readouterr().out
    assert main(["notifications", "rotate-key"]) == 0
    assert "SimpleNotificationService-" in capsys.readouterr().out
    assert main(["unsubscribe", arn + ":00000000-0000-0000-0000-000000000000"]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_the_readme_receiver_accepts_genuine_messages_only(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    block = readme.split("<!-- receiver-example -->")[1].split("<!-- /receiver-example -->")[0]
    code = block.strip().removeprefix("```python").removesuffix("```")
    monkeypatch.setenv("MEDIAMILL_PUBLIC_URL", "https://media.example.com")
    # The receiver fetches SigningCertURL; here the certificate comes from the database.
    monkeypatch.setattr(
        verify,
        "fetch_certificate",
        lambda location: signing_keys.certificate(location.path[-36:-4]),
    )
    topic = topics.create_topic("transcoding", alice())
    settings.SNS_TOPIC_ARN, settings.MEDIAMILL_HOST = topic.arn, "media.example.com"
    namespace: dict[str, Any] = {}
    exec(compile(code, "README.md", "exec"), namespace)
    view = namespace["transcode_complete"]

    subscription, _ = topics.subscribe(topic.arn, ENDPOINT)
    topics.confirm(topic.arn, subscription.token)
    pipeline = make_pipeline()
    Pipeline.objects.filter(pk=pipeline.pk).update(notify_completed=topic.arn)
    job = submit(pipeline)
    service.claim(job.id, "w", 30)
    service.complete(job.id, "w", results(job))
    row = Delivery.objects.get(message_type=MessageType.NOTIFICATION)

    def post(body: bytes, headers: dict[str, str]) -> int:
        request = RequestFactory().post("/hook", body, content_type="text/plain", headers=headers)
        status: int = view(request).status_code
        return status

    genuine = build_request(row)
    assert post(genuine.body, genuine.headers) == 200
    hello = Delivery.objects.get(message_type=MessageType.SUBSCRIPTION_CONFIRMATION)
    confirmation = build_request(hello)
    assert post(confirmation.body, confirmation.headers) == 200
    tampered = genuine.body.replace(b"COMPLETED", b"COMPLETEE")
    assert post(tampered, genuine.headers) == 403
    other_topic = genuine.headers | {"x-amz-sns-topic-arn": topic.arn + "-other"}
    assert post(genuine.body, other_topic) == 403
    monkeypatch.setenv("MEDIAMILL_PUBLIC_URL", "https://elsewhere.example.com")
    elsewhere = build_request(row)
    assert post(elsewhere.body, elsewhere.headers) == 403, "certificate on another host"


def test_admin_pages(admin_client: Client) -> None:
    response = admin_client.post(
        reverse("admin:notifications_topic_add"), {"name": "ownerless", "owner": ""}
    )
    assert response.status_code == 200 and b"This field is required" in response.content
    owner = alice()
    response = admin_client.post(
        reverse("admin:notifications_topic_add"), {"name": "from-admin", "owner": owner.pk}
    )
    assert response.status_code == 302, response.content[:2000]
    topic = Topic.objects.get(name="from-admin")
    assert topic.arn == f"arn:aws:sns:us-east-1:{owner.pk:012d}:from-admin"
    response = admin_client.post(
        reverse("admin:notifications_subscription_add"),
        {"topic": topic.pk, "endpoint": ENDPOINT, "signing": "standard-webhooks"},
        follow=True,
    )
    assert b"Standard Webhooks secret (shown only now): whsec_" in response.content
    subscription = Subscription.objects.get()
    assert subscription.arn.startswith(topic.arn + ":")
    assert Delivery.objects.get().message_type == MessageType.SUBSCRIPTION_CONFIRMATION
    signing_keys.current()
    for model in ("topic", "subscription", "delivery", "signingcertificate", "notice"):
        changelist = admin_client.get(reverse(f"admin:notifications_{model}_changelist"))
        assert changelist.status_code == 200, model
    for name, obj in (
        ("topic", topic),
        ("subscription", subscription),
        ("delivery", Delivery.objects.get()),
    ):
        page = admin_client.get(reverse(f"admin:notifications_{name}_change", args=[obj.pk]))
        assert page.status_code == 200, name
