"""The SNS HTTP envelope around a message, its signature, and Standard Webhooks headers.

Pure functions: the caller supplies keys, URLs and clocks. ``verify`` (for receivers) uses the
same ``string_to_sign``, so the signer and the verifier cannot drift apart.

String to sign (SNS): for each signed field present, in byte order of the names,
``name + "\\n" + value + "\\n"``, over the unescaped values, as UTF-8:

    Notification                 Message, MessageId, Subject, Timestamp, TopicArn, Type
    SubscriptionConfirmation,    Message, MessageId, SubscribeURL, Timestamp, Token,
    UnsubscribeConfirmation      TopicArn, Type

SignatureVersion 1 is SHA1withRSA, 2 is SHA256withRSA (RSA PKCS#1 v1.5); mediamill signs
with 2.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from mediamill.notifications.messages import et_json

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

SIGNATURE_VERSION = "2"
USER_AGENT = "Amazon Simple Notification Service Agent"
CONTENT_TYPE = "text/plain; charset=UTF-8"

_CONFIRMATION_FIELDS = (
    "Message",
    "MessageId",
    "SubscribeURL",
    "Timestamp",
    "Token",
    "TopicArn",
    "Type",
)
SIGNED_FIELDS: dict[str, tuple[str, ...]] = {
    "Notification": ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    "SubscriptionConfirmation": _CONFIRMATION_FIELDS,
    "UnsubscribeConfirmation": _CONFIRMATION_FIELDS,
}

SUBSCRIBE_TEXT = (
    "You have chosen to subscribe to the topic {topic_arn}.\n"
    "To confirm the subscription, visit the SubscribeURL included in this message."
)
UNSUBSCRIBE_TEXT = (
    "You have chosen to deactivate subscription {subscription_arn}.\n"
    "To cancel this operation and restore the subscription, visit the SubscribeURL included "
    "in this message."
)


def notification_fields(
    *, message_id: str, topic_arn: str, subject: str, message: str, timestamp: str
) -> dict[str, str]:
    """A Notification's fields before the signature, in the order SNS writes them."""
    fields = {"Type": "Notification", "MessageId": message_id, "TopicArn": topic_arn}
    if subject:
        fields["Subject"] = subject
    fields |= {"Message": message, "Timestamp": timestamp}
    return fields


def confirmation_fields(
    message_type: str,
    *,
    message_id: str,
    token: str,
    topic_arn: str,
    message: str,
    subscribe_url: str,
    timestamp: str,
) -> dict[str, str]:
    """A Subscription- or UnsubscribeConfirmation's fields before the signature, in order."""
    return {
        "Type": message_type,
        "MessageId": message_id,
        "Token": token,
        "TopicArn": topic_arn,
        "Message": message,
        "SubscribeURL": subscribe_url,
        "Timestamp": timestamp,
    }


def string_to_sign(message: Mapping[str, object]) -> bytes:
    """The bytes an SNS signature covers; ``KeyError`` for an unknown ``Type``."""
    names = SIGNED_FIELDS[str(message["Type"])]
    return "".join(f"{name}\n{message[name]}\n" for name in names if name in message).encode()


def signature_hash(version: str) -> hashes.HashAlgorithm:
    if version == "1":
        return hashes.SHA1()
    if version == "2":
        return hashes.SHA256()
    raise ValueError(f"unknown SignatureVersion {version!r}")


def sign(
    fields: Mapping[str, str],
    private_key: RSAPrivateKey,
    signing_cert_url: str,
    unsubscribe_url: str | None = None,
) -> dict[str, str]:
    """The complete envelope: ``fields`` then SignatureVersion, Signature, SigningCertURL
    and, for a Notification, UnsubscribeURL."""
    envelope = dict(fields)
    envelope["SignatureVersion"] = SIGNATURE_VERSION
    raw = private_key.sign(
        string_to_sign(fields), padding.PKCS1v15(), signature_hash(SIGNATURE_VERSION)
    )
    envelope["Signature"] = base64.b64encode(raw).decode("ascii")
    envelope["SigningCertURL"] = signing_cert_url
    if unsubscribe_url is not None:
        envelope["UnsubscribeURL"] = unsubscribe_url
    return envelope


def body(envelope: Mapping[str, str]) -> bytes:
    """The POST body: the envelope in the same pretty-printed layout SNS uses."""
    return et_json(envelope).encode("utf-8")


def sns_headers(
    message_type: str, message_id: str, topic_arn: str, subscription_arn: str | None
) -> dict[str, str]:
    headers = {
        "x-amz-sns-message-type": message_type,
        "x-amz-sns-message-id": message_id,
        "x-amz-sns-topic-arn": topic_arn,
    }
    if subscription_arn is not None:
        headers["x-amz-sns-subscription-arn"] = subscription_arn
    return headers


# --- Standard Webhooks --------------------------------------------------------------------


def new_webhook_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and the base64 of 32 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def webhook_signature(secret: str, message_id: str, timestamp: int, payload: bytes) -> str:
    """``v1,<base64 HMAC-SHA256>`` over ``"{id}.{timestamp}.{payload}"``."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    mac = hmac.new(key, f"{message_id}.{timestamp}.".encode() + payload, hashlib.sha256)
    return "v1," + base64.b64encode(mac.digest()).decode("ascii")


def webhook_headers(secret: str, message_id: str, timestamp: int, payload: bytes) -> dict[str, str]:
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": webhook_signature(secret, message_id, timestamp, payload),
    }
