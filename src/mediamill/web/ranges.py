"""Serving a file with HTTP Range support, so players can seek without fetching everything.

One range per request (``bytes=a-b``, ``bytes=a-``, ``bytes=-n``): what browsers' media
elements send. Several ranges, or a malformed header, are answered with the whole file, as
RFC 9110 allows; a range outside the file is 416. The body is streamed in chunks.
"""

from __future__ import annotations

import mimetypes
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse

_RANGE = re.compile(r"bytes=(\d*)-(\d*)")
_CHUNK = 256 * 1024


class Unsatisfiable(Exception):
    """The range lies outside the file (answered 416)."""


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """``(first, last)`` inclusive, or None to send everything; ``Unsatisfiable`` if neither."""
    match = _RANGE.fullmatch(header.strip())
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last n bytes
        length = int(last)
        if length == 0:
            raise Unsatisfiable
        return max(0, size - length), size - 1
    start = int(first)
    end = size - 1 if not last else min(int(last), size - 1)
    if start >= size or end < start:
        raise Unsatisfiable
    return start, end


def serve(request: HttpRequest, path: Path, name: str, *, attachment: bool) -> HttpResponseBase:
    """The file at ``path``, honouring a Range header; ``name`` gives type and download name."""
    handle = open(path, "rb")  # noqa: SIM115 -- closed by the response
    size = os.fstat(handle.fileno()).st_size
    try:
        wanted = parse_range(request.headers.get("Range", ""), size)
    except Unsatisfiable:
        handle.close()
        refused = HttpResponse(status=416)
        refused["Content-Range"] = f"bytes */{size}"
        return refused
    first, last = (0, size - 1) if wanted is None else wanted
    response = StreamingHttpResponse(
        _chunks(handle, first, last - first + 1), status=200 if wanted is None else 206
    )
    if wanted is not None:
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
    response["Content-Length"] = str(max(0, last - first + 1))
    response["Accept-Ranges"] = "bytes"
    response["Content-Type"] = content_type(name)
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{_quote(name)}"
    return response


def content_type(name: str) -> str:
    guessed, _ = mimetypes.guess_type(name)
    extra = {".flac": "audio/flac", ".m4a": "audio/mp4", ".webm": "video/webm"}
    return guessed or extra.get(os.path.splitext(name)[1].lower(), "application/octet-stream")


def _chunks(handle: BinaryIO, start: int, length: int) -> Iterator[bytes]:
    with handle:
        handle.seek(start)
        while length > 0:
            chunk = handle.read(min(_CHUNK, length))
            if not chunk:
                return
            length -= len(chunk)
            yield chunk


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")
