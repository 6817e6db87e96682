"""Which object keys and bucket names are acceptable. Pure functions, no I/O.

Keys follow Elastic Transcoder's output ``Key`` (1-255 characters) and are also refused when
they could mean something else on a file system: local buckets turn a key into a path, so
anything a path would interpret (``..``, ``.``, a leading ``/``, ``\\``, empty segments that
make ``a//b`` and ``a/b`` one file) is refused for every bucket, and keys stay portable
between a folder and S3.
"""

from __future__ import annotations

import re
import unicodedata

from mediamill.errors import BucketError, InvalidKeyError

MAX_KEY_LENGTH = 255

# Elastic Transcoder's BucketName pattern; Java's \w is ASCII-only, hence re.ASCII.
_BUCKET_NAME = re.compile(r"(\w|\.|-){1,255}", re.ASCII)


def key_problem(key: str) -> str | None:
    """Why ``key`` is refused, or None when it is acceptable."""
    if not key:
        return "it is empty"
    if len(key) > MAX_KEY_LENGTH:
        return f"it is {len(key)} characters long, more than {MAX_KEY_LENGTH}"
    for char in key:
        if unicodedata.category(char) == "Cc":
            return f"it contains the control character U+{ord(char):04X}"
    try:
        key.encode("utf-8")
    except UnicodeEncodeError:
        # Lone surrogates, e.g. an undecodable file name passed through os.fsdecode.
        return "it is not valid Unicode"
    if "\\" in key:
        return "it contains a backslash"
    if key.startswith("/"):
        return "it is an absolute path (starts with '/')"
    for segment in key.split("/"):
        if segment == "..":
            return "it contains a '..' segment"
        if segment == ".":
            return "it contains a '.' segment"
        if not segment:
            return "it contains an empty segment ('//' or a trailing '/')"
    return None


def validate_key(key: str) -> str:
    """``key`` unchanged, or ``InvalidKeyError`` naming the problem."""
    problem = key_problem(key)
    if problem is not None:
        raise InvalidKeyError(key, problem)
    return key


def validate_bucket_name(name: str) -> str:
    """``name`` unchanged if Elastic Transcoder would accept it as a bucket name."""
    # "." and ".." match the pattern, but as a folder name they mean the parent folder.
    if not _BUCKET_NAME.fullmatch(name) or name in (".", ".."):
        raise BucketError(
            f"invalid bucket name {name[:60]!r}: use 1-255 letters, digits, '_', '.' and '-' "
            "(not '.' or '..')",
            code=1000,
        )
    return name
