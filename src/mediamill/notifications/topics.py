"""Topics and subscriptions: create, subscribe, confirm, unsubscribe, expire.

A subscription starts PendingConfirmation and is sent a SubscriptionConfirmation (with its
SubscribeURL and Token). It receives nothing else until the SubscribeURL is visited, as with
SNS; an unconfirmed subscription expires after ``CONFIRMATION_DAYS``. Unsubscribing (the
UnsubscribeURL in every notification, or ``mediamill unsubscribe``) stops deliveries at once,
gives the subscription a new token (so the SubscribeURL it was confirmed with no longer
works) and sends an UnsubscribeConfirmation, whose SubscribeURL, with the new token, restores
the subscription for the same number of days.

Endpoints must be on public addresses unless MEDIAMILL_NOTIFY_ALLOWED_NETWORKS allows more
(``endpoints``); checked here when subscribing, and again at every delivery.

Every topic has an owner. For pipelines: ``may_use(user, topic)``, ``topic_exists(arn, user)``
and ``check_notifications(notifications, user)`` say whether a user may name a topic (their
own; a superuser, any).
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings as django_settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from mediamill import settings
from mediamill.errors import ConfigurationError, InvalidStateError, NotFoundError, ValidationError
from mediamill.notifications import arns, endpoints, outbox, ownership
from mediamill.notifications.envelope import (
    SUBSCRIBE_TEXT,
    UNSUBSCRIBE_TEXT,
    new_webhook_secret,
)
from mediamill.notifications.messages import timestamp
from mediamill.notifications.models import (
    Delivery,
    DeliveryStatus,
    MessageType,
    Signing,
    Subscription,
    SubscriptionStatus,
    Topic,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

#: How long a SubscribeURL stays valid (SNS: three days).
CONFIRMATION_DAYS = 3
ENDPOINT_MAX = 2048


# --- topics --------------------------------------------------------------------------------


def create_topic(name: str, owner: User, region: str | None = None) -> Topic:
    """The topic ``name`` of ``owner`` in ``region`` (default MEDIAMILL_REGION), created if new.

    The ARN's account is the owner's, as in the API's ARNs (the user ID, zero-padded to 12
    digits). Like SNS's CreateTopic, asking again for an existing name returns that topic.
    """
    if owner is None or owner.pk is None:
        raise ValidationError("a topic needs an owner: a saved user")
    arn = arns.topic_arn(region or settings.get("MEDIAMILL_REGION"), f"{owner.pk:012d}", name)
    topic, _ = Topic.objects.get_or_create(arn=str(arn), defaults={"name": name, "owner": owner})
    return topic


def may_use(user: User | None, topic: Topic) -> bool:
    """Whether ``user`` may name ``topic`` in a pipeline: their own topics; a superuser, any.

    ``None`` (code acting without a user: the CLI, an administrator's Python) may use any.
    """
    return ownership.may_use(user, topic)


def topic_exists(arn: str, owner: User | None = None) -> bool:
    """Whether ``arn`` names a topic of this server that ``owner`` may use (any, if None)."""
    return ownership.usable(Topic.objects.filter(arn=arn), owner).exists()


def check_notifications(notifications: Mapping[str, str], owner: User | None = None) -> None:
    """Raise ``ValidationError`` naming the first pipeline Notifications key whose topic
    does not exist or is not ``owner``'s to use (empty values mean "no topic" and are fine).

    Another user's topic is reported as not existing, so its name does not leak.
    """
    for key, arn in notifications.items():
        if arn and not topic_exists(arn, owner):
            raise ValidationError(f"Notifications:{key}: the SNS topic {arn} does not exist")


def list_topics(owner: User | None = None) -> QuerySet[Topic]:
    """The topics ``owner`` may use (every topic if None), with their owners."""
    return ownership.usable(Topic.objects.select_related("owner"), owner)


def get_topic(arn: str) -> Topic:
    arns.parse_topic(arn)
    topic = Topic.objects.filter(arn=arn).first()
    if topic is None:
        raise NotFoundError(f"Topic does not exist: {arn}")
    return topic


def delete_topic(arn: str) -> None:
    """Delete a topic and its subscriptions; pipelines naming it then notify nobody."""
    get_topic(arn).delete()


# --- subscriptions -------------------------------------------------------------------------


def subscribe(
    topic_arn: str, endpoint: str, *, standard_webhooks: bool = False
) -> tuple[Subscription, str | None]:
    """Subscribe an HTTP(S) endpoint; return it and, for Standard Webhooks, its secret.

    A SubscriptionConfirmation is sent at once. Subscribing an endpoint that is already
    subscribed the same way returns that subscription (sending the confirmation again while
    it is unconfirmed), as SNS does.
    """
    topic = get_topic(topic_arn)
    protocol = _check_endpoint(endpoint)
    signing = Signing.STANDARD_WEBHOOKS if standard_webhooks else Signing.SNS
    with transaction.atomic():
        existing = (
            Subscription.objects.select_for_update()
            .filter(topic=topic, endpoint=endpoint, signing=signing)
            .exclude(status=SubscriptionStatus.UNSUBSCRIBED)
            .first()
        )
        if existing is not None:
            if existing.status == SubscriptionStatus.PENDING:
                _send_confirmation(existing, MessageType.SUBSCRIPTION_CONFIRMATION)
            return existing, webhook_secret(existing)
        secret = new_webhook_secret() if standard_webhooks else None
        subscription = Subscription.objects.create(
            arn=arns.new_subscription_arn(topic.arn),
            topic=topic,
            protocol=protocol,
            endpoint=endpoint,
            token=_new_token(),
            signing=signing,
            webhook_secret_ciphertext=_seal(secret) if secret else "",
        )
        _send_confirmation(subscription, MessageType.SUBSCRIPTION_CONFIRMATION)
    return subscription, secret


def confirm(topic_arn: str, token: str) -> Subscription:
    """Confirm with the Token of a SubscribeURL (again: harmless). Expired tokens fail."""
    subscription = (
        Subscription.objects.select_related("topic")
        .filter(token=token, topic__arn=topic_arn)
        .first()
        if token
        else None
    )
    if subscription is None:
        raise NotFoundError("Invalid token: no subscription to this topic has it")
    if subscription.status == SubscriptionStatus.CONFIRMED:
        return subscription
    since = (
        subscription.created
        if subscription.status == SubscriptionStatus.PENDING
        else subscription.unsubscribed_at or subscription.created
    )
    if since < timezone.now() - dt.timedelta(days=CONFIRMATION_DAYS):
        raise InvalidStateError(
            f"The token has expired ({CONFIRMATION_DAYS} days); subscribe again"
        )
    updated = Subscription.objects.filter(pk=subscription.pk, status=subscription.status).update(
        status=SubscriptionStatus.CONFIRMED, confirmed_at=timezone.now(), unsubscribed_at=None
    )
    subscription.refresh_from_db()
    if not updated and subscription.status != SubscriptionStatus.CONFIRMED:
        raise InvalidStateError("The subscription changed while it was being confirmed")
    # Confirmations still being retried have done their job.
    Delivery.objects.filter(
        subscription=subscription,
        status=DeliveryStatus.PENDING,
        message_type__in=[
            MessageType.SUBSCRIPTION_CONFIRMATION,
            MessageType.UNSUBSCRIBE_CONFIRMATION,
        ],
    ).update(status=DeliveryStatus.CANCELED, claimed_by="", lease_expires_at=None)
    return subscription


def unsubscribe(subscription_arn: str) -> Subscription:
    """Stop deliveries to a subscription and send it an UnsubscribeConfirmation."""
    arns.parse_subscription(subscription_arn)
    with transaction.atomic():
        subscription = (
            Subscription.objects.select_for_update()
            .select_related("topic")
            .filter(arn=subscription_arn)
            .first()
        )
        if subscription is None:
            raise NotFoundError(f"Subscription does not exist: {subscription_arn}")
        if subscription.status == SubscriptionStatus.UNSUBSCRIBED:
            return subscription
        subscription.status = SubscriptionStatus.UNSUBSCRIBED
        subscription.unsubscribed_at = timezone.now()
        # A new token: only the UnsubscribeConfirmation's SubscribeURL can restore the
        # subscription. The old SubscribeURL (in logs, mail, a browser's history) must not.
        subscription.token = _new_token()
        subscription.save(update_fields=["status", "unsubscribed_at", "token"])
        Delivery.objects.filter(subscription=subscription, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.CANCELED, claimed_by="", lease_expires_at=None
        )
        _send_confirmation(subscription, MessageType.UNSUBSCRIBE_CONFIRMATION)
    return subscription


def list_subscriptions(topic_arn: str | None = None) -> QuerySet[Subscription]:
    subscriptions = Subscription.objects.select_related("topic")
    return subscriptions if topic_arn is None else subscriptions.filter(topic__arn=topic_arn)


def expire(now: dt.datetime | None = None) -> int:
    """Delete subscriptions left unconfirmed, or unsubscribed, for ``CONFIRMATION_DAYS``."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=CONFIRMATION_DAYS)
    stale = Q(status=SubscriptionStatus.PENDING, created__lt=cutoff) | Q(
        status=SubscriptionStatus.UNSUBSCRIBED, unsubscribed_at__lt=cutoff
    )
    deleted, _ = Subscription.objects.filter(stale).delete()
    return deleted


def subscribe_url(subscription: Subscription) -> str:
    query = {"Action": "ConfirmSubscription", "TopicArn": subscription.topic.arn}
    query["Token"] = subscription.token
    return _sns_url(query)


def unsubscribe_url(subscription: Subscription) -> str:
    return _sns_url({"Action": "Unsubscribe", "SubscriptionArn": subscription.arn})


def webhook_secret(subscription: Subscription) -> str | None:
    """The Standard Webhooks secret (``whsec_...``), or None for SNS signing."""
    if subscription.signing != Signing.STANDARD_WEBHOOKS:
        return None
    return _open(subscription.webhook_secret_ciphertext)


def _sns_url(query: Mapping[str, str]) -> str:
    # Shaped like SNS's own (https://sns.REGION.amazonaws.com/?Action=...), under /sns/.
    return f"{settings.get('MEDIAMILL_PUBLIC_URL')}/sns/?{urlencode(query, safe=':')}"


def _check_endpoint(endpoint: str) -> str:
    """The endpoint's scheme, if notifications may be sent there (see ``endpoints``)."""
    if len(endpoint) > ENDPOINT_MAX:
        raise ValidationError(f"Invalid endpoint: longer than {ENDPOINT_MAX} characters")
    scheme, host, port = endpoints.host_and_port(endpoint)
    try:
        endpoints.checked_addresses(host, port, settings.get("MEDIAMILL_NOTIFY_ALLOWED_NETWORKS"))
    except OSError as exc:
        raise ValidationError(f"Invalid endpoint {endpoint!r}: cannot resolve {host}") from exc
    return scheme


def _new_token() -> str:
    return secrets.token_hex(64)


def _send_confirmation(subscription: Subscription, message_type: MessageType) -> None:
    now = timezone.now()
    text = (
        SUBSCRIBE_TEXT.format(topic_arn=subscription.topic.arn)
        if message_type == MessageType.SUBSCRIPTION_CONFIRMATION
        else UNSUBSCRIBE_TEXT.format(subscription_arn=subscription.arn)
    )
    Delivery.objects.create(
        subscription=subscription,
        message_type=message_type,
        message_id=str(uuid.uuid4()),
        message=text,
        timestamp=timestamp(now),
        next_attempt_at=now,
        created=now,
    )
    outbox.announce_on_commit()


# Standard Webhooks secrets are HMAC keys, needed in clear to sign: stored encrypted with a
# key derived from the server's secret key (changing MEDIAMILL_SECRET_KEY voids them).
def _fernet() -> Fernet:
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"mediamill webhook secrets"
    ).derive(django_settings.SECRET_KEY.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def _seal(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def _open(ciphertext: str) -> str:
    try:
        return _fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken:
        raise ConfigurationError(
            "a Standard Webhooks secret was stored under another MEDIAMILL_SECRET_KEY; "
            "subscribe the endpoint again"
        ) from None
