"""Download links that expire: signed, time-limited, bound to one object and its owner.

A link carries ``(owner, bucket, key, name)`` signed with Django's ``signing`` (HMAC-SHA256
under the server's secret key, with a timestamp checked against
``MEDIAMILL_WEB_LINK_SECONDS``). ``mediamill.signing`` is SigV4 for API requests: it
authenticates a caller's request, not a URL the server hands out, so it does not fit here.
Changing any part of the link breaks the signature; an expired link, another person's link
or a link to a deleted object is not found (404), as if it never existed.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing

from mediamill import settings

_SALT = "mediamill.web.download"


@dataclass(frozen=True)
class Link:
    owner_id: int
    bucket: str
    key: str
    name: str


def make_token(link: Link) -> str:
    return signing.dumps(
        [link.owner_id, link.bucket, link.key, link.name], salt=_SALT, compress=True
    )


def read_token(token: str, owner_id: int | None) -> Link | None:
    """The link, if the token is genuine, unexpired and ``owner_id``'s; None otherwise."""
    try:
        owner, bucket, key, name = signing.loads(
            token, salt=_SALT, max_age=settings.get("MEDIAMILL_WEB_LINK_SECONDS")
        )
    except (signing.BadSignature, ValueError, TypeError):  # SignatureExpired is a BadSignature
        return None
    if owner_id is None or owner != owner_id:
        return None
    return Link(int(owner), str(bucket), str(key), str(name))
