"""The two functions the web app installs: where an upload goes, and what happens when done.

The uploads app receives bytes; what a file means to a person (the library item, the job
started from a recipe) belongs to the web app, which sits beside it in the delivery layer.
Rather than import the web app, the uploads app asks these hooks, which ``WebConfig.ready``
installs. With no destination installed, uploads are refused (503), never stored somewhere
arbitrary.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@dataclass(frozen=True)
class UploadTarget:
    """Where an upload is stored: an object key in a bucket."""

    bucket: str
    key: str


@dataclass(frozen=True)
class CompletedUpload:
    """An upload whose bytes have all arrived, been published and probed as media."""

    user: User
    bucket: str
    key: str
    filename: str  # as the browser named it, sanitised
    size: int
    metadata: dict[str, str]  # the tus Upload-Metadata, decoded (e.g. {"recipe": "3"})


Destination = Callable[["User", str, dict[str, str]], UploadTarget]
CompletionHandler = Callable[[CompletedUpload], dict[str, str]]

_destination: Destination | None = None
_on_complete: CompletionHandler | None = None


def set_destination(fn: Destination) -> None:
    """Install ``fn(user, filename, metadata) -> UploadTarget``, asked at each creation.

    It may raise ``mediamill.errors.ValidationError`` (say, an unknown recipe): the upload
    is refused with its message (400) before any byte is sent.
    """
    global _destination
    _destination = fn


def set_on_complete(fn: CompletionHandler) -> None:
    """Install ``fn(CompletedUpload) -> dict``, called once per upload when it is complete.

    Its result is sent to the browser (the ``Upload-Result`` header). It may raise
    ``mediamill.errors.ValidationError``: the object is removed and the browser told why (422).
    """
    global _on_complete
    _on_complete = fn


def destination() -> Destination | None:
    return _destination


def on_complete() -> CompletionHandler | None:
    return _on_complete


def clear() -> None:
    """Remove both hooks (for tests): uploads are refused again until they are installed."""
    global _destination, _on_complete
    _destination = _on_complete = None
