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

``Verifier`` takes the SigningCertURL apart once, strictly (``parse_cert_url``: no
``user@``, no backslashes, no query, no percent-encoding), refuses it unless its scheme is
HTTPS (or HTTP with ``require_https=False``) and its exact host and port are allowed (a host
allowed without a port allows only the scheme's default port), then fetches the certificate
from that host and port and nowhere else (no redirects), once, and caches it. It rebuilds
the string to sign and checks the signature (SignatureVersion 1 or 2). ``verify_message``
does the same with a certificate you already have. A ``fetch`` function of your own (say,
with ``requests``) is given the URL rebuilt from the checked parts, never the message's text.

Standard Webhooks signatures: ``verify_webhook(secret, headers, body)``.

Every failure raises ``mediamill.errors.AuthenticationError`` whose ``kind`` says what was
wrong: ``UntrustedCertificateURL``, ``CertificateUnavailable`` (the fetch failed: refused,
timed out, not 200), ``InvalidCertificate``, ``InvalidMessage``, ``UnexpectedTopic``,
``InvalidSignature`` or ``StaleTimestamp``. A receiver that catches ``AuthenticationError``
therefore answers 403 for every bad message, never 500.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hmac
import http.client
import ipaddress
import re
import threading
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

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
from mediamill.notifications.exchange import exchange

#: Standard Webhooks: how far webhook-timestamp may be from the receiver's clock.
WEBHOOK_TOLERANCE_SECONDS = 300
_FETCH_TIMEOUT = 10.0
_CERT_MAX_BYTES = 64 * 1024


@dataclass(frozen=True)
class CertificateLocation:
    """A SigningCertURL taken apart once: what is checked is exactly what is fetched."""

    scheme: str  # "https", or "http" when the Verifier allows it
    host: str  # lower-case name or IP address (IPv6 without brackets)
    port: int  # always explicit: the scheme's default when the URL gave none
    path: str

    @property
    def url(self) -> str:
        """The URL rebuilt from the parts, with the port spelt out (any library reads it so)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}{self.path}"


_DEFAULT_PORTS = {"https": 443, "http": 80}
_URL = re.compile(r"(?P<scheme>[a-z]+)://(?P<authority>[^/?#]*)(?P<path>/[^?#]*)")
_NAME = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*")
_PATH = re.compile(r"(/[A-Za-z0-9._~-]+)+\.pem")


def parse_cert_url(url: str, *, require_https: bool = True) -> CertificateLocation:
    """Take a SigningCertURL apart, strictly, or raise ``AuthenticationError``.

    Only ``scheme://host[:port]/path.pem``: no user information (``user@``), no backslash,
    no query or fragment, no percent-encoding, no spaces or control characters, a host that
    is a DNS name or an IP address. Anything that two URL parsers could read differently
    is refused rather than interpreted.
    """

    def refuse(why: str) -> AuthenticationError:
        return AuthenticationError("UntrustedCertificateURL", f"SigningCertURL {why}: {url!r}")

    if not isinstance(url, str) or len(url) > 2048:
        raise refuse("is not a URL")
    if not url.isascii() or not url.isprintable() or any(c in url for c in " \\%@"):
        raise refuse("has characters a certificate URL never has")
    match = _URL.fullmatch(url)
    if match is None:
        raise refuse("is not of the form scheme://host[:port]/path.pem")
    scheme = match["scheme"]
    if scheme != "https" and (require_https or scheme != "http"):
        raise refuse("is not HTTPS")
    host, port = _authority(match["authority"], _DEFAULT_PORTS[scheme])
    if host is None:
        raise refuse("does not name a host and port")
    if not _PATH.fullmatch(match["path"]):
        raise refuse("is not a .pem")
    return CertificateLocation(scheme, host, port, match["path"])


def check_cert_url(
    url: str, allowed_hosts: Collection[str], *, require_https: bool = True
) -> CertificateLocation:
    """Refuse a SigningCertURL that is not on an allowed host; its parts if it is.

    ``allowed_hosts`` holds host names (``media.example.com``), IP addresses, or either with
    a port (``media.example.com:8443``, ``[::1]:8443``). Matching is exact and
    case-insensitive: no wildcards, no subdomains. An entry without a port allows only the
    scheme's default port (443 for HTTPS, 80 for HTTP).
    """
    location = parse_cert_url(url, require_https=require_https)
    default = _DEFAULT_PORTS[location.scheme]
    if (location.host, location.port) not in {_allowed(entry, default) for entry in allowed_hosts}:
        raise AuthenticationError(
            "UntrustedCertificateURL", f"SigningCertURL is not on an allowed host: {url!r}"
        )
    return location


def fetch_certificate(location: CertificateLocation) -> bytes:
    """GET the certificate from exactly ``location``'s host and port: no redirects, no
    proxies, at most 64 KiB, the whole exchange within 10 s. Any failure is an
    ``AuthenticationError`` (``CertificateUnavailable``), never another exception."""
    try:
        answer = exchange(
            "GET",
            location.scheme,
            location.host,
            location.port,
            location.path,
            deadline=_FETCH_TIMEOUT,
            headers={"Accept": "application/x-pem-file"},
            body_max=_CERT_MAX_BYTES,
        )
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise AuthenticationError(
            "CertificateUnavailable", f"could not fetch the signing certificate: {exc}"
        ) from exc
    if answer.status != 200:
        raise AuthenticationError(
            "CertificateUnavailable",
            f"could not fetch the signing certificate: HTTP {answer.status}",
        )
    if len(answer.body) > _CERT_MAX_BYTES:
        raise AuthenticationError("InvalidCertificate", "the signing certificate is too large")
    return answer.body


def _authority(authority: str, default_port: int) -> tuple[str | None, int]:
    """``(host, port)`` of ``host``, ``host:port``, ``[v6]`` or ``[v6]:port``; host None if
    malformed. Host names are lower-cased, IP addresses written in their standard form."""
    authority = authority.lower()
    if authority.startswith("["):
        inside, bracket, rest = authority[1:].partition("]")
        if not bracket:
            return None, 0
        try:
            host = str(ipaddress.IPv6Address(inside))
        except ValueError:
            return None, 0
    else:
        colon = authority.find(":")
        host, rest = (authority, "") if colon < 0 else (authority[:colon], authority[colon:])
        if not _NAME.fullmatch(host):
            return None, 0
    if not rest:
        return host, default_port
    digits = rest[1:]
    if not rest.startswith(":") or not (digits.isascii() and digits.isdigit()) or len(digits) > 5:
        return None, 0
    port = int(digits)
    return (host, port) if 0 < port < 65536 else (None, 0)


def _allowed(entry: str, default_port: int) -> tuple[str | None, int]:
    host, port = _authority(entry.strip(), default_port)
    if host is None:
        raise ValueError(f"not a host or host:port: {entry!r}")
    return host, port


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
        for entry in self.allowed_hosts:  # a typo fails here, not as every message refused
            _allowed(entry, 443)
        self.topics = None if topics is None else frozenset(topics)
        self.require_https = require_https
        # Given the rebuilt URL (``CertificateLocation.url``), never the message's own text.
        self.fetch = fetch
        self._keys: dict[CertificateLocation, rsa.RSAPublicKey] = {}
        self._lock = threading.Lock()

    def verify(self, message: Mapping[str, Any]) -> None:
        if not isinstance(message, Mapping):
            raise AuthenticationError("InvalidMessage", "the message is not a JSON object")
        if self.topics is not None and message.get("TopicArn") not in self.topics:
            raise AuthenticationError(
                "UnexpectedTopic", f"not a topic this receiver expects: {message.get('TopicArn')}"
            )
        url = message.get("SigningCertURL")
        if not isinstance(url, str):
            raise AuthenticationError("InvalidMessage", "missing field: SigningCertURL")
        location = check_cert_url(url, self.allowed_hosts, require_https=self.require_https)
        verify_message(message, self.public_key(location))

    def public_key(self, location: CertificateLocation) -> rsa.RSAPublicKey:
        with self._lock:
            key = self._keys.get(location)
        if key is None:
            key = load_certificate(self._fetch(location))
            with self._lock:
                self._keys[location] = key
        return key

    def _fetch(self, location: CertificateLocation) -> bytes:
        if self.fetch is None:
            return fetch_certificate(location)
        try:
            return self.fetch(location.url)
        except AuthenticationError:
            raise
        except Exception as exc:  # whatever the receiver's HTTP library raises
            raise AuthenticationError(
                "CertificateUnavailable", f"could not fetch the signing certificate: {exc}"
            ) from exc


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
