"""``mediamill transcode`` as a user runs it: a real process, real files, exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.decoded import decode

# Every test here runs the CLI in a new process.
pytestmark = pytest.mark.slow

TUTORIAL = ["1351620000001-300300", "1351620000001-300110", "1351620000001-100110"]


def mediamill(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mediamill", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
    )


def preset_args(*ids: str) -> list[str]:
    return [arg for pid in ids for arg in ("-p", pid)]


def test_tutorial_command(song_mp3: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    run = mediamill("transcode", song_mp3, *preset_args(*TUTORIAL), "-o", out)
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in out.iterdir()) == ["song.flac", "song.mp4", "song.wav"]

    wav, flac, mp4 = decode(out / "song.wav"), decode(out / "song.flac"), decode(out / "song.mp4")
    assert (wav.audio_codec, wav.sample_rate, wav.channels) == ("pcm_s16le", 44100, 2)
    assert (flac.audio_codec, flac.bits_per_sample, flac.sample_rate, flac.channels) == (
        "flac",
        16,
        44100,
        2,
    )
    assert (mp4.audio_codec, mp4.audio_profile, mp4.sample_rate, mp4.channels) == (
        "aac",
        "LC",
        44100,
        2,
    )
    assert mp4.video_codec is None
    assert mp4.audio_bit_rate == pytest.approx(256_000, rel=0.10)
    # Not a terminal: plain progress lines, ending at 100 %.
    assert "song.mp3 -> 3 outputs: 100%" in run.stderr
    assert "song.wav" in run.stdout


def test_names_are_unique_when_extensions_collide(song_mp3: Path, tmp_path: Path) -> None:
    run = mediamill(
        "transcode", song_mp3, *preset_args("1351620000001-100110", "1351620000001-100130"),
        "-o", tmp_path,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["song-100110.mp4", "song-100130.mp4"]


def _unwritable_dir(tmp_path: Path) -> Path:
    if os.geteuid() != 0:
        folder = tmp_path / "locked"
        folder.mkdir()
        folder.chmod(0o555)
        return folder
    # root ignores permission bits; sysfs refuses new files even to root.
    folder = Path("/sys/kernel")
    try:
        (folder / ".mediamill-probe").open("xb").close()
    except OSError:
        return folder
    pytest.skip("no folder here refuses writes to root")


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("text", "not a media file"),
        ("truncated", "truncated"),
        ("empty", "empty (0 bytes)"),
        ("unknown-preset", "unknown preset ID '1351620000001-999999'"),
        ("malformed-preset", "preset ID"),
        ("unwritable", "cannot write to output folder"),
        ("missing-input", "does not exist"),
    ],
)
def test_bad_inputs_fail_cleanly(
    request: pytest.FixtureRequest, tmp_path: Path, case: str, message: str
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    src = request.getfixturevalue("song_mp3")
    presets = preset_args(*TUTORIAL)
    if case in ("text", "truncated", "empty"):
        src = request.getfixturevalue(f"{case}_mp3")
    elif case == "unknown-preset":
        presets = preset_args(TUTORIAL[0], "1351620000001-999999")
    elif case == "malformed-preset":
        presets = preset_args("wav-please")
    elif case == "unwritable":
        out = _unwritable_dir(tmp_path)
    elif case == "missing-input":
        src = tmp_path / "nowhere.mp3"
    before = set(out.iterdir()) if out.is_dir() else set()

    run = mediamill("transcode", src, *presets, "-o", out)

    assert run.returncode == 1
    lines = run.stderr.strip().splitlines()
    assert lines[-1].startswith("mediamill transcode: error: ")
    assert message in lines[-1]
    assert "Traceback" not in run.stderr
    after = set(out.iterdir()) if out.is_dir() else set()
    assert after == before, "no partial or temporary file may be left behind"


def test_missing_output_folder_is_created(song_mp3: Path, tmp_path: Path) -> None:
    out = tmp_path / "new" / "out"
    run = mediamill("transcode", song_mp3, "-p", TUTORIAL[0], "-o", out, "-q")
    assert run.returncode == 0, run.stderr
    assert decode(out / "song.wav").audio_codec == "pcm_s16le"


def test_failed_run_removes_the_folders_it_created(text_mp3: Path, tmp_path: Path) -> None:
    run = mediamill("transcode", text_mp3, "-p", TUTORIAL[0], "-o", tmp_path / "a" / "b")
    assert run.returncode == 1
    assert not (tmp_path / "a").exists()


def test_existing_output_needs_force(song_mp3: Path, tmp_path: Path) -> None:
    (tmp_path / "song.wav").write_bytes(b"precious")
    run = mediamill("transcode", song_mp3, "-p", TUTORIAL[0], "-o", tmp_path)
    assert run.returncode == 1 and "already exists (use --force to replace it)" in run.stderr
    assert (tmp_path / "song.wav").read_bytes() == b"precious"
    run = mediamill("transcode", song_mp3, "-p", TUTORIAL[0], "-o", tmp_path, "--force", "-q")
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""
    assert decode(tmp_path / "song.wav").audio_codec == "pcm_s16le"


def test_help_lists_commands() -> None:
    run = mediamill("--help")
    assert run.returncode == 0
    assert "transcode" in run.stdout and "presets" in run.stdout


@pytest.mark.slow
def test_hls_and_thumbnails_from_the_command_line(tmp_path: Path) -> None:
    from mediamill.testing import write_video

    clip = write_video(tmp_path / "clip.mp4", 2.0, width=640, height=360)
    out = tmp_path / "out"
    out.mkdir()
    presets = preset_args("1351620000001-200050", "1351620000001-000010")
    run = mediamill("transcode", clip, *presets, "-o", out, "-s", "1", "--thumbnails")
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "clip-000010-00001.png",  # png every 60 s: the first frame only
        "clip-200050-00001.png",
        "clip.m3u8",
        "clip.mp4",
        "clip00000.ts",
        "clip00001.ts",
    ]
    assert sum(decode(out / f"clip0000{n}.ts").duration for n in (0, 1)) == pytest.approx(
        2.0, abs=0.1
    )
    assert decode(out / "clip-000010-00001.png").width == 192
    assert f"{out / 'clip.m3u8'}  1351620000001-200050" in run.stdout
