"""Which bucket a name means: ``MEDIAMILL_BUCKETS`` and the S3 settings, read when asked.

``MEDIAMILL_BUCKETS`` is a list of ``NAME=LOCATION`` entries separated by ``;``::

    media=s3://my-media;archive=file:///srv/archive;*=s3://*

A LOCATION is ``s3://BUCKET`` (on the server of ``MEDIAMILL_S3_ENDPOINT_URL``) or
``file:///ABSOLUTE/PATH`` (percent-encoded like any file URL). The entry named ``*`` is the
default for names not listed, and there ``*`` in the location stands for the name. Without a
``*`` entry, a name not listed is the folder ``MEDIAMILL_DATA_DIR/buckets/NAME``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import unquote

from mediamill import settings
from mediamill.buckets.base import Bucket
from mediamill.buckets.local import LocalBucket
from mediamill.buckets.object_keys import validate_bucket_name
from mediamill.errors import BucketError, ConfigurationError

_S3_NAME = re.compile(r"[A-Za-z0-9._*-]{1,255}")


@dataclass(frozen=True)
class Location:
    kind: Literal["s3", "file"]
    target: str
    """The S3 bucket's name, or the folder's absolute path."""

    def for_name(self, name: str) -> Location:
        return Location(self.kind, self.target.replace("*", name))


def parse_buckets(raw: str) -> dict[str, Location]:
    """``MEDIAMILL_BUCKETS`` as a mapping; ``ConfigurationError`` names the bad entry."""
    table: dict[str, Location] = {}
    for item in raw.split(";"):
        if not item.strip():
            continue
        name, equals, location = (part.strip() for part in item.partition("="))
        if not equals:
            raise _invalid(f"{item.strip()!r} is not NAME=LOCATION")
        if name != "*":
            try:
                validate_bucket_name(name)
            except BucketError as exc:
                raise _invalid(exc.message) from exc
        if name in table:
            raise _invalid(f"bucket {name!r} is given twice")
        table[name] = _parse_location(name, location)
    return table


def get_bucket(name: str) -> Bucket:
    """The bucket called ``name``, as the settings define it now."""
    validate_bucket_name(name)
    table = parse_buckets(settings.get("MEDIAMILL_BUCKETS"))
    location = table.get(name)
    if location is None and "*" in table:
        location = table["*"].for_name(name)
    if location is None:
        return LocalBucket(name, Path(settings.get("MEDIAMILL_DATA_DIR")) / "buckets" / name)
    if location.kind == "file":
        return LocalBucket(name, location.target)
    from mediamill.buckets.s3 import S3Bucket

    return S3Bucket(
        name,
        location.target,
        endpoint_url=settings.get("MEDIAMILL_S3_ENDPOINT_URL"),
        access_key_id=settings.get("MEDIAMILL_S3_ACCESS_KEY_ID"),
        secret_access_key=settings.get("MEDIAMILL_S3_SECRET_ACCESS_KEY"),
        region=settings.get("MEDIAMILL_S3_REGION"),
    )


def _parse_location(name: str, location: str) -> Location:
    scheme, separator, rest = location.partition("://")
    if "*" in rest and name != "*":
        raise _invalid(f"bucket {name!r}: '*' stands for a name only in the '*=' entry")
    if separator and scheme == "s3":
        if not _S3_NAME.fullmatch(rest):
            raise _invalid(f"bucket {name!r}: {location!r} is not s3://BUCKET")
        return Location("s3", rest)
    if separator and scheme == "file":
        # file:///srv/x has an empty host; file://srv/x would name a host "srv".
        if not rest.startswith("/"):
            raise _invalid(f"bucket {name!r}: {location!r} is not file:///ABSOLUTE/PATH")
        return Location("file", unquote(rest))
    raise _invalid(f"bucket {name!r}: {location!r} is neither s3://BUCKET nor file:///PATH")


def _invalid(problem: str) -> ConfigurationError:
    return ConfigurationError(f"MEDIAMILL_BUCKETS is not valid: {problem}")
