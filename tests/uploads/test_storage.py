"""The S3 part size: within S3's limits, and dividing the piece size the browser sends."""

from __future__ import annotations

import pytest

from mediamill.errors import LimitExceededError
from mediamill.uploads.storage import part_size

MiB = 1024 * 1024
GiB = 1024 * MiB


@pytest.mark.parametrize(
    ("chunk_mb", "length", "expected"),
    [
        ("64", 10 * MiB, 8 * MiB),  # the usual part
        ("5", 10 * MiB, 5 * MiB),  # pieces of 5 MiB: parts of 5 MiB, S3's smallest
        ("64", 100 * GiB, 16 * MiB),  # 11 MiB needed for 10,000 parts; 16 divides 64
        ("24", 10 * MiB, 8 * MiB),
        ("20", 10 * MiB, 10 * MiB),  # 8 does not divide 20; 10 does
    ],
)
def test_part_size(
    chunk_mb: str, length: int, expected: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEDIAMILL_UPLOAD_CHUNK_MB", chunk_mb)
    assert part_size(length) == expected


def test_a_file_needing_parts_larger_than_a_piece_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MEDIAMILL_UPLOAD_CHUNK_MB", "5")
    with pytest.raises(LimitExceededError, match="MEDIAMILL_UPLOAD_CHUNK_MB"):
        part_size(100 * GiB)
