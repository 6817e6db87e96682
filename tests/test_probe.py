"""probe: media is judged by decoding its contents, never by its name."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mediamill.errors import MediaError
from mediamill.probe import inspect, probe
from mediamill.testing import write_audio


def test_probe_describes_mp3(song_mp3: Path) -> None:
    info = probe(song_mp3)
    assert info.container == "mp3"
    assert info.duration == pytest.approx(20.0, abs=0.1)
    assert info.video is None
    audio = info.audio
    assert audio is not None
    assert (audio.codec, audio.sample_rate, audio.channels) == ("mp3", 44100, 2)
    assert info.size == song_mp3.stat().st_size


def test_probe_describes_video(clip_720p: Path) -> None:
    info = probe(clip_720p)
    assert info.video is not None and info.audio is not None
    assert (info.video.codec, info.video.width, info.video.height) == ("h264", 1280, 720)
    assert info.video.frame_rate == 30


def test_mislabelled_file_is_judged_by_content(tmp_path: Path) -> None:
    wav = write_audio(tmp_path / "real.wav", 2.0)
    disguised = tmp_path / "looks-like.mp3"
    shutil.copy(wav, disguised)
    info = probe(disguised)
    assert info.container == "wav"
    assert info.audio is not None and info.audio.codec == "pcm_s16le"


@pytest.mark.parametrize(
    ("fixture", "message"),
    [
        ("text_mp3", "not a media file"),
        ("empty_mp3", "empty"),
        ("truncated_mp3", "truncated"),
    ],
)
def test_bad_inputs_are_named(request: pytest.FixtureRequest, fixture: str, message: str) -> None:
    path = request.getfixturevalue(fixture)
    with pytest.raises(MediaError, match=message) as caught:
        probe(path)
    assert caught.value.code == 4000


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="does not exist") as caught:
        inspect(tmp_path / "nope.mp3")
    assert caught.value.code == 3001


def test_garbage_after_valid_header(tmp_path: Path, song_mp3: Path) -> None:
    data = bytearray(song_mp3.read_bytes())
    # Keep the first 4 KiB (header and a few frames), replace the rest with noise.
    data[4096:] = bytes((i * 7919) % 251 for i in range(len(data) - 4096))
    damaged = tmp_path / "damaged.mp3"
    damaged.write_bytes(bytes(data))
    with pytest.raises(MediaError):
        probe(damaged)


def test_playlists_cannot_pull_in_other_files(tmp_path: Path, song_mp3: Path) -> None:
    # An HLS playlist whose "segment" is another file on this machine (another bucket's
    # object, say) must not be read as a harmless-looking input.
    victim = tmp_path / "other-bucket" / "secret.mp3"
    victim.parent.mkdir()
    shutil.copy(song_mp3, victim)
    playlist = tmp_path / "uploads" / "evil.m3u8"
    playlist.parent.mkdir()
    playlist.write_text(
        "#EXTM3U\n#EXT-X-TARGETDURATION:20\n#EXTINF:20,\n"
        "../other-bucket/secret.mp3\n#EXT-X-ENDLIST\n"
    )
    # Refused either way: by the demuxer list (a path ending in .m3u8 is probed as HLS) or,
    # read through a descriptor as the sandbox does, as no known format.
    with pytest.raises(MediaError, match="playlists"):
        inspect(playlist)
    with pytest.raises(MediaError, match=r"playlists|no known format"):
        probe(playlist)
    concat = tmp_path / "uploads" / "list.mp3"
    concat.write_text(f"ffconcat version 1.0\nfile '{victim}'\n")
    with pytest.raises(MediaError):
        probe(concat)
