"""The resize view: verify the URL, find or render the resize, serve it or redirect to it.

The signature is the only authorization: a resize URL is public to whoever has it, and only
holders of the signing keys (the server's operators, the web app) can make one. Checks run
cheapest first, and every refusal is a status with a one-line reason, never a stack trace:

    400  the URL or its spec is malformed (the message says what is wrong)
    403  unknown or retired key ID, a signature that does not match, an expired URL
    404  no original under that key
    422  the original is not an image of an allowed format, is damaged or breaks a limit
    429  this client started too many renders in the last minute (Retry-After)
    503  the bucket cannot be reached

Stored resizes of local buckets are served from the file with ``ETag``, ``Last-Modified``
and a long ``Cache-Control`` (304 on a conditional request); those of S3 buckets by a
redirect to a presigned URL. ``X-Mediamill-Resize`` says ``rendered`` or ``stored``.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.http import http_date, parse_http_date_safe
from django.views.decorators.http import require_safe

from mediamill import settings
from mediamill.accounts.signin import client_address
from mediamill.buckets import Bucket, get_bucket
from mediamill.errors import (
    AuthenticationError,
    BucketError,
    ConfigurationError,
    InvalidKeyError,
    LimitExceededError,
    MediaError,
    MediamillError,
    ObjectNotFoundError,
    ValidationError,
)
from mediamill.images import output_format, parse_path, parse_spec, verify
from mediamill.images.signatures import decode_segment
from mediamill.imaging import Resize, Resizer, default_keyring
from mediamill.imaging.render import content_type
from mediamill.resizer.rates import RenderRate

log = logging.getLogger("mediamill.resizer")

#: One per process: its per-resize locks make concurrent first requests render once.
RESIZER = Resizer()
RATES = RenderRate()

CACHE_SECONDS = 365 * 24 * 3600
#: How long a redirect's presigned URL lives, and (a little less) how long it may be cached.
PRESIGN_SECONDS = 3600
# Served images are data, never documents: no script, no plugin, no frame.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "X-Content-Type-Options": "nosniff",
}


@require_safe
def resize(request: HttpRequest, bucket: str, rest: str) -> HttpResponse | FileResponse:
    response: HttpResponse | FileResponse
    try:
        response = _resize(request, bucket, rest)
    except MediamillError as exc:
        response = _refusal(exc)
    for name, value in SECURITY_HEADERS.items():
        response[name] = value
    return response


def _resize(request: HttpRequest, bucket_name: str, rest: str) -> HttpResponse | FileResponse:
    wanted = parse_path(decode_segment(bucket_name), rest)
    image_format = output_format(wanted.extension)
    spec = parse_spec(
        wanted.spec,
        max_width=settings.get("MEDIAMILL_IMAGE_MAX_WIDTH"),
        max_height=settings.get("MEDIAMILL_IMAGE_MAX_HEIGHT"),
    )
    now = time.time()
    verify(wanted, default_keyring().secret_for, now)
    bucket = get_bucket(wanted.bucket)
    client = client_address(request)
    per_minute = settings.get("MEDIAMILL_IMAGE_RENDERS_PER_MINUTE")
    found = RESIZER.get(
        bucket,
        wanted.key,
        spec,
        wanted.extension,
        admit=lambda: RATES.admit(client, per_minute),
    )
    max_age = CACHE_SECONDS
    if wanted.expires is not None:
        max_age = max(0, min(max_age, int(wanted.expires - now)))
    response = _serve(request, found, content_type(image_format), max_age)
    response["X-Mediamill-Resize"] = "rendered" if found.rendered else "stored"
    return response


def _serve(
    request: HttpRequest, found: Resize, mime: str, max_age: int
) -> HttpResponse | FileResponse:
    if found.path is None:
        return _redirect(found.bucket, found.key, max_age)
    return _file(request, found.path, mime, max_age)


def _file(request: HttpRequest, path: Path, mime: str, max_age: int) -> HttpResponse | FileResponse:
    handle = open(path, "rb")  # noqa: SIM115 -- FileResponse closes it
    info = os.fstat(handle.fileno())
    # A stored resize never changes (it is published create-if-absent): size and time name it.
    etag = f'"{info.st_size:x}-{info.st_mtime_ns:x}"'
    modified = int(info.st_mtime)
    headers = {
        "ETag": etag,
        "Last-Modified": http_date(modified),
        "Cache-Control": f"public, max-age={max_age}" + (", immutable" if max_age else ""),
    }
    response: HttpResponse | FileResponse
    if _not_modified(request, etag, modified):
        handle.close()
        response = HttpResponse(status=304)
    else:
        response = FileResponse(handle, content_type=mime)
    for name, value in headers.items():
        response[name] = value
    return response


def _not_modified(request: HttpRequest, etag: str, modified: int) -> bool:
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        return etag in tags or "*" in tags
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    return since is not None and modified <= since


def _redirect(bucket: Bucket, key: str, max_age: int) -> HttpResponse:
    url = bucket.presigned_url(key, PRESIGN_SECONDS)
    if url is None:
        raise BucketError(f"bucket {bucket.name!r} can neither serve files nor presign URLs")
    response = HttpResponseRedirect(url)
    response["Cache-Control"] = f"private, max-age={min(max_age, PRESIGN_SECONDS - 300)}"
    return response


def _refusal(exc: MediamillError) -> HttpResponse:
    status = _status(exc)
    if status == 503:
        log.error("resize: %s", exc)
        message = "the image store cannot be reached; try again later"
    else:
        message = exc.message
    response = HttpResponse(f"{message}\n", status=status, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def _status(exc: MediamillError) -> int:
    if isinstance(exc, AuthenticationError):
        return 403
    if isinstance(exc, ObjectNotFoundError):
        return 404
    if isinstance(exc, LimitExceededError):
        return 429
    if isinstance(exc, MediaError):  # includes ResourceLimitError
        return 422
    if isinstance(exc, (ValidationError, InvalidKeyError)):
        return 400
    if isinstance(exc, BucketError) and exc.code == 1000:  # an invalid bucket name
        return 400
    if isinstance(exc, (BucketError, ConfigurationError)):
        return 503
    return 422
