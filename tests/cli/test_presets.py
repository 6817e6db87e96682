"""``mediamill presets``: the list table, one preset shown, JSON output and errors."""

from __future__ import annotations

import json

import pytest

from mediamill.cli import main
from mediamill.presets import SYSTEM_PRESETS, get_system, to_wire


@pytest.mark.parametrize("argv", [["presets"], ["presets", "list"]])
def test_list_table(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert err == ""
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "CONTAINER", "NAME", "SETTINGS"]
    assert len(lines) == 1 + 62
    assert [line.split()[0] for line in lines[1:]] == list(SYSTEM_PRESETS)
    row = next(line for line in lines if line.startswith("1351620000001-300300"))
    assert row.split(None, 2)[1] == "wav"
    assert "Audio WAV 44100 Hz, 16 bit - CD Quality" in row
    assert "pcm 16-bit 44.1 kHz stereo" in row
    row = next(line for line in lines if line.startswith("1351620000001-000010"))
    assert "H.264 baseline L3.1 1280x720 2400k 29.97 fps; AAC-LC 160k 44.1 kHz stereo" in row


@pytest.mark.parametrize(
    "argv", [["presets", "--json"], ["presets", "list", "--json"], ["presets", "--json", "list"]]
)
def test_list_json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed == [to_wire(p) for p in SYSTEM_PRESETS.values()]


def test_show(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["presets", "show", "1351620000001-100110"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    lines = out.splitlines()
    assert lines[0] == "1351620000001-100110  System preset: Audio AAC - 256k"
    assert lines[1] == "AAC-LC 256k 44.1 kHz stereo"
    fields = dict(line.split(None, 1) for line in lines[3:])
    assert fields == {
        "Id": "1351620000001-100110",
        "Name": "System preset: Audio AAC - 256k",
        "Description": "System preset: Audio AAC - 256 kilobits/second",
        "Container": "mp4",
        "Audio.Codec": "AAC",
        "Audio.SampleRate": "44100",
        "Audio.BitRate": "256",
        "Audio.Channels": "2",
        "Audio.CodecOptions.Profile": "AAC-LC",
        "Type": "System",
    }


def test_show_video_preset(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["presets", "show", "1351620000001-000001"]) == 0
    out = capsys.readouterr().out
    assert "Video.CodecOptions.Level                     4\n" in out
    assert "Video.Watermarks[3].Id                       BottomRight\n" in out
    assert "Thumbnails.MaxHeight                         144\n" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["presets", "show", "1351620000001-100110", "--json"],
        ["presets", "--json", "show", "1351620000001-100110"],
    ],
)
def test_show_json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out) == {
        "Id": "1351620000001-100110",
        "Name": "System preset: Audio AAC - 256k",
        "Description": "System preset: Audio AAC - 256 kilobits/second",
        "Container": "mp4",
        "Audio": {
            "Codec": "AAC",
            "SampleRate": "44100",
            "BitRate": "256",
            "Channels": "2",
            "CodecOptions": {"Profile": "AAC-LC"},
        },
        "Type": "System",
    }


def test_show_deprecated_id_shows_its_replacement(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["presets", "show", "1351620000000-000060", "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out) == to_wire(get_system("1351620000001-000061"))
    assert err == (
        "note: 1351620000000-000060 is deprecated; showing its replacement 1351620000001-000061\n"
    )


@pytest.mark.parametrize(
    ("preset_id", "message"),
    [
        ("1351620000001-999999", "unknown preset ID '1351620000001-999999'"),
        ("100110", "malformed preset ID '100110': must match ^\\d{13}-\\w{6}$"),
    ],
)
def test_show_bad_id_exits_1_with_one_line(
    preset_id: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["presets", "show", preset_id]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"mediamill presets show: error: {message}\n"


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["presets", "--help"], ["list", "show", "--json"]),
        (["presets", "list", "--help"], ["--json", "system preset"]),
        (["presets", "show", "--help"], ["ID", "--json", "deprecated"]),
    ],
)
def test_help(argv: list[str], expected: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 0
    out = capsys.readouterr().out
    for text in expected:
        assert text in out


def test_show_needs_an_id(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["presets", "show"])
    assert info.value.code == 2
    assert "ID" in capsys.readouterr().err
