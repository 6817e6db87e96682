"""Requests checked against the service model, reported the way Elastic Transcoder did.

AWS validated every member against the model before its service saw the request, and
reported *all* violations in one message::

    2 validation errors detected: Value null at 'name' failed to satisfy constraint: Member
    must not be null; Value 'x y' at 'inputBucket' failed to satisfy constraint: Member must
    satisfy regular expression pattern: ^(\\w|\\.|-){1,255}$

Members are named as AWS named them: the wire name with a lower-case first letter, joined
by dots (``notifications.progressing``), and list elements as ``outputs.2.member`` (counted
from 1). This checks what the model states — required members, JSON types, lengths,
patterns (the model's enums are patterns) and list and map sizes. Members the model does
not know are left alone, as AWS left them; rules across members belong to the domain.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from mediamill.errors import LimitExceededError, ValidationError
from mediamill.servicemodel.model import input_members, matches, operations, shape

_SHOWN_MAX = 200

#: Members AWS checked in words of its own rather than by the model's pattern ("Role cannot
#: be blank", "Role ARN is invalid: ..."): the domain makes those checks (``jobs.pipelines``).
OWN_WORDS = {"Role"}
#: Documented limits AWS answered with LimitExceededException (429), not a validation error.
LIMITS = {("CreateJob", "Outputs")}


def check_operation(
    operation: str, members: Mapping[str, Any], only: Collection[str] | None = None
) -> None:
    """Raise one ``ValidationError`` listing every violation in an operation's input.

    ``members`` holds the input members by model name, wherever they travel (path, query
    string or body): ``{"Id": ..., "PageToken": ...}``. A list over one of ``LIMITS`` raises
    ``LimitExceededError`` instead. ``only`` limits the check to the members it names.
    """
    if operation not in operations():
        raise ValueError(f"the service model has no operation {operation!r}")
    found: list[str] = []
    for member in input_members(operation):
        if only is not None and member.name not in only:
            continue
        value = members.get(member.name)
        where = member_name(member.name)
        if member.name in OWN_WORDS:
            continue
        if (operation, member.name) in LIMITS and isinstance(value, list):
            over = _size(shape(member.shape), value, where)
            if over:
                raise LimitExceededError(f"1 validation error detected: {over[0]}")
        if value is None:
            if member.required:
                found.append(violation(None, where, "not be null"))
            continue
        found += violations(member.shape, value, where)
    raise_violations(found)


def check_shape(shape_name: str, value: object, where: str = "") -> None:
    """Raise one ``ValidationError`` listing every way ``value`` breaks ``shape_name``."""
    raise_violations(violations(shape_name, value, where))


def violations(shape_name: str, value: object, where: str) -> list[str]:
    """Every way ``value`` breaks the shape, in AWS's words (``value`` is not None)."""
    spec = shape(shape_name)
    kind = spec["type"]
    if kind == "structure":
        return _structure(spec, value, where)
    if kind == "list":
        return _list(spec, value, where)
    if kind == "map":
        return _map(spec, value, where)
    if kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            return [violation(value, where, "be a number")]
        return []
    if kind == "string":
        return _string(shape_name, spec, value, where)
    raise ValueError(f"shape {shape_name} has a type this validator does not know: {kind}")


def member_name(wire_name: str) -> str:
    """``InputBucket`` -> ``inputBucket``: how AWS named members in its messages."""
    return wire_name[:1].lower() + wire_name[1:]


def violation(value: object, where: str, constraint: str) -> str:
    return (
        f"Value {_show(value)} at '{where}' failed to satisfy constraint: Member must {constraint}"
    )


def raise_violations(found: list[str]) -> None:
    """Raise one ``ValidationError`` listing ``found``, if there is anything in it."""
    if not found:
        return
    count = len(found)
    plural = "error" if count == 1 else "errors"
    raise ValidationError(f"{count} validation {plural} detected: " + "; ".join(found))


def _structure(spec: dict[str, Any], value: object, where: str) -> list[str]:
    if not isinstance(value, Mapping):
        return [violation(value, where or "body", "be an object")]
    found: list[str] = []
    required = set(spec.get("required", ()))
    prefix = f"{where}." if where else ""
    for name, member in spec["members"].items():
        item = value.get(name)
        if item is None:
            if name in required:
                found.append(violation(None, prefix + member_name(name), "not be null"))
            continue
        found += violations(member["shape"], item, prefix + member_name(name))
    return found


def _list(spec: dict[str, Any], value: object, where: str) -> list[str]:
    if not isinstance(value, list):
        return [violation(value, where, "be a list")]
    found = _size(spec, value, where)
    for index, item in enumerate(value, start=1):
        item_where = f"{where}.{index}.member"
        if item is None:
            found.append(violation(None, item_where, "not be null"))
        else:
            found += violations(spec["member"]["shape"], item, item_where)
    return found


def _map(spec: dict[str, Any], value: object, where: str) -> list[str]:
    if not isinstance(value, Mapping):
        return [violation(value, where, "be an object")]
    found = _size(spec, value, where)
    for key, item in value.items():
        found += violations(spec["key"]["shape"], key, f"{where}.key")
        if item is None:
            found.append(violation(None, f"{where}.{key}", "not be null"))
        else:
            found += violations(spec["value"]["shape"], item, f"{where}.{key}")
    return found


def _size(spec: dict[str, Any], value: list[Any] | Mapping[Any, Any], where: str) -> list[str]:
    found = []
    if "min" in spec and len(value) < spec["min"]:
        found.append(violation(value, where, f"have length greater than or equal to {spec['min']}"))
    if "max" in spec and len(value) > spec["max"]:
        found.append(violation(value, where, f"have length less than or equal to {spec['max']}"))
    return found


def _string(shape_name: str, spec: dict[str, Any], value: object, where: str) -> list[str]:
    if not isinstance(value, str):
        return [violation(value, where, "be a string")]
    found = []
    if "min" in spec and len(value) < spec["min"]:
        found.append(violation(value, where, f"have length greater than or equal to {spec['min']}"))
    if "max" in spec and len(value) > spec["max"]:
        found.append(violation(value, where, f"have length less than or equal to {spec['max']}"))
    if "pattern" in spec and not matches(shape_name, value):
        found.append(
            violation(value, where, f"satisfy regular expression pattern: {spec['pattern']}")
        )
    return found


def _show(value: object) -> str:
    if value is None:
        return "null"
    text = value if isinstance(value, str) else repr(value)
    if len(text) > _SHOWN_MAX:
        text = text[:_SHOWN_MAX] + "..."
    return f"'{text}'"
