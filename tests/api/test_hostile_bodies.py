"""Request bodies that once made the server answer 500 are 400 ValidationException.

Each case was a 500 before: Python refuses to convert an integer of more than 4,300 digits
(``ValueError`` inside ``json.loads``), SQLite cannot encode a lone surrogate, and PostgreSQL
refuses NUL in text (the PostgreSQL lane runs it again there).
The body is checked once, where it is parsed, so every operation is covered.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import requests
from django.contrib.auth.models import User
from tests.api_helpers import ROLE, Client, new_pipeline

from mediamill.jobs.models import Pipeline

pytestmark = pytest.mark.django_db(transaction=True)

Signed = Callable[[User], requests.Session]


def _pipeline_body(name: str) -> bytes:
    """CreatePipeline's body with ``name`` inserted as written: JSON escapes stay escapes."""
    members = '"InputBucket": "uploads", "OutputBucket": "media", "Role": "' + ROLE + '"'
    return ('{"Name": "' + name + '", ' + members + "}").encode()


def _refused(response: requests.Response) -> str:
    assert response.status_code == 400, response.text
    assert response.headers["x-amzn-ErrorType"] == "ValidationException"
    message: str = response.json()["message"]
    return message


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("\\u0000", "U+0000"),
        ("audio\\u0000files", "U+0000"),
        ("\\ud800", "U+D800"),
        ("tail \\udfff", "U+DFFF"),
    ],
)
def test_nul_and_lone_surrogates_in_a_name_are_400(
    live_server: Any, signed_as: Signed, alice: User, name: str, expected: str
) -> None:
    session = signed_as(alice)
    response = session.post(
        f"{live_server.url}/2012-09-25/pipelines", data=_pipeline_body(name), timeout=10
    )
    message = _refused(response)
    assert expected in message and "Name" in message
    assert not Pipeline.objects.exists()


def test_a_valid_surrogate_pair_is_accepted(et: Client, signed_as: Signed, alice: User) -> None:
    """An escaped pair (U+1F600 written as \\ud83d\\ude00) is one character, not a surrogate."""
    session = signed_as(alice)
    url = et.meta.endpoint_url + "/2012-09-25/pipelines"
    response = session.post(url, data=_pipeline_body("\\ud83d\\ude00 songs"), timeout=10)
    assert response.status_code == 201, response.text
    assert response.json()["Pipeline"]["Name"] == "\U0001f600 songs"


def test_strings_are_checked_everywhere_in_the_body(
    et: Client, signed_as: Signed, alice: User
) -> None:
    pipeline = new_pipeline(et)
    session = signed_as(alice)
    url = et.meta.endpoint_url + "/2012-09-25/jobs"
    body = {
        "PipelineId": pipeline["Id"],
        "Input": {"Key": "song.mp3"},
        "Outputs": [{"Key": "a.wav", "PresetId": "1351620000001-300300"}],
        "UserMetadata": {"note": "x\u0000y"},
    }
    message = _refused(session.post(url, data=json.dumps(body), timeout=10))
    assert "UserMetadata.note" in message and "U+0000" in message
    body["UserMetadata"] = {"bad\ud800key": "x"}
    message = _refused(session.post(url, data=json.dumps(body), timeout=10))
    assert "U+D800" in message
    body["UserMetadata"] = {}
    body["Outputs"] = [{"Key": "a\u0000.wav", "PresetId": "1351620000001-300300"}]
    message = _refused(session.post(url, data=json.dumps(body), timeout=10))
    assert "Outputs[0].Key" in message


@pytest.mark.parametrize("digits", [4301, 100_000])
def test_huge_integers_are_400(
    live_server: Any, signed_as: Signed, alice: User, digits: int
) -> None:
    session = signed_as(alice)
    body = b'{"Name": "x", "InputBucket": "uploads", "Role": "r", "Extra": ' + b"9" * digits + b"}"
    message = _refused(
        session.post(f"{live_server.url}/2012-09-25/pipelines", data=body, timeout=10)
    )
    assert "not valid JSON" in message and "digits" in message
