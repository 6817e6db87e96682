"""Signature Version 4 verification: is this request signed by the holder of that secret?

The server rebuilds the canonical request from what it received and computes the signature
with botocore's own signer, the code that signed the request on the client side, rather than
a re-implementation of the algorithm. Pure logic: the caller supplies the secret lookup and
the clock.

Failures raise ``AuthenticationError`` whose ``kind`` is the error name AWS used:
``MissingAuthenticationTokenException`` (no signature), ``IncompleteSignatureException``
(malformed), ``UnrecognizedClientException`` (unknown or revoked key) and
``InvalidSignatureException`` (wrong secret, tampered request, wrong service, stale date).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from mediamill.errors import AuthenticationError

ALGORITHM = "AWS4-HMAC-SHA256"
#: How far X-Amz-Date may be from the server's clock, either way (AWS: 15 minutes).
MAX_SKEW = dt.timedelta(minutes=15)

_AUTH = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<credential>[^,\s]+),\s*"
    r"SignedHeaders=(?P<signed>[^,\s]+),\s*Signature=(?P<signature>[0-9a-f]{64})\s*$"
)
_AMZ_DATE = "%Y%m%dT%H%M%SZ"


@dataclass(frozen=True)
class SignedRequest:
    """What the server received, as needed to check the signature."""

    method: str
    path: str  # as sent, percent-encoded
    query: str  # the raw query string, without "?"
    headers: Mapping[str, str]  # lower-case names
    body: bytes


@dataclass(frozen=True)
class Caller:
    access_key_id: str
    region: str


@dataclass(frozen=True)
class _Credential:
    access_key_id: str
    date: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str


def verify(
    request: SignedRequest,
    secret_for: Callable[[str], str | None],
    *,
    service: str,
    now: dt.datetime,
) -> Caller:
    """Check ``request``'s SigV4 signature; return who signed it.

    ``secret_for(access_key_id)`` gives the key's secret, or None for an unknown or revoked
    key. ``now`` must be timezone-aware.
    """
    credential = _parse(request.headers.get("authorization"))
    if credential.service != service:
        raise AuthenticationError(
            "InvalidSignatureException",
            f"Credential should be scoped to correct service: '{service}'.",
        )
    missing = [h for h in ("host", "x-amz-date") if h not in credential.signed_headers]
    if missing:
        raise AuthenticationError(
            "IncompleteSignatureException",
            f"The request must sign these headers: {', '.join(missing)}.",
        )
    amz_date = _check_date(request.headers.get("x-amz-date", ""), credential, now)
    _check_payload_hash(request)
    secret = secret_for(credential.access_key_id)
    if secret is None:
        raise AuthenticationError(
            "UnrecognizedClientException", "The security token included in the request is invalid."
        )
    expected = _signature(request, credential, secret, amz_date)
    if not hmac.compare_digest(expected, credential.signature):
        raise AuthenticationError(
            "InvalidSignatureException",
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method.",
        )
    return Caller(credential.access_key_id, credential.region)


def _parse(header: str | None) -> _Credential:
    if not header:
        raise AuthenticationError(
            "MissingAuthenticationTokenException", "Missing Authentication Token"
        )
    match = _AUTH.match(header)
    if match is None:
        raise AuthenticationError(
            "IncompleteSignatureException",
            f"Authorization header must be '{ALGORITHM} Credential=..., SignedHeaders=..., "
            "Signature=...'.",
        )
    parts = match["credential"].split("/")
    if len(parts) != 5 or parts[4] != "aws4_request" or not all(parts):
        raise AuthenticationError(
            "IncompleteSignatureException",
            "Credential must have the form KEY/YYYYMMDD/REGION/SERVICE/aws4_request.",
        )
    key, date, region, service, _ = parts
    return _Credential(
        key, date, region, service, tuple(match["signed"].split(";")), match["signature"]
    )


def _check_date(amz_date: str, credential: _Credential, now: dt.datetime) -> str:
    try:
        signed_at = dt.datetime.strptime(amz_date, _AMZ_DATE).replace(tzinfo=dt.UTC)
    except ValueError:
        raise AuthenticationError(
            "IncompleteSignatureException", "X-Amz-Date must be a date like 20261121T170000Z."
        ) from None
    if credential.date != amz_date[:8]:
        raise AuthenticationError(
            "InvalidSignatureException",
            f"Date in Credential scope does not match YYYYMMDD from X-Amz-Date: {amz_date}.",
        )
    if abs(now - signed_at) > MAX_SKEW:
        raise AuthenticationError(
            "InvalidSignatureException",
            f"Signature expired: {amz_date} is not within 15 minutes of the server's time "
            f"{now.strftime(_AMZ_DATE)}.",
        )
    return amz_date


def _check_payload_hash(request: SignedRequest) -> None:
    # A client may send the body's hash in a header, and the signer then trusts that header;
    # it must therefore match the body that actually arrived.
    claimed = request.headers.get("x-amz-content-sha256")
    if claimed is not None and claimed != hashlib.sha256(request.body).hexdigest():
        raise AuthenticationError(
            "InvalidSignatureException",
            "The provided x-amz-content-sha256 header does not match what was computed.",
        )


def _signature(request: SignedRequest, credential: _Credential, secret: str, amz_date: str) -> str:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    headers = {name: request.headers.get(name, "") for name in credential.signed_headers}
    url = f"http://{headers['host']}{request.path}"
    if request.query:
        url += f"?{request.query}"
    rebuilt = AWSRequest(method=request.method, url=url, data=request.body, headers=headers)
    rebuilt.context["timestamp"] = amz_date
    signer = SigV4Auth(
        Credentials(credential.access_key_id, secret), credential.service, credential.region
    )
    canonical = signer.canonical_request(rebuilt)
    return str(signer.signature(signer.string_to_sign(rebuilt, canonical), rebuilt))
