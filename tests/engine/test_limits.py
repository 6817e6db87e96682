"""Media limits: small inputs that would cost huge work fail early, with the setting's name,
and leave nothing behind; ordinary media stays within the defaults."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from mediamill.engine import OutputRequest, transcode
from mediamill.engine.limits import MediaLimits
from mediamill.engine.plan import plan_output
from mediamill.engine.run import predicted_size
from mediamill.errors import OutputError, ResourceLimitError
from mediamill.presets import get_system
from mediamill.probe import MediaInfo, StreamInfo
from mediamill.sandbox import Limits
from mediamill.testing import write_audio, write_video
from mediamill.testing.hostile import short_header_mkv

WAV = get_system("1351620000001-300300")
FLAC = get_system("1351620000001-300110")
H264_1080P = get_system("1351620000001-000001")
H264_720P = get_system("1351620000001-000010")


def _only_outputs_left(folder: Path, names: set[str]) -> None:
    assert {p.name for p in folder.iterdir()} == names


@pytest.mark.slow  # spends the CPU-time limit in a sandbox child
def test_cpu_time_limit_stops_a_transcode(tmp_path: Path) -> None:
    clip = write_video(tmp_path / "clip.mp4", 3.0, width=1920, height=1080, audio=False)
    out = tmp_path / "out"
    out.mkdir()
    limits = Limits(memory_mb=2048, timeout=120, cpu_seconds=1)
    started = time.monotonic()
    with pytest.raises(ResourceLimitError, match=r"CPU-time limit of 1 s .*CPU_SECONDS"):
        transcode(clip, [OutputRequest(H264_1080P, out / "clip.mp4")], limits=limits)
    assert time.monotonic() - started < 60
    _only_outputs_left(out, set())


def test_declared_duration_over_the_limit_fails_before_decoding(tmp_path: Path) -> None:
    song = write_audio(tmp_path / "song.flac", 6.0)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(ResourceLimitError, match=r"declares 6 s.*MEDIAMILL_INPUT_MAX_SECONDS"):
        transcode(song, [OutputRequest(WAV, out / "song.wav")], media_limits=MediaLimits(5))
    _only_outputs_left(out, set())


def test_decoded_timestamps_are_held_to_the_limit_too(tmp_path: Path) -> None:
    # The header says 0.5 s; the file holds 3 s.
    lying = tmp_path / "short-header.mkv"
    short_header_mkv(lying, seconds=3.0, declared=0.5)
    out = tmp_path / "out"
    out.mkdir()
    limits = MediaLimits(max_seconds=1.5)
    with pytest.raises(ResourceLimitError, match=r"reaches 2 s.*MEDIAMILL_INPUT_MAX_SECONDS"):
        transcode(lying, [OutputRequest(WAV, out / "x.wav")], media_limits=limits)
    _only_outputs_left(out, set())


def test_output_ratio_is_enforced_while_writing(tmp_path: Path) -> None:
    # FLAC from MP3 is several times the MP3's size: more than a ratio of 2 allows.
    song = write_audio(tmp_path / "song.mp3", 4.0)
    out = tmp_path / "out"
    out.mkdir()
    limits = MediaLimits(output_ratio=2, ratio_floor_bytes=0)
    with pytest.raises(ResourceLimitError, match=r"output 1 grew .*MEDIAMILL_OUTPUT_RATIO_MAX"):
        transcode(song, [OutputRequest(FLAC, out / "song.flac")], media_limits=limits)
    _only_outputs_left(out, set())
    # Within the ratio, the same job completes.
    done = transcode(song, [OutputRequest(FLAC, out / "song.flac")], media_limits=MediaLimits())
    assert done[0].stats.duration == pytest.approx(4.0, abs=0.1)


@pytest.mark.slow  # a sandbox child up to its memory limit
def test_memory_limit_is_reported_as_such(tmp_path: Path) -> None:
    clip = write_video(tmp_path / "clip.mp4", 1.0, width=1920, height=1080, audio=False)
    out = tmp_path / "out"
    out.mkdir()
    limits = Limits(memory_mb=300, timeout=60)
    with pytest.raises(ResourceLimitError, match=r"memory limit of 300 MiB \(MEDIAMILL_DECODE_"):
        transcode(clip, [OutputRequest(H264_1080P, out / "clip.mp4")], limits=limits)
    _only_outputs_left(out, set())


# --- the defaults: the review's cases stopped, ordinary media untouched -----------------


def _audio_input(size: int, seconds: float, rate: int, channels: int = 2) -> MediaInfo:
    stream = StreamInfo(
        index=0, kind="audio", codec="x", sample_rate=rate, channels=channels, sample_format="s16"
    )
    return MediaInfo("x", size, seconds, None, (stream,))


def _refused_as_wav(limits: MediaLimits, media: MediaInfo) -> bool:
    try:
        limits.check_duration(media.duration or 0, "declares")
    except ResourceLimitError:
        return True
    predicted = predicted_size(plan_output(WAV, media), media.duration or 0)
    cap = limits.max_output_bytes(media.size)
    return predicted is not None and cap is not None and predicted > cap


def test_defaults_stop_what_the_review_found() -> None:
    limits = MediaLimits.from_settings()
    # 557 KB of FLAC silence that became 637 MB of WAV (an hour at 44.1 kHz stereo).
    assert _refused_as_wav(limits, _audio_input(557_000, 3612, 44100))
    # The 1 Hz WAV's 2000 s at 44.1 kHz: 8 KB into 353 MB (its rate is also refused by probe).
    assert _refused_as_wav(limits, _audio_input(8_000, 2000, 44100))
    # Inputs declaring more than 12 hours.
    assert _refused_as_wav(limits, _audio_input(50_000_000, 13 * 3600, 44100))


def test_defaults_leave_ordinary_media_alone() -> None:
    limits = MediaLimits.from_settings()
    # A 3-hour podcast, 64 kbit/s mono MP3 (86 MB), to CD-quality WAV (1.9 GB: 22 times).
    podcast = _audio_input(86_400_000, 3 * 3600, 44100, channels=1)
    assert not _refused_as_wav(limits, podcast)
    # A low-bit-rate spoken-word file (24 kbit/s, 3 hours) to WAV: 59 times.
    assert not _refused_as_wav(limits, _audio_input(32_400_000, 3 * 3600, 22050, channels=1))
    # A 2-hour film: within the duration limit, its outputs smaller than its input.
    limits.check_duration(2 * 3600, "declares")
    cap = limits.max_output_bytes(4_000_000_000)
    assert cap is not None and cap > 4_000_000_000


def test_an_output_name_too_long_for_the_file_system_is_a_clear_error(tmp_path: Path) -> None:
    song = write_audio(tmp_path / "song.mp3", 1.0)
    name = "é" * 200 + ".wav"  # 405 bytes
    with pytest.raises(OutputError, match="File name too long") as caught:
        transcode(song, [OutputRequest(WAV, tmp_path / name)])
    assert str(tmp_path) not in str(caught.value)
    assert {p.name for p in tmp_path.iterdir()} == {"song.mp3"}
