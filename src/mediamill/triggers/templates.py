"""Output key templates: ``transcoded/{stem}.wav`` made from the key that fired the rule.

    {key}   the whole key             media/live/red flower.mp3
    {dir}   the folders, no final /   media/live
    {name}  the last part             red flower.mp3
    {stem}  the name without its extension   red flower
    {ext}   the extension, no dot     mp3

Parsed once when a rule is made (unknown or positional fields are refused then), so a rule
that exists can always be expanded. No I/O, no Django.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from mediamill.errors import ValidationError

FIELDS = ("key", "dir", "name", "stem", "ext")


def check(template: str, what: str) -> None:
    """``ValidationError`` unless ``template`` uses only the fields above, plainly."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ValidationError(f"{what} {template!r}: {exc}") from exc
    for _literal, field, spec, conversion in parsed:
        if field is None:
            continue
        if field not in FIELDS or spec or conversion:
            known = ", ".join("{" + f + "}" for f in FIELDS)
            raise ValidationError(f"{what} {template!r}: {{{field}}} is not one of {known}")


def fields(key: str) -> dict[str, str]:
    folder, _, name = key.rpartition("/")
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:  # "song" or ".hidden": no extension
        stem, ext = name, ""
    return {"key": key, "dir": folder, "name": name, "stem": stem, "ext": ext}


def expand(template: str, key: str) -> str:
    return template.format_map(fields(key))


@dataclass(frozen=True)
class Reach:
    """What can be said of every key a template makes: its fixed start and end.

    ``start`` is None when the start depends on the input key only through its folder
    (``{dir}/...``, ``{key}...``): then it begins with the folder of the rule's prefix.
    """

    start: str
    end: str  # "" when the end depends on the input key


def reach(template: str, rule_prefix: str) -> Reach:
    parsed = list(string.Formatter().parse(template))
    start = ""
    for literal, field, _spec, _conv in parsed:
        start += literal
        if field is None:
            continue
        if not start and field in ("dir", "key"):
            # The key starts with the input's folder, which starts with the prefix's.
            start = rule_prefix.rpartition("/")[0]
            start = start + "/" if start and field == "dir" else start
        break
    end = parsed[-1][0] if parsed and parsed[-1][1] is None else ""
    return Reach(start, end)
