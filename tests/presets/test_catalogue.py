"""The system preset catalogue: IDs, exact settings, deprecated IDs and the wire round trip."""

from __future__ import annotations

import json
import pickle
import re
from fractions import Fraction
from typing import Any

import pytest

from mediamill import presets
from mediamill.errors import PresetError, UnknownPresetError
from mediamill.presets import (
    DEPRECATED_PRESET_IDS,
    SYSTEM_PRESETS,
    AudioSettings,
    ThumbnailSettings,
    get_system,
    parse,
    preset_arn,
    to_wire,
)

ID_PATTERN = re.compile(r"^\d{13}-\w{6}$")
ALL_IDS = list(SYSTEM_PRESETS)


def test_public_names() -> None:
    assert set(presets.__all__) == {
        "CONTAINER_EXTENSIONS",
        "DEPRECATED_PRESET_IDS",
        "SYSTEM_PRESETS",
        "AudioSettings",
        "Preset",
        "PresetType",
        "ThumbnailSettings",
        "VideoSettings",
        "Watermark",
        "get_system",
        "parse",
        "preset_arn",
        "to_wire",
    }
    for name in presets.__all__:
        assert hasattr(presets, name), name


def test_sixty_two_current_presets_with_unique_sorted_ids() -> None:
    ids = list(SYSTEM_PRESETS)
    assert len(ids) == 62
    assert ids == sorted(ids)
    assert len(set(ids)) == 62
    for preset_id, preset in SYSTEM_PRESETS.items():
        assert ID_PATTERN.match(preset_id)
        assert preset_id.startswith("1351620000001-")
        assert preset.id == preset_id
        assert preset.type == "System"
        assert preset.name.startswith("System preset: ")
        assert preset.description


def test_catalogue_is_immutable() -> None:
    with pytest.raises(TypeError):
        SYSTEM_PRESETS["1351620000001-999999"] = SYSTEM_PRESETS[ALL_IDS[0]]  # type: ignore[index]
    with pytest.raises(TypeError):
        DEPRECATED_PRESET_IDS["x"] = "y"  # type: ignore[index]


def test_names_longer_than_the_custom_limit_are_kept() -> None:
    long_names = {p.id[-6:]: len(p.name) for p in SYSTEM_PRESETS.values() if len(p.name) > 40}
    assert long_names == {"100220": 41, "100230": 41, "300300": 54}


@pytest.mark.parametrize(
    ("suffix", "name", "container"),
    [
        ("000001", "Generic 1080p", "mp4"),
        ("000061", "Generic 320x240", "mp4"),
        ("100180", "Full HD 1080i60 - MP4", "mp4"),  # ListPresets naming, not the AWS page's
        ("100190", "Full HD 1080i50 - MP4", "mp4"),
        ("100200", "Gif (Animated)", "gif"),
        ("100210", "Web: Flash Video", "flv"),
        ("100230", "Full HD 1080i50 - XDCAM422", "mxf"),
        ("200071", "HLS Audio - 64k", "ts"),
        ("300200", "Audio WAV 44100 Hz, 8 bit", "wav"),
        ("300300", "Audio WAV 44100 Hz, 16 bit - CD Quality", "wav"),
        ("400080", "Smooth 400k", "fmp4"),
        ("500060", "MPEG-Dash Audio - 128k", "fmp4"),
    ],
)
def test_names_and_containers(suffix: str, name: str, container: str) -> None:
    preset = get_system("1351620000001-" + suffix)
    assert preset.name == "System preset: " + name
    assert preset.container == container


@pytest.mark.parametrize(
    ("suffix", "description"),
    [
        ("000001", "System preset generic 1080p"),
        ("000020", "System preset generic 480p 16:9"),
        (
            "100020",
            "System preset: iPhone 4s and above, iPad 3G and above, iPad mini, "
            "Samsung Galaxy S2/S3/Tab 2",
        ),
        ("100141", "System preset: Audio AAC - 64 kilobits/second"),
        ("200060", "System Preset: HLS Audio 160 kilobits/second"),
        ("300010", "System preset: Audio MP3 - 320 kilobits/second"),
        ("400030", "System preset: Smooth 1.5M"),
    ],
)
def test_observed_descriptions(suffix: str, description: str) -> None:
    assert get_system("1351620000001-" + suffix).description == description


