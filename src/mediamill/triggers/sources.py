"""Event sources: who may post S3 event notifications to /events/s3, and how they prove it.

Each source has one secret, printed once when it is created, usable three ways:

    Authorization: Bearer <secret>            MinIO's webhook auth_token, most webhooks
    Authorization: Basic <name:secret>        SNS HTTPS subscriptions (credentials in the URL)
    X-Mediamill-Source: <name>                an HMAC-SHA256 of "<timestamp>.<body>" in
    X-Mediamill-Timestamp: <unix seconds>     X-Mediamill-Signature (hex): the body cannot
    X-Mediamill-Signature: <hex>              be altered, and a replay is refused

Bearer tokens are looked up by their SHA-256; the secret itself is kept encrypted with the
server's key, for HMACs. A signature is accepted once, within ``MEDIAMILL_EVENTS_MAX_AGE``
seconds of its timestamp.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone

from mediamill import settings
from mediamill.accounts import crypto
from mediamill.errors import AuthenticationError, NotFoundError, ValidationError
from mediamill.triggers.models import EventSource, SeenSignature

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def create_source(name: str, owner: User | None = None) -> tuple[EventSource, str]:
    """A new source and its secret (shown only now)."""
    if not name or len(name) > 100 or not name.replace("-", "").replace("_", "").isalnum():
        raise ValidationError(f"event source name {name!r}: 1-100 letters, digits, '-' and '_'")
    secret = "mmes_" + secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            source = EventSource.objects.create(
                name=name,
                owner=owner,
                token_hash=_hash(secret),
                secret_ciphertext=crypto.encrypt(secret),
            )
    except IntegrityError as exc:
        raise ValidationError(f"an event source named {name!r} exists already") from exc
    return source, secret


def remove_source(name: str) -> None:
    if not EventSource.objects.filter(name=name).delete()[0]:
        raise NotFoundError(f"no event source named {name!r}")


def authenticate(headers: Mapping[str, str], body: bytes) -> EventSource:
    """The source that sent this request, or ``AuthenticationError`` (kind says why)."""
    if headers.get("X-Mediamill-Signature"):
        source = _by_signature(headers, body)
    else:
        source = _by_token(headers.get("Authorization", ""))
    EventSource.objects.filter(pk=source.pk).update(last_used=timezone.now())
    return source


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """What a sender puts in X-Mediamill-Signature."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _by_token(authorization: str) -> EventSource:
    scheme, _, value = authorization.partition(" ")
    token = ""
    if scheme.lower() == "bearer":
        token = value.strip()
    elif scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            decoded = ""
        token = decoded.partition(":")[2]
    if not token:
        raise AuthenticationError(
            "MissingAuthenticationTokenException",
            "an event source's secret is needed (Authorization: Bearer, Basic, or an "
            "X-Mediamill-Signature)",
        )
    source = EventSource.objects.filter(token_hash=_hash(token)).first()
    if source is None:
        raise AuthenticationError(
            "UnrecognizedClientException",
            "the secret is not that of any event source",
        )
    return source


def _by_signature(headers: Mapping[str, str], body: bytes) -> EventSource:
    name = headers.get("X-Mediamill-Source", "")
    stamp = headers.get("X-Mediamill-Timestamp", "")
    given = headers.get("X-Mediamill-Signature", "").strip().lower()
    source = EventSource.objects.filter(name=name).first()
    secret = crypto.decrypt(source.secret_ciphertext) if source is not None else None
    if source is None or secret is None or not stamp.isdigit():
        raise AuthenticationError(
            "UnrecognizedClientException",
            "unknown event source or missing timestamp",
        )
    if not hmac.compare_digest(signature(secret, int(stamp), body), given):
        raise AuthenticationError(
            "InvalidSignatureException",
            "the signature does not match",
        )
    max_age = settings.get("MEDIAMILL_EVENTS_MAX_AGE")
    if abs(time.time() - int(stamp)) > max_age:
        raise AuthenticationError(
            "InvalidSignatureException",
            f"the timestamp is more than {max_age} s away: a replay, or a clock that is wrong",
        )
    # Signatures older than the window can never be accepted again: forget them.
    SeenSignature.objects.filter(
        seen_at__lt=timezone.now() - timedelta(seconds=2 * max_age)
    ).delete()
    try:
        with transaction.atomic():
            SeenSignature.objects.create(digest=given[:64])
    except IntegrityError as exc:
        raise AuthenticationError(
            "InvalidSignatureException",
            "this signed request was received before (a replay)",
        ) from exc
    return source


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
