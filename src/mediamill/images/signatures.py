"""Signed resize URLs: their path, and the HMAC-SHA256 signature that authorizes them.

A resize URL's path is::

    /images/<bucket>/<key>/<spec>-<key ID>.<signature>[.<expires>].<ext>

``key`` may contain ``/`` (each segment percent-encoded): the last segment is always the
resize, and neither a spec nor a key ID nor a signature contains ``/`` or ``.``. The signature
is HMAC-SHA256, with the secret of the key ID, over the bucket, the key, the spec as written,
the extension and the expiry (Unix seconds, or nothing), base64url without padding. Whoever
holds a signing key can authorize any resize of any object: the signature is the only
authorization a resize URL needs.

Pure logic: the caller supplies the secrets and the clock.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, unquote

from mediamill.errors import AuthenticationError, ValidationError

PREFIX = "/images/"
_KEY_ID = re.compile(r"k[0-9]{1,6}")
_SIGNATURE = re.compile(r"[A-Za-z0-9_-]{43}")
_EXPIRES = re.compile(r"[0-9]{1,12}")
_EXTENSION = re.compile(r"[a-z]{1,5}")
_DENIED = "AccessDenied"


@dataclass(frozen=True)
class ResizeRequest:
    """A resize URL's parts, as found in the path (not yet verified)."""

    bucket: str
    key: str
    spec: str
    extension: str
    key_id: str
    signature: str
    expires: int | None = None

    def message(self) -> bytes:
        return message(self.bucket, self.key, self.spec, self.extension, self.expires)


def message(bucket: str, key: str, spec: str, extension: str, expires: int | None) -> bytes:
    """What is signed. Newlines cannot occur in any part (keys refuse control characters)."""
    fields = ("mediamill-resize-1", bucket, key, spec, extension, str(expires or ""))
    return "\n".join(fields).encode("utf-8")


def signature(secret: bytes, text: bytes) -> str:
    digest = hmac.new(secret, text, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def build_path(
    secret: bytes,
    key_id: str,
    bucket: str,
    key: str,
    spec: str,
    extension: str,
    expires: int | None = None,
) -> str:
    """The signed path of a resize (starting with ``/images/``)."""
    if not _KEY_ID.fullmatch(key_id):
        raise ValidationError(f"invalid signing key ID {key_id!r}")
    sig = signature(secret, message(bucket, key, spec, extension, expires))
    name = f"{spec}-{key_id}.{sig}" + (f".{expires}" if expires is not None else "")
    return f"{PREFIX}{quote(bucket, safe='')}/{quote(key, safe='/')}/{name}.{extension}"


def parse_path(bucket: str, rest: str) -> ResizeRequest:
    """The parts of a resize path: ``rest`` is what follows ``/images/<bucket>/``, decoded.

    ``ValidationError`` when the path is not shaped like a resize URL at all.
    """
    key, slash, name = rest.rpartition("/")
    if not slash or not key:
        raise ValidationError(
            "not a resize URL: expected /images/BUCKET/KEY/SPEC-KEYID.SIGNATURE[.EXPIRES].EXT"
        )
    parts = name.split(".")
    if len(parts) not in (3, 4):
        raise ValidationError(
            f"not a resize URL: the last segment {name[:80]!r} is not "
            "SPEC-KEYID.SIGNATURE[.EXPIRES].EXT"
        )
    spec, _, key_id = parts[0].rpartition("-")
    extension = parts[-1]
    expires_text = parts[2] if len(parts) == 4 else None
    if not spec or not _EXTENSION.fullmatch(extension):
        raise ValidationError(
            f"not a resize URL: the last segment {name[:80]!r} is not "
            "SPEC-KEYID.SIGNATURE[.EXPIRES].EXT"
        )
    if expires_text is not None and not _EXPIRES.fullmatch(expires_text):
        raise AuthenticationError(_DENIED, "the resize URL's expiry is not a number of seconds")
    return ResizeRequest(
        bucket=bucket,
        key=key,
        spec=spec,
        extension=extension,
        key_id=key_id,
        signature=parts[1],
        expires=int(expires_text) if expires_text is not None else None,
    )


def verify(request: ResizeRequest, secret_for: Callable[[str], bytes | None], now: float) -> None:
    """Return if ``request`` is signed by a key still in use and has not expired.

    ``secret_for(key_id)`` gives the secret of a key that may verify, or None (unknown or
    retired). Every failure is ``AuthenticationError`` (403); the signatures are compared in
    constant time.
    """
    secret = secret_for(request.key_id) if _KEY_ID.fullmatch(request.key_id) else None
    if secret is None:
        raise AuthenticationError(_DENIED, "the resize URL is not signed with a valid key")
    expected = signature(secret, request.message())
    if not _SIGNATURE.fullmatch(request.signature) or not hmac.compare_digest(
        expected.encode("ascii"), request.signature.encode("ascii")
    ):
        raise AuthenticationError(_DENIED, "the resize URL's signature does not match")
    if request.expires is not None and now >= request.expires:
        raise AuthenticationError(_DENIED, "the resize URL has expired")


def decode_segment(raw: str) -> str:
    """A percent-encoded path part, decoded strictly (invalid UTF-8 is refused)."""
    try:
        return unquote(raw, errors="strict")
    except UnicodeDecodeError as exc:
        raise ValidationError("the resize URL is not valid UTF-8") from exc
