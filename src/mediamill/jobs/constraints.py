"""Request members checked the way Elastic Transcoder's front end checked them.

AWS validated every member against the service model before the service saw the request, and
reported *all* violations in one message::

    2 validation errors detected: Value null at 'name' failed to satisfy constraint: Member
    must not be null; Value 'x y' at 'inputBucket' failed to satisfy constraint: Member must
    satisfy regular expression pattern: ^(\\w|\\.|-){1,255}$

``Members`` reads values out of a JSON object and records each violation in that form, naming
members as AWS did (``inputBucket``, ``notifications.progressing``); ``done()`` raises one
``ValidationError`` with all of them. Checks that need more than one member (OutputBucket or
ContentConfig) come afterwards, in the modules that own those rules.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from mediamill.errors import ValidationError

ID = r"^\d{13}-\w{6}$"
BUCKET_NAME = r"^(\w|\.|-){1,255}$"
ROLE = r"^arn:aws:iam::\w{12}:role/.+$"
SNS_TOPIC = r"(^$)|(^arn:aws:sns:.*:\w{12}:.+$)"

# Java's \w and \d, which AWS's patterns were written for, are ASCII-only.
_COMPILED: dict[str, re.Pattern[str]] = {}


def matches(pattern: str, value: str) -> bool:
    """Whether ``value`` satisfies one of the model's anchored patterns."""
    compiled = _COMPILED.get(pattern)
    if compiled is None:
        compiled = _COMPILED[pattern] = re.compile(pattern, re.ASCII | re.DOTALL)
    # fullmatch, not search: "$" alone would also accept a trailing newline.
    return compiled.fullmatch(value) is not None


def member_name(wire_name: str) -> str:
    """``InputBucket`` -> ``inputBucket``: how AWS named members in validation messages."""
    return wire_name[:1].lower() + wire_name[1:]


def violation(value: object, where: str, constraint: str) -> str:
    return (
        f"Value {_show(value)} at '{where}' failed to satisfy constraint: Member must {constraint}"
    )


def raise_violations(violations: Sequence[str]) -> None:
    """Raise one ``ValidationError`` listing ``violations``, if there are any."""
    if not violations:
        return
    count = len(violations)
    plural = "error" if count == 1 else "errors"
    raise ValidationError(f"{count} validation {plural} detected: " + "; ".join(violations))


class Members:
    """Reads members of one JSON object; every reader returns None for a missing or bad value."""

    def __init__(self, data: object, where: str = "", violations: list[str] | None = None) -> None:
        self.violations = [] if violations is None else violations
        self.prefix = f"{where}." if where else ""
        if data is None:
            data = {}
        if not isinstance(data, Mapping):
            self.violations.append(violation(data, where or "body", "be an object"))
            data = {}
        self.data: Mapping[str, Any] = data

    def where(self, name: str) -> str:
        return self.prefix + member_name(name)

    def present(self, name: str) -> bool:
        return self.data.get(name) is not None

    def fail(self, name: str, value: object, constraint: str) -> None:
        self.violations.append(violation(value, self.where(name), constraint))

    def string(
        self,
        name: str,
        *,
        required: bool = False,
        min_length: int = 0,
        max_length: int | None = None,
        pattern: str | None = None,
        choices: Sequence[str] | None = None,
    ) -> str | None:
        value = self.data.get(name)
        if value is None:
            if required:
                self.fail(name, None, "not be null")
            return None
        if not isinstance(value, str):
            self.fail(name, value, "be a string")
            return None
        ok = True
        if len(value) < min_length:
            self.fail(name, value, f"have length greater than or equal to {min_length}")
            ok = False
        if max_length is not None and len(value) > max_length:
            self.fail(name, value, f"have length less than or equal to {max_length}")
            ok = False
        if pattern is not None and not matches(pattern, value):
            self.fail(name, value, f"satisfy regular expression pattern: {pattern}")
            ok = False
        if choices is not None and value not in choices:
            self.fail(name, value, f"satisfy enum value set: [{', '.join(choices)}]")
            ok = False
        return value if ok else None

    def object(self, name: str, *, required: bool = False) -> Members | None:
        """The member as a nested reader, sharing this reader's violations."""
        value = self.data.get(name)
        if value is None:
            if required:
                self.fail(name, None, "not be null")
            return None
        if not isinstance(value, Mapping):
            self.fail(name, value, "be an object")
            return None
        return Members(value, self.where(name), self.violations)

    def array(
        self, name: str, *, required: bool = False, max_items: int | None = None
    ) -> list[Any] | None:
        value = self.data.get(name)
        if value is None:
            if required:
                self.fail(name, None, "not be null")
            return None
        if not isinstance(value, list):
            self.fail(name, value, "be a list")
            return None
        if max_items is not None and len(value) > max_items:
            self.fail(name, value, f"have length less than or equal to {max_items}")
            return None
        return value

    def done(self) -> None:
        raise_violations(self.violations)


def _show(value: object) -> str:
    if value is None:
        return "null"
    text = value if isinstance(value, str) else repr(value)
    if len(text) > 200:
        text = text[:200] + "..."
    return f"'{text}'"
