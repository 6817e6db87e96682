"""tus 1.0 over HTTP: each view is a call to ``service``; errors become tus answers here.

Every answer carries ``Tus-Resumable``. Sign-in is the Django session (the web app's); the
CSRF token comes in ``X-CSRFToken`` as for any form. Bodies are read as a stream from the
request, never through ``request.body``, so no piece is held whole in memory.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from email.utils import format_datetime
from typing import Any
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse

from mediamill.errors import (
    BucketError,
    ConfigurationError,
    LimitExceededError,
    MediamillError,
    NotFoundError,
    ObjectExistsError,
    PermissionDeniedError,
    ValidationError,
)
from mediamill.uploads import protocol, service
from mediamill.uploads.models import Upload
from mediamill.uploads.storage import chunk_limit

log = logging.getLogger(__name__)


def _answer(status: int, message: str = "", **headers: str) -> HttpResponse:
    response: HttpResponse
    if message:
        response = JsonResponse({"message": message}, status=status)
    else:
        response = HttpResponse(status=status)
    response["Tus-Resumable"] = protocol.VERSION
    response["Cache-Control"] = "no-store"
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _state_headers(upload: Upload) -> dict[str, str]:
    headers = {
        "Upload_Offset": str(upload.offset),
        "Upload_Length": str(upload.length),
        "Upload_Expires": format_datetime(upload.expires_at, usegmt=True),
    }
    if upload.result is not None:
        headers["Upload_Result"] = quote(json.dumps(upload.result, separators=(",", ":")))
    return headers


def _body(request: HttpRequest) -> Any:
    """The request body as a stream: the server's own file when it has one (waitress keeps
    a large body in a temporary file, which the kernel can copy from), else the request."""
    raw: Any = request.META.get("wsgi.input")
    try:
        raw.fileno()
    except (AttributeError, OSError, ValueError):
        return request
    return raw


def _error(exc: MediamillError) -> HttpResponse:
    """The tus answer for a refusal; the message is the domain's, made for people."""
    if isinstance(exc, service.OffsetMismatchError):
        return _answer(409, exc.message, Upload_Offset=str(exc.offset))
    if isinstance(exc, service.UploadBusyError):
        return _answer(423, exc.message)
    if isinstance(exc, service.UploadTooLargeError):
        return _answer(413, exc.message)
    if isinstance(exc, LimitExceededError):
        return _answer(429, exc.message)
    if isinstance(exc, service.NotMediaError):
        return _answer(422, exc.message)
    if isinstance(exc, ObjectExistsError):
        return _answer(409, "A file with that name exists already.")
    if isinstance(exc, service.NoDestinationError):
        return _answer(503, exc.message)
    if isinstance(exc, NotFoundError):
        return _answer(404, exc.message)
    if isinstance(exc, PermissionDeniedError):
        return _answer(403, exc.message)
    if isinstance(exc, ValidationError):
        return _answer(400, exc.message)
    if isinstance(exc, BucketError | ConfigurationError):
        log.error("upload failed: %s", exc.message)  # the message may name server paths
        return _answer(500, "The file could not be stored; try again later.")
    log.error("upload failed: %s", exc.message)
    return _answer(500, "The upload failed; try again later.")


def _tus(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed-in users with a tus 1.0 client only; domain errors answered as above."""

    def wrapped(request: HttpRequest, **kwargs: str) -> HttpResponse:
        if request.method == "OPTIONS":
            return _answer(
                204,
                Tus_Version=protocol.VERSION,
                Tus_Extension=protocol.EXTENSIONS,
                Tus_Max_Size=str(service.max_length()),
                # Not tus: the largest piece this server takes (the browser sends that size).
                Mediamill_Max_Chunk_Size=str(chunk_limit()),
            )
        if not request.user.is_authenticated:
            return _answer(401, "Sign in to upload files.")
        if request.headers.get("Tus-Resumable") != protocol.VERSION:
            return _answer(412, "Tus-Resumable: 1.0.0 is required.", Tus_Version=protocol.VERSION)
        try:
            return view(request, **kwargs)
        except MediamillError as exc:
            return _error(exc)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@_tus
def collection(request: HttpRequest) -> HttpResponse:
    """``POST /uploads/``: create an upload (tus creation)."""
    if request.method != "POST":
        return _answer(405, "Use POST to create an upload.", Allow="POST, OPTIONS")
    if request.headers.get("Upload-Defer-Length"):
        return _answer(400, "The file's length must be given (Upload-Length).")
    if int(request.headers.get("Content-Length") or 0):
        return _answer(400, "Create the upload first, then send its bytes with PATCH.")
    length = protocol.parse_length(request.headers.get("Upload-Length"), "Upload-Length")
    metadata = protocol.parse_metadata(request.headers.get("Upload-Metadata", ""))
    upload = service.create(request.user, length, metadata)  # type: ignore[arg-type]
    location = request.build_absolute_uri(reverse("uploads:upload", args=[upload.pk]))
    return _answer(201, Location=location, **_state_headers(upload))


@_tus
def upload(request: HttpRequest, upload_id: str) -> HttpResponse:
    """``HEAD`` (how far), ``PATCH`` (a piece), ``DELETE`` (stop) one upload."""
    user: Any = request.user
    if request.method == "HEAD" or request.method == "GET":
        found = service.find(upload_id, user)
        headers = _state_headers(found)
        if found.metadata:
            headers["Upload_Metadata"] = protocol.encode_metadata(found.metadata)
        return _answer(200, **headers)
    if request.method == "PATCH":
        if request.content_type != protocol.OFFSET_STREAM:
            return _answer(415, f"A piece is sent as {protocol.OFFSET_STREAM}.")
        offset = protocol.parse_length(request.headers.get("Upload-Offset"), "Upload-Offset")
        # WSGI: no Content-Length, no body (waitress gives one for chunked bodies too).
        count = protocol.parse_length(
            request.headers.get("Content-Length") or "0", "Content-Length"
        )
        if count > chunk_limit():
            return _answer(413, f"A piece may be at most {chunk_limit()} bytes.")
        received = service.receive(upload_id, user, offset, _body(request), count)
        return _answer(204, **_state_headers(received.upload))
    if request.method == "DELETE":
        service.terminate(upload_id, user)
        return _answer(204)
    return _answer(405, "Use HEAD, PATCH or DELETE.", Allow="HEAD, PATCH, DELETE, OPTIONS")
