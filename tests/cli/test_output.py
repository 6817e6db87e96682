"""The one table style, ``show``'s fields and the JSON every ``--json`` prints."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from mediamill.cli.output import print_fields, print_json, print_table, table, timestamp


def test_table_aligns_columns_and_shows_missing_values_as_dashes() -> None:
    text = table(["ID", "NAME", "NOTE"], [("1", "long name", None), (22, "x", "last column")])
    assert text.splitlines() == [
        "ID  NAME       NOTE",
        "1   long name  -",
        "22  x          last column",
    ]


def test_empty_table_prints_the_sentence(capsys: pytest.CaptureFixture[str]) -> None:
    print_table(["A"], [], empty="nothing yet (make one with `x`)")
    assert capsys.readouterr().out == "nothing yet (make one with `x`)\n"


def test_fields(capsys: pytest.CaptureFixture[str]) -> None:
    print_fields([("id", "1"), ("long name", None)])
    assert capsys.readouterr().out == "id:         1\nlong name:  -\n"


def test_json_writes_times_in_utc(capsys: pytest.CaptureFixture[str]) -> None:
    when = dt.datetime(2025, 6, 1, 14, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    print_json({"at": when, "n": 1})
    assert json.loads(capsys.readouterr().out) == {"at": "2025-06-01T12:00:00Z", "n": 1}


def test_timestamp() -> None:
    assert timestamp(None) is None
    assert timestamp(0) == "1970-01-01 00:00:00"
    assert timestamp(dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.UTC)) == "2025-06-01 12:00:00"
