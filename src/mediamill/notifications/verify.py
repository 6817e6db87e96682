"""For receivers: check that a notification really comes from your mediamill server.

Needs only the ``cryptography`` package (no Django, no database), so it can be copied or
imported into the application that receives notifications.

SNS signatures::

    from mediamill.notifications.verify import Verifier

    verifier = Verifier(
        allowed_hosts=["media.example.com"],          # where SigningCertURL may point
        topics=["arn:aws:sns:us-east-1:000000000002:transcoding"],
    )
    message = json.loads(request.body)
    verifier.verify(message)                          # AuthenticationError if not genuine

``Verifier`` refuses a SigningCertURL on any other host (or not HTTPS, unless
``require_https=False``), fetches the certificate once and caches it, rebuilds the string to
sign and checks the signature (SignatureVersion 1 or 2). ``verify_message`` does the same with
a certificate you already have.

Standard Webhooks signatures: ``verify_webhook(secret, headers, body)``.

Every failure raises ``mediamill.errors.AuthenticationError`` whose ``kind`` says what was
wrong: ``UntrustedCertificateURL``, ``InvalidCertificate``, ``InvalidMessage``,
``UnexpectedTopic``, ``InvalidSignature`` or ``StaleTimestamp``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hmac
import threading
import urllib.request
from collections.abc import Callable, Collection, Mapping
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from mediamill.errors import AuthenticationError
from mediamill.notifications.envelope import (
    SIGNED_FIELDS,
    signature_hash,
    string_to_sign,
    webhook_signature,
)

#: Standard Webhooks: how far webhook-timestamp may be from the receiver's clock.
WEBHOOK_TOLERANCE_SECONDS = 300
_FETCH_TIMEOUT = 10.0
_CERT_MAX_BYTES = 64 * 1024


def check_cert_url(url: str, allowed_hosts: Collection[str], *, require_https: bool = True) -> None:
    """Refuse a SigningCertURL that is not on an allowed host.

    ``allowed_hosts`` holds host names (``media.example.com``) or ``host:port``; matching is
    exact and case-insensitive: no wildcards, no subdomains.
    """
    parts = urlsplit(url)
    if parts.scheme != "https" and (require_https or parts.scheme != "http"):
        raise AuthenticationError("UntrustedCertificateURL", f"SigningCertURL is not HTTPS: {url}")
    host = (parts.hostname or "").lower()
    netloc = parts.netloc.rsplit("@", 1)[-1].lower()
    allowed = {h.lower() for h in allowed_hosts}
    if not host or (host not in allowed and netloc not in allowed):
        raise AuthenticationError(
            "UntrustedCertificateURL", f"SigningCertURL is not on an allowed host: {url}"
        )
    if not parts.path.endswith(".pem"):
        raise AuthenticationError("UntrustedCertificateURL", f"SigningCertURL is not a .pem: {url}")


def load_certificate(pem: bytes, now: dt.datetime | None = None) -> rsa.RSAPublicKey:
    """The RSA public key of a PEM certificate that is valid now."""
    try:
        cert = x509.load_pem_x509_certificate(pem)
    except ValueError as exc:
        raise AuthenticationError("InvalidCertificate", f"not a PEM certificate: {exc}") from exc
    moment = now or dt.datetime.now(dt.UTC)
    if not cert.not_valid_before_utc <= moment <= cert.not_valid_after_utc:
        raise AuthenticationError("InvalidCertificate", "the signing certificate is not valid now")
    key = cert.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise AuthenticationError("InvalidCertificate", "the signing certificate is not RSA")
    return key


def verify_message(message: Mapping[str, Any], certificate: bytes | rsa.RSAPublicKey) -> None:
    """Check an SNS message's signature against a certificate (PEM) or its public key."""
    kind = message.get("Type")
    if kind not in SIGNED_FIELDS:
        raise AuthenticationError("InvalidMessage", f"unknown message Type {kind!r}")
    required = [n for n in SIGNED_FIELDS[kind] if n != "Subject"] + ["Signature"]
    missing = [n for n in required if not isinstance(message.get(n), str)]
    if missing:
        raise AuthenticationError("InvalidMessage", f"missing fields: {', '.join(missing)}")
    try:
        algorithm = signature_hash(str(message.get("SignatureVersion")))
        signature = base64.b64decode(message["Signature"], validate=True)
    except (ValueError, binascii.Error) as exc:
        raise AuthenticationError("InvalidMessage", str(exc)) from exc
    key = load_certificate(certificate) if isinstance(certificate, bytes) else certificate
    try:
        key.verify(signature, string_to_sign(message), padding.PKCS1v15(), algorithm)
    except InvalidSignature:
        raise AuthenticationError(
            "InvalidSignature", "the message does not match its signature"
        ) from None


class Verifier:
    """Verifies SNS messages, fetching each signing certificate once (thread-safe)."""

    def __init__(
        self,
        allowed_hosts: Collection[str],
        *,
        topics: Collection[str] | None = None,
        require_https: bool = True,
        fetch: Callable[[str], bytes] | None = None,
    ) -> None:
        self.allowed_hosts = tuple(allowed_hosts)
        self.topics = None if topics is None else frozenset(topics)
        self.require_https = require_https
        self.fetch = fetch or _fetch
        self._keys: dict[str, rsa.RSAPublicKey] = {}
        self._lock = threading.Lock()

    def verify(self, message: Mapping[str, Any]) -> None:
        if self.topics is not None and message.get("TopicArn") not in self.topics:
            raise AuthenticationError(
                "UnexpectedTopic", f"not a topic this receiver expects: {message.get('TopicArn')}"
            )
        url = message.get("SigningCertURL")
        if not isinstance(url, str):
            raise AuthenticationError("InvalidMessage", "missing field: SigningCertURL")
        check_cert_url(url, self.allowed_hosts, require_https=self.require_https)
        verify_message(message, self.public_key(url))

    def public_key(self, url: str) -> rsa.RSAPublicKey:
        with self._lock:
            key = self._keys.get(url)
        if key is None:
            key = load_certificate(self.fetch(url))
            with self._lock:
                self._keys[url] = key
        return key


def verify_webhook(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: dt.datetime | None = None,
    tolerance: float = WEBHOOK_TOLERANCE_SECONDS,
) -> None:
    """Check Standard Webhooks headers (``webhook-id``, ``-timestamp``, ``-signature``).

    ``headers`` is looked up case-insensitively. Any one of the space-separated ``v1,``
    signatures may match; they are compared in constant time.
    """
    lower = {k.lower(): v for k, v in headers.items()}
    message_id = lower.get("webhook-id", "")
    stamp = lower.get("webhook-timestamp", "")
    signatures = lower.get("webhook-signature", "").split()
    if not message_id or not stamp.isdigit() or not signatures:
        raise AuthenticationError("InvalidMessage", "missing or malformed webhook-* headers")
    moment = (now or dt.datetime.now(dt.UTC)).timestamp()
    if abs(moment - int(stamp)) > tolerance:
        raise AuthenticationError("StaleTimestamp", "webhook-timestamp is too far from now")
    expected = webhook_signature(secret, message_id, int(stamp), body)
    if not any(hmac.compare_digest(expected, given) for given in signatures):
        raise AuthenticationError("InvalidSignature", "no webhook-signature matches")


def _fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=_FETCH_TIMEOUT) as response:
        data: bytes = response.read(_CERT_MAX_BYTES + 1)
    if len(data) > _CERT_MAX_BYTES:
        raise AuthenticationError("InvalidCertificate", "the signing certificate is too large")
    return data
