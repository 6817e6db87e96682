"""Reading S3 event notifications as S3 servers post them, or as SNS wraps them.

    {"Records": [...]}                         MinIO, SeaweedFS, Ceph, AWS via a webhook
    {"Type": "Notification", "Message": "..."} AWS S3 -> SNS -> HTTPS (Message: the event)
    {"Type": "SubscriptionConfirmation", ...}  SNS asking the endpoint to confirm
    {"Event": "s3:TestEvent", ...}             sent when a notification is configured

Keys arrive form-encoded (``red+flower.mp3``) and are decoded with ``unquote_plus``. Pure
parsing, no I/O: ``parse`` returns a ``Notification`` or raises ``ValidationError`` saying
what is wrong.
"""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from mediamill.errors import ValidationError


@dataclass(frozen=True)
class Record:
    """One record of a notification."""

    event_name: str
    bucket: str
    key: str  # decoded
    size: int | None
    etag: str
    sequencer: str
    raw: dict[str, Any]

    @property
    def created(self) -> bool:
        return self.event_name.startswith("ObjectCreated:")

    @property
    def version(self) -> str:
        """What tells this version of the object from others: the ETag, else what there is."""
        if self.etag:
            return self.etag
        return f"{self.size}-{self.sequencer}"


@dataclass(frozen=True)
class Notification:
    kind: str  # "records", "test", "subscribe", "unsubscribe"
    records: tuple[Record, ...] = ()
    subscribe_url: str = ""
    envelope: dict[str, Any] = field(default_factory=dict)


def parse(body: bytes) -> Notification:
    document = _json(body, "the request body")
    if not isinstance(document, dict):
        raise ValidationError("an S3 event notification is a JSON object")
    kind = document.get("Type")
    if kind in ("SubscriptionConfirmation", "UnsubscribeConfirmation"):
        url = document.get("SubscribeURL")
        if not isinstance(url, str) or not url:
            raise ValidationError(f"an SNS {kind} has no SubscribeURL")
        short = "subscribe" if kind == "SubscriptionConfirmation" else "unsubscribe"
        return Notification(short, subscribe_url=url, envelope=document)
    if kind == "Notification":
        message = document.get("Message")
        if not isinstance(message, str):
            raise ValidationError("an SNS Notification's Message is a string")
        inner = _json(message.encode(), "the SNS Message")
        if not isinstance(inner, dict):
            raise ValidationError("the SNS Message is not an S3 event notification")
        return _notification(inner, document)
    return _notification(document, {})


def _notification(document: dict[str, Any], envelope: dict[str, Any]) -> Notification:
    if "Records" not in document:
        if document.get("Event") == "s3:TestEvent":
            return Notification("test", envelope=envelope)
        raise ValidationError("an S3 event notification has a 'Records' list")
    records = document["Records"]
    if not isinstance(records, list):
        raise ValidationError("'Records' is not a list")
    return Notification(
        "records", tuple(_record(r, i) for i, r in enumerate(records)), envelope=envelope
    )


def _record(raw: Any, index: int) -> Record:
    where = f"Records[{index}]"
    if not isinstance(raw, dict):
        raise ValidationError(f"{where} is not an object")
    name = raw.get("eventName")
    s3 = raw.get("s3")
    if not isinstance(name, str) or not isinstance(s3, dict):
        raise ValidationError(f"{where} has no eventName or s3 member")
    bucket = (s3.get("bucket") or {}).get("name") if isinstance(s3.get("bucket"), dict) else None
    obj = s3.get("object")
    if not isinstance(bucket, str) or not isinstance(obj, dict):
        raise ValidationError(f"{where}.s3 has no bucket name or object")
    key = obj.get("key")
    if not isinstance(key, str) or not key:
        raise ValidationError(f"{where}.s3.object.key is missing")
    size = obj.get("size")
    if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 0):
        raise ValidationError(f"{where}.s3.object.size is not a number of bytes")
    etag = obj.get("eTag") or obj.get("etag") or ""
    sequencer = obj.get("sequencer") or ""
    if not isinstance(etag, str) or not isinstance(sequencer, str):
        raise ValidationError(f"{where}.s3.object eTag and sequencer are strings")
    decoded = urllib.parse.unquote_plus(key, encoding="utf-8", errors="strict")
    name = name.removeprefix("s3:")
    return Record(name, bucket, decoded, size, etag.strip('"'), sequencer, raw)


def _json(data: bytes, what: str) -> Any:
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationError(f"{what} is not valid JSON: {exc}") from exc