def test_generic_1080p() -> None:
    preset = get_system("1351620000001-000001")
    video = preset.video
    assert video is not None
    assert (video.codec, video.profile, video.level) == ("H.264", "baseline", "4")
    assert (video.bit_rate, video.max_width, video.max_height) == (5400, 1920, 1080)
    assert video.frame_rate == Fraction(30000, 1001)
    assert (video.keyframes_max_dist, video.fixed_gop) == (90, False)
    assert video.aspect_ratio == "16:9"
    assert video.max_reference_frames == 3
    assert (video.interlaced_mode, video.color_space_conversion_mode) == ("Progressive", "None")
    assert (video.sizing_policy, video.padding_policy, video.display_aspect_ratio) == (
        "ShrinkToFit",
        "NoPad",
        "auto",
    )
    assert [w.id for w in video.watermarks] == ["TopLeft", "TopRight", "BottomLeft", "BottomRight"]
    top_right = video.watermarks[1]
    assert (top_right.horizontal_align, top_right.vertical_align) == ("Right", "Top")
    assert (top_right.max_width, top_right.horizontal_offset, top_right.opacity) == (
        "10%",
        "10%",
        "100",
    )
    assert (top_right.sizing_policy, top_right.target) == ("ShrinkToFit", "Content")
    assert preset.audio == AudioSettings(
        codec="AAC", sample_rate=44100, bit_rate=160, channels=2, profile="AAC-LC"
    )
    assert preset.thumbnails == ThumbnailSettings(
        format="png", interval=60, max_width=192, max_height=144
    )


def test_generic_720p_matches_the_observed_dump() -> None:
    wire = to_wire(get_system("1351620000001-000010"))
    video = wire["Video"]
    assert video["CodecOptions"] == {
        "Profile": "baseline",
        "Level": "3.1",
        "MaxReferenceFrames": "3",
        "InterlacedMode": "Progressive",
        "ColorSpaceConversionMode": "None",
    }
    assert {k: v for k, v in video.items() if k not in ("CodecOptions", "Watermarks")} == {
        "Codec": "H.264",
        "KeyframesMaxDist": "90",
        "FixedGOP": "false",
        "BitRate": "2400",
        "FrameRate": "29.97",
        "MaxWidth": "1280",
        "MaxHeight": "720",
        "DisplayAspectRatio": "auto",
        "SizingPolicy": "ShrinkToFit",
        "PaddingPolicy": "NoPad",
    }
    assert len(video["Watermarks"]) == 4
    assert wire["Audio"] == {
        "Codec": "AAC",
        "SampleRate": "44100",
        "BitRate": "160",
        "Channels": "2",
        "CodecOptions": {"Profile": "AAC-LC"},
    }
    assert wire["Thumbnails"] == {
        "Format": "png",
        "Interval": "60",
        "MaxWidth": "192",
        "MaxHeight": "108",
        "SizingPolicy": "ShrinkToFit",
        "PaddingPolicy": "NoPad",
    }


