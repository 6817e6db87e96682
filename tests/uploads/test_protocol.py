"""tus headers parsed at the edge: metadata, lengths, the browser's file name."""

from __future__ import annotations

import pytest

from mediamill.errors import ValidationError
from mediamill.uploads.protocol import (
    clean_filename,
    encode_metadata,
    parse_length,
    parse_metadata,
)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("", {}),
        ("filename c29uZy5tcDM=", {"filename": "song.mp3"}),
        ("filename c29uZy5tcDM=,recipe Mw==", {"filename": "song.mp3", "recipe": "3"}),
        ("is_confidential", {"is_confidential": ""}),  # a key without a value
        ("name 8J+OtS5tcDM=", {"name": "\U0001f3b5.mp3"}),
    ],
)
def test_metadata_is_decoded(header: str, expected: dict[str, str]) -> None:
    assert parse_metadata(header) == expected
    assert parse_metadata(encode_metadata(expected)) == expected


@pytest.mark.parametrize(
    ("header", "problem"),
    [
        ("filename song.mp3", "base64"),
        ("filename //79", "UTF-8"),
        ("a Mw==,a Mw==", "unique"),
        ("bad:key Mw==", "valid"),
        (",".join(f"k{n} Mw==" for n in range(40)), "at most 32"),
    ],
)
def test_bad_metadata_is_refused(header: str, problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        parse_metadata(header)


@pytest.mark.parametrize("value", [None, "", "-1", "1.5", "١٢", "12345678901234567890", "0x10"])
def test_bad_lengths_are_refused(value: str | None) -> None:
    with pytest.raises(ValidationError, match="Upload-Length"):
        parse_length(value, "Upload-Length")


def test_lengths_are_read() -> None:
    assert parse_length("0", "Upload-Offset") == 0
    assert parse_length("2147483648", "Upload-Length") == 2**31


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("song.mp3", "song.mp3"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\song.mp3", "song.mp3"),
        (".hidden.mp3", "hidden.mp3"),
        ("", "upload"),
        ("bell\x07\u202e3pm.exe", "bell3pm.exe"),  # control and bidi-override characters go
        ("a" * 300 + ".flac", "a" * 195 + ".flac"),  # 200 bytes, the extension kept
    ],
)
def test_file_names_are_cleaned(name: str, expected: str) -> None:
    assert clean_filename(name) == expected
