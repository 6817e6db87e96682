"""tus 1.0's headers, parsed at the edge (https://tus.io/protocols/resumable-upload)."""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata

from mediamill.errors import ValidationError

VERSION = "1.0.0"
EXTENSIONS = "creation,termination,expiration"
#: What a PATCH body must be labelled.
OFFSET_STREAM = "application/offset+octet-stream"

_METADATA_KEY = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_MAX_METADATA_PAIRS = 32


def parse_metadata(header: str) -> dict[str, str]:
    """``Upload-Metadata``: comma-separated ``key base64value`` pairs (the value optional)."""
    found: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in header.split(","))):
        key, _, encoded = pair.partition(" ")
        if not _METADATA_KEY.fullmatch(key) or key in found:
            raise ValidationError(f"Upload-Metadata: {key!r} is not a valid or unique key")
        try:
            value = base64.b64decode(encoded.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise ValidationError(
                f"Upload-Metadata: the value of {key!r} is not base64-encoded UTF-8"
            ) from exc
        found[key] = value
    if len(found) > _MAX_METADATA_PAIRS:
        raise ValidationError(f"Upload-Metadata: at most {_MAX_METADATA_PAIRS} entries")
    return found


def encode_metadata(metadata: dict[str, str]) -> str:
    return ",".join(
        f"{key} {base64.b64encode(value.encode()).decode()}" for key, value in metadata.items()
    )


def parse_length(value: str | None, name: str) -> int:
    """A non-negative decimal header value (``Upload-Length``, ``Upload-Offset``)."""
    if value is None:
        raise ValidationError(f"the {name} header is missing")
    if not value.isascii() or not value.isdigit() or len(value) > 19:
        raise ValidationError(f"{name} must be a non-negative integer, not {value[:40]!r}")
    return int(value)


def clean_filename(name: str) -> str:
    """The browser's file name, safe to show and store: no folders, controls or odd length."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip()
    name = name.lstrip(".") or "upload"
    if len(name.encode()) > 200:
        stem, dot, ext = name.rpartition(".")
        ext = ext if dot and len(ext) <= 10 else ""
        keep = (stem if dot else name).encode()[: 200 - len(ext) - 1].decode(errors="ignore")
        name = f"{keep}.{ext}" if ext else keep
    return name
