"""The engine on video: H.264/AAC MP4 and WebM presets, checked by decoding."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from tests.decoded import decode

from mediamill.engine import OutputRequest, transcode
from mediamill.presets import get_system
from mediamill.testing import write_video

CLIP_SECONDS = 3.0
BASELINE = "Constrained Baseline"  # x264 baseline without the features it forbids
NTSC = Fraction(30000, 1001)  # "29.97"

# (preset, codec, profile, max w, max h, fps, kbit/s)
VIDEO_PRESETS = [
    ("1351620000001-000010", "h264", BASELINE, 1280, 720, NTSC, 2400),
    ("1351620000001-000020", "h264", BASELINE, 854, 480, NTSC, 1200),
    ("1351620000001-100070", "h264", "Main", 1280, 720, Fraction(30), 2200),
    ("1351620000001-100240", "vp8", None, 1280, 720, NTSC, 2400),
    ("1351620000001-100260", "vp9", None, 640, 360, Fraction(30), 600),
]


@pytest.fixture(scope="module")
def video_outputs(clip_720p: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Five video presets (VP8 and VP9 among them) on 3 s of 720p: 10 s or more, so the
    tests using it are ``slow``."""
    out = tmp_path_factory.mktemp("video-presets")
    requests = [
        OutputRequest(get_system(pid), out / f"{pid}.{get_system(pid).extension}")
        for pid, *_ in VIDEO_PRESETS
    ]
    return {r.preset.id: r.path for r in transcode(clip_720p, requests)}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("preset_id", "codec", "profile", "max_w", "max_h", "fps", "kbps"), VIDEO_PRESETS
)
def test_video_preset(
    video_outputs: dict[str, Path],
    preset_id: str,
    codec: str,
    profile: str | None,
    max_w: int,
    max_h: int,
    fps: Fraction,
    kbps: int,
) -> None:
    d = decode(video_outputs[preset_id])
    assert d.video_codec == codec
    if profile is not None:
        assert d.video_profile == profile
    assert d.width is not None and d.height is not None
    assert d.width <= max_w and d.height <= max_h
    assert d.width / d.height == pytest.approx(16 / 9, rel=0.01), "aspect ratio kept"
    assert d.frame_rate == fps
    assert d.video_bit_rate == pytest.approx(kbps * 1000, rel=0.10)
    assert d.video_duration == pytest.approx(CLIP_SECONDS, abs=0.1)
    assert d.audio_codec in ("aac", "vorbis")
    assert d.audio_duration == pytest.approx(CLIP_SECONDS, abs=0.1)


@pytest.mark.slow
def test_keyframe_interval_follows_preset(video_outputs: dict[str, Path]) -> None:
    # 3 s at 29.97 fps with KeyframesMaxDist 90: at most 2 keyframes, not one per input frame.
    d = decode(video_outputs["1351620000001-000010"])
    assert 1 <= d.keyframes <= 2


def test_portrait_input_keeps_aspect_ratio(tmp_path: Path) -> None:
    src = write_video(tmp_path / "portrait.mp4", 1.0, width=720, height=1280, audio=False)
    preset = get_system("1351620000001-000020")  # 854x480 ShrinkToFit
    (result,) = transcode(src, [OutputRequest(preset, tmp_path / "out.mp4")])
    d = decode(result.path)
    assert d.height is not None and d.width is not None
    assert d.height <= 480 and d.width <= 854
    assert d.width / d.height == pytest.approx(720 / 1280, rel=0.02)
    assert d.audio_codec is None, "no audio in, no audio out"
    assert (result.stats.width, result.stats.height) == (d.width, d.height)


def test_small_input_is_not_upscaled(tmp_path: Path) -> None:
    src = write_video(tmp_path / "small.mp4", 1.0, width=320, height=180)
    preset = get_system("1351620000001-000010")  # ShrinkToFit 1280x720
    (result,) = transcode(src, [OutputRequest(preset, tmp_path / "out.mp4")])
    assert (result.stats.width, result.stats.height) == (320, 180)


def test_audio_preset_on_video_input_gives_audio_only(clip_720p: Path, tmp_path: Path) -> None:
    preset = get_system("1351620000001-100130")
    (result,) = transcode(clip_720p, [OutputRequest(preset, tmp_path / "sound.mp4")])
    d = decode(result.path)
    assert d.video_codec is None and d.audio_codec == "aac"
    assert d.audio_duration == pytest.approx(CLIP_SECONDS, abs=0.1)


def test_audio_only_input_to_a_video_preset_is_refused(tmp_path: Path) -> None:
    from mediamill.errors import MediaError
    from mediamill.testing import write_audio

    song = write_audio(tmp_path / "song.mp3", 1.0)
    request = OutputRequest(get_system("1351620000001-000010"), tmp_path / "v.mp4")
    with pytest.raises(MediaError, match="no video stream, but preset 1351620000001-000010"):
        transcode(song, [request])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["song.mp3"]


def test_video_only_input_to_an_audio_preset_is_refused(tmp_path: Path) -> None:
    from mediamill.errors import MediaError

    clip = write_video(tmp_path / "silent.mp4", 1.0, width=320, height=240, audio=False)
    request = OutputRequest(get_system("1351620000001-300300"), tmp_path / "a.wav")
    with pytest.raises(MediaError, match="input has no audio stream"):
        transcode(clip, [request])
