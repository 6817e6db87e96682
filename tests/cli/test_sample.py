"""``mediamill sample FILE``: a test input to try mediamill on, decoded to check it."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.decoded import decode

from mediamill.cli import main

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("name", "audio_codec", "video_codec"),
    [("song.mp3", "mp3", None), ("tone.flac", "flac", None), ("clip.mp4", "aac", "h264")],
)
def test_writes_media_of_the_named_kind(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    audio_codec: str,
    video_codec: str | None,
) -> None:
    path = tmp_path / name
    assert main(["sample", str(path), "--seconds", "2"]) == 0
    assert capsys.readouterr().out.startswith(f"{path}  ")
    media = decode(path)
    assert media.audio_codec == audio_codec and media.video_codec == video_codec
    assert 1.9 < media.duration < 2.2
    assert [p.name for p in tmp_path.iterdir()] == [name]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["{tmp}/song.txt"], "name it with one of .mp3"),
        (["{tmp}/song.mp3", "--seconds", "0"], "--seconds must be more than 0"),
        (["{tmp}/missing/song.mp3"], "does not exist"),
        (["{tmp}/exists.mp3"], "already exists (use --force to replace it)"),
    ],
)
def test_errors_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    (tmp_path / "exists.mp3").write_bytes(b"keep")
    assert main(["sample", *(a.replace("{tmp}", str(tmp_path)) for a in argv)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("mediamill sample: error: ") and message in err
    assert len(err.splitlines()) == 1
    assert (tmp_path / "exists.mp3").read_bytes() == b"keep"