def test_aac_256k_wire_is_exactly_the_observed_object() -> None:
    preset_id = "1351620000001-100110"
    arn = preset_arn(preset_id, region="us-east-1", account="123456789012")
    wire = to_wire(get_system(preset_id), arn=arn)
    expected = {
        "Id": "1351620000001-100110",
        "Arn": "arn:aws:elastictranscoder:us-east-1:123456789012:preset/1351620000001-100110",
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
    assert wire == expected
    assert json.dumps(wire) == json.dumps(expected)  # same key order too
    assert "Arn" not in to_wire(get_system(preset_id))


@pytest.mark.parametrize(
    ("suffix", "audio"),
    [
        ("100110", AudioSettings("AAC", 44100, 256, 2, profile="AAC-LC")),
        ("100141", AudioSettings("AAC", 44100, 64, 1, profile="auto")),
        ("200071", AudioSettings("AAC", 44100, 64, 1, profile="auto")),
        ("300010", AudioSettings("mp3", 44100, 320, 2)),
        ("300040", AudioSettings("mp3", 44100, 128, 2)),
        ("300110", AudioSettings("flac", 44100, None, 2, bit_depth=16)),
        (
            "300200",
            AudioSettings(
                "pcm", 44100, None, 2, bit_depth=8, bit_order="LittleEndian", signed=False
            ),
        ),
        (
            "300300",
            AudioSettings(
                "pcm", 44100, None, 2, bit_depth=16, bit_order="LittleEndian", signed=True
            ),
        ),
    ],
)
def test_audio_only_presets(suffix: str, audio: AudioSettings) -> None:
    preset = get_system("1351620000001-" + suffix)
    assert preset.audio == audio
    assert preset.video is None
    assert preset.thumbnails is None


def test_mp3_320k_wire() -> None:
    wire = to_wire(get_system("1351620000001-300010"))
    assert wire["Container"] == "mp3"
    assert wire["Audio"] == {
        "Codec": "mp3",
        "SampleRate": "44100",
        "BitRate": "320",
        "Channels": "2",
    }
    assert "Video" not in wire and "Thumbnails" not in wire


def test_wav_16_bit_wire() -> None:
    wire = to_wire(get_system("1351620000001-300300"))
    assert wire["Audio"] == {
        "Codec": "pcm",
        "SampleRate": "44100",
        "Channels": "2",
        "CodecOptions": {"BitDepth": "16", "BitOrder": "LittleEndian", "Signed": "Signed"},
    }


@pytest.mark.parametrize(
    ("suffix", "fields"),
    [
        ("000061", {"frame_rate": Fraction(15), "level": "1.3", "max_width": 320}),
        ("100160", {"codec": "mpeg2", "chroma_subsampling": "yuv420p", "buffer_size": 65000}),
        ("100170", {"frame_rate": Fraction(25), "keyframes_max_dist": 12, "max_height": 576}),
        ("100180", {"fixed_gop": True, "keyframes_max_dist": 15, "interlaced_mode": "TopFirst"}),
        ("100190", {"frame_rate": Fraction(25), "keyframes_max_dist": 12}),
        ("100200", {"codec": "gif", "loop_count": "Infinite", "max_width": None}),
        (
            "100210",
            {"max_bit_rate": 2200, "buffer_size": 22000, "color_space_conversion_mode": "Auto"},
        ),
        ("100220", {"chroma_subsampling": "yuv422p", "bit_rate": 50000, "padding_policy": "Pad"}),
        ("100240", {"codec": "vp8", "profile": "0", "frame_rate": Fraction(30000, 1001)}),
        ("100250", {"codec": "vp9", "codec_options": {}, "bit_rate": 1200}),
        ("200010", {"frame_rate": None, "max_frame_rate": None, "fixed_gop": True}),
        ("200035", {"level": "3", "max_frame_rate": Fraction(60), "buffer_size": 7848}),
        ("200055", {"max_reference_frames": 1, "max_bit_rate": 272, "buffer_size": 2448}),
        ("400020", {"max_bit_rate": 2056, "buffer_size": 12336, "max_width": 992}),
        ("500050", {"max_reference_frames": 1, "max_width": 426, "keyframes_max_dist": 60}),
    ],
)
def test_video_settings(suffix: str, fields: dict[str, Any]) -> None:
    video = get_system("1351620000001-" + suffix).video
    assert video is not None
    assert {name: getattr(video, name) for name in fields} == fields


def test_video_only_presets_have_no_audio() -> None:
    video_only = [p.id[-6:] for p in SYSTEM_PRESETS.values() if p.audio is None]
    assert video_only == [
        "100200",
        "200015",
        "200025",
        "200035",
        "200045",
        "200055",
        "500020",
        "500030",
        "500040",
        "500050",
    ]


def test_every_fmp4_video_has_a_fixed_gop() -> None:
    for preset in SYSTEM_PRESETS.values():
        if preset.container == "fmp4" and preset.video is not None:
            assert preset.video.fixed_gop, preset.id


@pytest.mark.parametrize("preset_id", ALL_IDS)
def test_wire_round_trip(preset_id: str) -> None:
    preset = SYSTEM_PRESETS[preset_id]
    wire = to_wire(preset)
    assert parse(wire, preset_id=preset_id, preset_type="System") == preset
    assert json.loads(json.dumps(wire)) == wire
    assert _scalars(wire) and all(isinstance(v, str) for v in _scalars(wire))


def test_presets_survive_pickling() -> None:
    # The engine hands presets to a sandboxed child process.
    for preset in SYSTEM_PRESETS.values():
        assert pickle.loads(pickle.dumps(preset)) == preset


def _scalars(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [s for item in value.values() for s in _scalars(item)]
    if isinstance(value, list):
        return [s for item in value for s in _scalars(item)]
    return [value]


def test_deprecated_ids() -> None:
    assert len(DEPRECATED_PRESET_IDS) == 23
    for old, new in DEPRECATED_PRESET_IDS.items():
        assert ID_PATTERN.match(old)
        assert old not in SYSTEM_PRESETS
        assert new in SYSTEM_PRESETS, (old, new)
        assert get_system(old) is SYSTEM_PRESETS[new]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("1351620000000-000060", "1351620000001-000061"),  # via deprecated 1351620000001-000060
        ("1351620000001-000060", "1351620000001-000061"),
        ("1351620000001-100140", "1351620000001-100141"),
        ("1351620000001-200070", "1351620000001-200071"),
        ("1351620000000-100100", "1351620000001-100080"),
        ("1351620000000-100030", "1351620000001-100020"),
        ("1351620000000-000001", "1351620000001-000001"),
    ],
)
def test_deprecated_replacements(old: str, new: str) -> None:
    assert DEPRECATED_PRESET_IDS[old] == new
    assert get_system(old).id == new


def test_unknown_id() -> None:
    with pytest.raises(UnknownPresetError) as info:
        get_system("1351620000001-999999")
    assert info.value.preset_id == "1351620000001-999999"


@pytest.mark.parametrize(
    "bad_id", ["", "100110", "1351620000001-10011", "1351620000001_100110", "1351620000001-100110 "]
)
def test_malformed_id(bad_id: str) -> None:
    with pytest.raises(PresetError, match="malformed preset ID") as info:
        get_system(bad_id)
    assert not isinstance(info.value, UnknownPresetError)
