"""Who is calling: SigV4-signed requests checked against mediamill's access keys."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.http import HttpRequest

from mediamill.accounts import access_keys
from mediamill.accounts.models import AccessKey
from mediamill.api.errors import ApiError
from mediamill.errors import AuthenticationError
from mediamill.signing import SignedRequest, verify

if TYPE_CHECKING:
    from django.contrib.auth.models import User

SERVICE = "elastictranscoder"


def authenticate(request: HttpRequest) -> User:
    """The user whose access key signed ``request``; ``ApiError`` (403) if none did.

    Verifies the request exactly as AWS does (Signature Version 4, service
    ``elastictranscoder``, any region, ``X-Amz-Date`` within 15 minutes). Sets
    ``request.mediamill_region`` to the region the client signed for.
    """
    rows: dict[str, AccessKey] = {}

    def secret_for(key_id: str) -> str | None:
        found = access_keys.find(key_id)
        if found is None:
            return None
        rows[key_id] = found[0]
        return found[1]

    try:
        caller = verify(_signed_request(request), secret_for, service=SERVICE, now=_now())
    except AuthenticationError as exc:
        raise ApiError(exc.kind, exc.message) from exc
    key = rows[caller.access_key_id]
    access_keys.mark_used(key)
    request.mediamill_region = caller.region  # type: ignore[attr-defined]
    return key.user


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _signed_request(request: HttpRequest) -> SignedRequest:
    meta = request.META
    headers = {
        name[5:].replace("_", "-").lower(): str(value)
        for name, value in meta.items()
        if name.startswith("HTTP_")
    }
    headers.setdefault("host", request.get_host())
    for name in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        if meta.get(name):
            headers[name.replace("_", "-").lower()] = str(meta[name])
    return SignedRequest(
        method=request.method or "GET",
        # The path as the client sent it: Django's request.path is already decoded.
        path=_raw_path(request),
        query=str(meta.get("QUERY_STRING", "")),
        headers=headers,
        body=request.body,
    )


def _raw_path(request: HttpRequest) -> str:
    from urllib.parse import quote

    raw = request.META.get("RAW_URI") or request.META.get("REQUEST_URI")
    if raw:
        return str(raw).split("?", 1)[0]
    # How botocore encodes URI labels: everything but unreserved characters and "/".
    return quote(request.path, safe="/~")
