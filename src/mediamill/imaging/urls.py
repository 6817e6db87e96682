"""Signed resize URLs for Python callers: ``resize_url("media", "photos/cat.jpg", "800x600")``.

The CLI's ``sign-url``, the ``{% resize_url %}`` template tag and Python code all call this,
so they produce the same URL.
"""

from __future__ import annotations

import time
from pathlib import PurePosixPath

from mediamill import settings
from mediamill.buckets import validate_bucket_name, validate_key
from mediamill.errors import ValidationError
from mediamill.images import FORMATS, build_path, parse_spec
from mediamill.imaging.keyring import Keyring, default_keyring


def resize_url(
    bucket: str,
    key: str,
    spec: str,
    *,
    expires_in: int | None = None,
    keyring: Keyring | None = None,
    now: float | None = None,
) -> str:
    """The absolute URL (on ``MEDIAMILL_PUBLIC_URL``) of a resize of ``key`` in ``bucket``.

    ``spec`` is a resize spec, optionally followed by the output format: ``800x600-fill.webp``.
    Without one, the output has the original's format, read from its key's extension
    (``cat.jpg`` → jpg). ``expires_in``: seconds the URL stays valid (None: for good).
    ``ValidationError`` for a bad spec, bucket name, key or format.
    """
    base: str = settings.get("MEDIAMILL_PUBLIC_URL")
    return base + resize_path(bucket, key, spec, expires_in=expires_in, keyring=keyring, now=now)


def resize_path(
    bucket: str,
    key: str,
    spec: str,
    *,
    expires_in: int | None = None,
    keyring: Keyring | None = None,
    now: float | None = None,
) -> str:
    """As ``resize_url``, without the server's address (``/images/...``)."""
    validate_bucket_name(bucket)
    validate_key(key)
    text, dot, extension = spec.partition(".")
    if not dot:
        extension = PurePosixPath(key).suffix.lstrip(".").lower()
        if extension not in FORMATS:
            raise ValidationError(
                f"cannot tell the output format from the key {key[:60]!r}: add it to the spec "
                f"({text}.jpg, .png, .webp, .avif or .gif)"
            )
    elif extension not in FORMATS:
        raise ValidationError(
            f"unknown output format {extension[:10]!r}: use jpg, png, webp, avif or gif"
        )
    parse_spec(
        text,
        max_width=settings.get("MEDIAMILL_IMAGE_MAX_WIDTH"),
        max_height=settings.get("MEDIAMILL_IMAGE_MAX_HEIGHT"),
    )
    if expires_in is not None and expires_in <= 0:
        raise ValidationError("the expiry must be a positive number of seconds")
    expires = None if expires_in is None else int((now or time.time()) + expires_in)
    signing_key = (keyring or default_keyring()).current()
    return build_path(signing_key.secret, signing_key.key_id, bucket, key, text, extension, expires)
