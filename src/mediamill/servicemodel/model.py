"""The Elastic Transcoder service description (botocore's ``service-2.json``), read once.

The file is vendored unchanged in ``data/elastictranscoder/2012-09-25/service-2.json``
(Apache-2.0, see ``data/NOTICE``), in botocore's own data layout so that botocore's loader
can read it too (``mediamill.client``): it is what
boto3 clients were built from, so it is the authority on every operation, member, pattern
and limit. Nothing here knows HTTP or Django.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

API_VERSION = "2012-09-25"
#: The folder to give botocore's loader as a search path; it holds ``elastictranscoder/``.
DATA = resources.files("mediamill.servicemodel").joinpath("data")
_FILE = DATA.joinpath("elastictranscoder", API_VERSION, "service-2.json")


@cache
def description() -> dict[str, Any]:
    """The whole service description, as parsed JSON (do not change it)."""
    text = _FILE.read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def shape(name: str) -> dict[str, Any]:
    """One shape of the model, by name (``"Id"``, ``"CreateJobRequest"``)."""
    found: dict[str, Any] = description()["shapes"][name]
    return found


def operations() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = description()["operations"]
    return found


@cache
def pattern(shape_name: str) -> re.Pattern[str]:
    """The compiled ``pattern`` of a string shape, with the model's Java semantics.

    The patterns were written for Java, whose ``\\w`` and ``\\d`` are ASCII-only and whose
    ``matches`` must consume the whole value; hence ``re.ASCII`` and ``fullmatch`` (a bare
    ``$`` would otherwise also accept a trailing newline).
    """
    return re.compile(shape(shape_name)["pattern"], re.ASCII)


def matches(shape_name: str, value: str) -> bool:
    return pattern(shape_name).fullmatch(value) is not None


@dataclass(frozen=True)
class Member:
    """One member of an operation's input: where it travels and what shape it has."""

    name: str
    shape: str
    location: str  # "uri", "querystring" or "body"
    required: bool


def input_members(operation: str) -> list[Member]:
    request = shape(operations()[operation]["input"]["shape"])
    required = set(request.get("required", ()))
    return [
        Member(name, spec["shape"], spec.get("location", "body"), name in required)
        for name, spec in request["members"].items()
    ]
