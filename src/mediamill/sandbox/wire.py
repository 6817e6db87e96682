"""The child's answers as JSON lines: data that cannot run code when it is read.

The child is where hostile input is decoded, so whatever it sends back is untrusted; the
parent must never unpickle it (unpickling calls whatever the stream names). Each answer is
one line of JSON, ``{"kind": ..., "payload": ...}``, whose payload is built from JSON values
and a few tagged objects:

- ``{"$tuple": [...]}``, ``{"$fraction": [numerator, denominator]}``, ``{"$dict": {...}}``;
- ``{"$dataclass": NAME, "fields": {...}}``, decoded only into a dataclass the caller named
  (``types``), never into a class looked up by the name the child sent;
- ``{"$error": NAME, "message": ..., "code": ..., "attrs": {...}}``, decoded only into an
  error class of ``mediamill.errors``.

Anything else (an unknown tag or class, a field the dataclass lacks, a line that is not
JSON or is longer than ``MAX_LINE``) is a ``WireError``: the parent treats the child as broken.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from mediamill import errors
from mediamill.errors import MediamillError

#: The longest answer line accepted (a result with many streams is a few KiB).
MAX_LINE = 1024 * 1024

_ERRORS: dict[str, type[MediamillError]] = {
    name: cls
    for name, cls in vars(errors).items()
    if isinstance(cls, type) and issubclass(cls, MediamillError)
}


class WireError(ValueError):
    """An answer that does not follow the format above."""


def dumps(kind: str, payload: Any) -> bytes:
    return json.dumps({"kind": kind, "payload": encode(payload)}).encode() + b"\n"


def loads(line: bytes, types: Mapping[str, type]) -> tuple[str, Any]:
    if len(line) > MAX_LINE or not line.endswith(b"\n"):
        raise WireError("answer line missing its end or too long")
    try:
        message = json.loads(line)
    except ValueError as exc:
        raise WireError(f"answer is not JSON: {exc}") from None
    if not isinstance(message, dict) or set(message) != {"kind", "payload"}:
        raise WireError("answer is not a {kind, payload} object")
    kind = message["kind"]
    if kind not in ("event", "result", "error", "confined"):
        raise WireError(f"unknown answer kind {kind!r}")
    payload = decode(message["payload"], types)
    if kind == "error" and not isinstance(payload, MediamillError):
        raise WireError("an error answer must carry an error")
    return kind, payload


def encode(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, tuple):
        return {"$tuple": [encode(v) for v in value]}
    if isinstance(value, Fraction):
        return {"$fraction": [value.numerator, value.denominator]}
    if isinstance(value, dict):
        return {"$dict": {str(k): encode(v) for k, v in value.items()}}
    if isinstance(value, MediamillError):
        attrs = {k: v for k, v in vars(value).items() if k not in ("message", "code")}
        return {
            "$error": type(value).__name__,
            "message": value.message,
            "code": value.code,
            "attrs": {k: encode(v) for k, v in attrs.items()},
        }
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"$dataclass": type(value).__name__, "fields": fields}
    raise TypeError(f"cannot send a {type(value).__name__} from the sandbox")


def decode(data: Any, types: Mapping[str, type]) -> Any:
    if data is None or isinstance(data, bool | int | float | str):
        return data
    if isinstance(data, list):
        return [decode(v, types) for v in data]
    if not isinstance(data, dict) or len(data) == 0:
        raise WireError("unexpected value")
    if "$tuple" in data:
        return tuple(decode(v, types) for v in _list(data["$tuple"]))
    if "$fraction" in data:
        numerator, denominator = _list(data["$fraction"])
        if not isinstance(numerator, int) or not isinstance(denominator, int) or not denominator:
            raise WireError("bad fraction")
        return Fraction(numerator, denominator)
    if "$dict" in data:
        items = data["$dict"]
        if not isinstance(items, dict):
            raise WireError("bad dict")
        return {k: decode(v, types) for k, v in items.items()}
    if "$dataclass" in data:
        return _dataclass(data, types)
    if "$error" in data:
        return _error(data, types)
    raise WireError("unknown tagged value")


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise WireError("expected a list")
    return value


def _dataclass(data: dict[str, Any], types: Mapping[str, type]) -> Any:
    cls = types.get(data["$dataclass"]) if isinstance(data["$dataclass"], str) else None
    fields = data.get("fields")
    if cls is None or not isinstance(fields, dict):
        raise WireError(f"unexpected object {str(data['$dataclass'])[:40]!r}")
    known = {f.name for f in dataclasses.fields(cls) if f.init}
    if set(fields) != known:
        raise WireError(f"fields of {cls.__name__} do not match")
    return cls(**{k: decode(v, types) for k, v in fields.items()})


def _error(data: dict[str, Any], types: Mapping[str, type]) -> MediamillError:
    name, message, code, attrs = (data.get(k) for k in ("$error", "message", "code", "attrs"))
    cls = _ERRORS.get(name) if isinstance(name, str) else None
    if cls is None or not isinstance(message, str) or not isinstance(code, int):
        raise WireError("bad error")
    if not isinstance(attrs, dict):
        raise WireError("bad error attributes")
    err = cls.__new__(cls)
    Exception.__init__(err, message)
    err.__dict__.update({k: decode(v, types) for k, v in attrs.items()})
    err.message = message
    err.code = code
    return err
