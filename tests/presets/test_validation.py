"""Custom presets: Elastic Transcoder's validation rules, one table row per rule."""

# The tables read best one row per line.
# ruff: noqa: E501

from __future__ import annotations

import copy
from fractions import Fraction
from typing import Any

import pytest

from mediamill.errors import PresetValidationError
from mediamill.presets import SYSTEM_PRESETS, Watermark, parse, to_wire

PRESET_ID = "1502631977930-rabioh"
DELETE = object()

BASES: dict[str, dict[str, Any]] = {
    "mp4": {
        "Name": "My 720p",
        "Description": "H.264 720p with AAC",
        "Container": "mp4",
        "Audio": {
            "Codec": "AAC",
            "SampleRate": "48000",
            "BitRate": "128",
            "Channels": "2",
            "CodecOptions": {"Profile": "AAC-LC"},
        },
        "Video": {
            "Codec": "H.264",
            "CodecOptions": {"Profile": "main", "Level": "3.1", "MaxReferenceFrames": "3"},
            "KeyframesMaxDist": "60",
            "FixedGOP": "false",
            "BitRate": "2000",
            "FrameRate": "23.97",
            "MaxWidth": "1280",
            "MaxHeight": "720",
            "SizingPolicy": "ShrinkToFit",
            "PaddingPolicy": "NoPad",
            "DisplayAspectRatio": "auto",
            "Watermarks": [
                {
                    "Id": "Logo",
                    "MaxWidth": "64px",
                    "MaxHeight": "12.5%",
                    "SizingPolicy": "Fit",
                    "HorizontalAlign": "Right",
                    "HorizontalOffset": "16px",
                    "VerticalAlign": "Bottom",
                    "VerticalOffset": "5%",
                    "Opacity": "75.5",
                    "Target": "Frame",
                }
            ],
        },
        "Thumbnails": {
            "Format": "jpg",
            "Interval": "30",
            "MaxWidth": "320",
            "MaxHeight": "180",
            "SizingPolicy": "Fit",
            "PaddingPolicy": "Pad",
        },
    },
    "flac": {
        "Name": "Lossless",
        "Container": "flac",
        "Audio": {
            "Codec": "flac",
            "SampleRate": "96000",
            "Channels": "2",
            "CodecOptions": {"BitDepth": "24"},
        },
    },
    "wav": {
        "Name": "WAV 24",
        "Container": "wav",
        "Audio": {
            "Codec": "pcm",
            "SampleRate": "48000",
            "Channels": "1",
            "CodecOptions": {"BitDepth": "24", "BitOrder": "LittleEndian", "Signed": "Signed"},
        },
    },
    "webm": {
        "Name": "VP8",
        "Container": "webm",
        "Audio": {"Codec": "vorbis", "SampleRate": "44100", "BitRate": "96", "Channels": "2"},
        "Video": {"Codec": "vp8", "CodecOptions": {"Profile": "1"}, "BitRate": "auto"},
    },
    "gif": {
        "Name": "Animation",
        "Container": "gif",
        "Video": {"Codec": "gif", "CodecOptions": {"LoopCount": "3"}, "FrameRate": "10"},
    },
    "fmp4": {
        "Name": "Segments",
        "Container": "fmp4",
        "Video": {"Codec": "H.264", "KeyframesMaxDist": "48", "FixedGOP": "true"},
    },
    "mpg": {
        "Name": "DVD-ish",
        "Container": "mpg",
        "Audio": {"Codec": "mp2", "SampleRate": "48000", "BitRate": "224", "Channels": "2"},
        "Video": {
            "Codec": "mpeg2",
            "CodecOptions": {"ChromaSubsampling": "yuv420p", "InterlacedMode": "BottomFirst"},
            "FrameRate": "25",
        },
    },
}


LOGO = BASES["mp4"]["Video"]["Watermarks"][0]


def build(base: str, changes: dict[str, Any]) -> dict[str, Any]:
    """``BASES[base]`` with ``changes`` applied; keys are paths like ``Video.Watermarks.0.Id``."""
    wire = copy.deepcopy(BASES[base])
    for path, value in changes.items():
        *parents, last = path.split(".")
        target: Any = wire
        for part in parents:
            target = target[int(part)] if part.isdigit() else target.setdefault(part, {})
        key: Any = int(last) if last.isdigit() else last
        if value is DELETE:
            del target[key]
        elif isinstance(target, list) and key == len(target):
            target.append(value)
        else:
            target[key] = value
    return wire


def violations(wire: dict[str, Any], **kwargs: Any) -> list[str]:
    with pytest.raises(PresetValidationError) as info:
        parse(wire, preset_id=PRESET_ID, **kwargs)
    return info.value.violations


@pytest.mark.parametrize("base", BASES)
def test_bases_are_valid(base: str) -> None:
    preset = parse(BASES[base], preset_id=PRESET_ID)
    assert preset.container == base
    assert preset.type == "Custom"
    assert parse(to_wire(preset), preset_id=PRESET_ID) == preset


def test_valid_custom_preset_becomes_typed_values() -> None:
    preset = parse(BASES["mp4"], preset_id=PRESET_ID)
    assert (preset.id, preset.name, preset.description) == (
        PRESET_ID,
        "My 720p",
        BASES["mp4"]["Description"],
    )
    assert preset.audio is not None and preset.video is not None and preset.thumbnails is not None
    assert (preset.audio.sample_rate, preset.audio.bit_rate, preset.audio.channels) == (
        48000,
        128,
        2,
    )
    assert preset.video.frame_rate == Fraction(24000, 1001)
    assert (preset.video.profile, preset.video.level, preset.video.max_reference_frames) == (
        "main",
        "3.1",
        3,
    )
    assert preset.video.watermarks == (
        Watermark("Logo", "64px", "12.5%", "Fit", "Right", "16px", "Bottom", "5%", "75.5", "Frame"),
    )
    assert (preset.thumbnails.format, preset.thumbnails.interval) == ("jpg", 30)
    assert (preset.thumbnails.sizing_policy, preset.thumbnails.padding_policy) == ("Fit", "Pad")


# Valid variants of the bases: (base, changes, attribute of the parsed preset, its value).
# fmt: off
VALID = [
    ("mp4", {"Video.FrameRate": "29.97"}, "video.frame_rate", Fraction(30000, 1001)),
    ("mp4", {"Video.FrameRate": "auto"}, "video.frame_rate", None),
    ("mp4", {"Video.FrameRate": DELETE}, "video.frame_rate", None),
    ("mp4", {"Video.MaxFrameRate": "50"}, "video.max_frame_rate", Fraction(50)),
    ("mp4", {"Video.MaxWidth": "auto"}, "video.max_width", None),
    ("mp4", {"Video.BitRate": "auto"}, "video.bit_rate", None),
    ("mp4", {"Audio.SampleRate": "auto"}, "audio.sample_rate", None),
    ("mp4", {"Audio.Channels": "auto"}, "audio.channels", None),
    ("mp4", {"Audio.Channels": "0"}, "audio.channels", 0),
    ("mp4", {"Audio.CodecOptions.Profile": "HE-AACv2"}, "audio.profile", "HE-AACv2"),
    ("mp4", {"Audio.AudioPackingMode": "SingleTrack"}, "audio.packing_mode", "SingleTrack"),
    ("mp4", {"Audio.Codec": "mp3", "Audio.CodecOptions": DELETE}, "audio.codec", "mp3"),
    ("mp4", {"Audio": DELETE}, "audio", None),
    ("mp4", {"Video.Resolution": "640x480"}, "video.resolution", "640x480"),
    ("mp4", {"Video.AspectRatio": "4:3"}, "video.aspect_ratio", "4:3"),
    ("mp4", {"Description": DELETE}, "description", ""),
    ("mp4", {"Name": "x" * 40}, "name", "x" * 40),
    ("mp4", {"Video.CodecOptions.MaxBitRate": "62500"}, "video.max_bit_rate", 62500),
    ("mp4", {"Video.KeyframesMaxDist": "100000"}, "video.keyframes_max_dist", 100000),
    ("mp4", {"Video.MaxWidth": "4096", "Video.MaxHeight": "96"}, "video.max_height", 96),
    ("mp4", {"Video.Watermarks": DELETE}, "video.watermarks", ()),
    ("flac", {"Audio.CodecOptions.BitDepth": "16"}, "audio.bit_depth", 16),
    ("flac", {"Container": "ogg"}, "container", "ogg"),
    ("flac", {"Container": "oga", "Audio.Codec": "vorbis", "Audio.CodecOptions": DELETE}, "audio.codec", "vorbis"),
    ("wav", {"Audio.CodecOptions.Signed": "Unsigned"}, "audio.signed", False),
    ("wav", {"Audio.CodecOptions.BitDepth": "32"}, "audio.bit_depth", 32),
    ("gif", {"Video.CodecOptions.LoopCount": "Infinite"}, "video.loop_count", "Infinite"),
    ("gif", {"Video.CodecOptions.LoopCount": "100"}, "video.loop_count", "100"),
    ("webm", {"Video.Codec": "vp9", "Video.CodecOptions": {}}, "video.codec", "vp9"),
    ("webm", {"Audio": DELETE}, "audio", None),
    ("mpg", {"Container": "mxf", "Audio": {"Codec": "pcm", "AudioPackingMode": "OneChannelPerTrack"}}, "audio.packing_mode", "OneChannelPerTrack"),
    ("mpg", {"Video.CodecOptions.ChromaSubsampling": "yuv422p"}, "video.chroma_subsampling", "yuv422p"),
    ("fmp4", {"Audio": {"Codec": "AAC"}}, "audio.codec", "AAC"),
    ("mp4", {"Id": "ignored", "Arn": "ignored", "Type": "System"}, "id", PRESET_ID),
    ("mp4", {"Type": "System"}, "type", "Custom"),
]
# fmt: on


@pytest.mark.parametrize(("base", "changes", "attribute", "expected"), VALID)
def test_valid_variants(base: str, changes: dict[str, Any], attribute: str, expected: Any) -> None:
    preset = parse(build(base, changes), preset_id=PRESET_ID)
    value: Any = preset
    for name in attribute.split("."):
        value = getattr(value, name)
    assert value == expected
    assert parse(to_wire(preset), preset_id=PRESET_ID) == preset


def test_system_presets_are_exempt_from_the_name_limit() -> None:
    wire = to_wire(SYSTEM_PRESETS["1351620000001-300300"])
    assert parse(wire, preset_id="1351620000001-300300", preset_type="System").type == "System"
    assert violations(wire) == [
        "Value 'System preset: Audio WAV 44100 Hz, 16 bit - CD Quality' at 'name' failed to "
        "satisfy constraint: Member must have length less than or equal to 40"
    ]
    assert violations(build("flac", {"Name": ""}), preset_type="System") == [
        "Value '' at 'name' failed to satisfy constraint: Member must have length greater "
        "than or equal to 1"
    ]


def test_preset_type_must_be_known() -> None:
    with pytest.raises(ValueError, match="preset_type"):
        parse(BASES["flac"], preset_id=PRESET_ID, preset_type="system")


def test_a_preset_must_be_an_object() -> None:
    with pytest.raises(PresetValidationError, match="a preset must be a JSON object, not array"):
        parse([BASES["flac"]], preset_id=PRESET_ID)  # type: ignore[arg-type]


def test_preset_id_is_checked() -> None:
    with pytest.raises(PresetValidationError, match=r"Id 'abc' must match"):
        parse(BASES["flac"], preset_id="abc")


# fmt: off
INVALID = [
    # Top level
    ("mp4", {"Name": DELETE}, "Value null at 'name' failed to satisfy constraint: Member must not be null"),
    ("mp4", {"Name": ""}, "Value '' at 'name' failed to satisfy constraint: Member must have length greater than or equal to 1"),
    ("mp4", {"Name": "x" * 41}, "Value 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' at 'name' failed to satisfy constraint: Member must have length less than or equal to 40"),
    ("mp4", {"Name": 7}, "Value '7' at 'name' failed to satisfy constraint: Member must be a string"),
    ("mp4", {"Description": "d" * 256}, "at 'description' failed to satisfy constraint: Member must have length less than or equal to 255"),
    ("mp4", {"Container": DELETE}, "Value null at 'container' failed to satisfy constraint: Member must not be null"),
    ("mp4", {"Container": "mkv"}, "at 'container' failed to satisfy constraint: Member must satisfy regular expression pattern: (^mp4$)|(^ts$)|(^webm$)|(^mp3$)|(^flac$)|(^oga$)|(^ogg$)|(^fmp4$)|(^mpg$)|(^flv$)|(^gif$)|(^mxf$)|(^wav$)|(^mp2$)"),
    ("mp4", {"Container": "MP4"}, "at 'container' failed to satisfy constraint: Member must satisfy regular expression pattern: (^mp4$)|(^ts$)|(^webm$)|(^mp3$)|(^flac$)|(^oga$)|(^ogg$)|(^fmp4$)|(^mpg$)|(^flv$)|(^gif$)|(^mxf$)|(^wav$)|(^mp2$)"),
    ("mp4", {"Colour": "red"}, "Colour is not a known field"),
    ("mp4", {"Video": "H.264", "Thumbnails": DELETE}, "Value 'H.264' at 'video' failed to satisfy constraint: Member must be an object"),
    ("mp4", {"Audio": DELETE, "Video": DELETE, "Thumbnails": DELETE}, "a preset needs Audio, Video or both"),
    ("mp4", {"Video": DELETE}, "Thumbnails need a Video section"),
    # Container and codecs
    ("flac", {"Audio.Codec": "mp3", "Audio.CodecOptions": DELETE}, "Audio.Codec 'mp3' is not allowed in container 'flac' (allowed: flac)"),
    ("mp4", {"Audio.Codec": "vorbis", "Audio.CodecOptions": DELETE}, "Audio.Codec 'vorbis' is not allowed in container 'mp4' (allowed: AAC, mp3)"),
    ("mp4", {"Container": "webm", "Audio.Codec": "vorbis", "Audio.CodecOptions": DELETE}, "Video.Codec 'H.264' is not allowed in container 'webm' (allowed: vp8, vp9)"),
    ("mpg", {"Audio.Codec": "AAC"}, "Audio.Codec 'AAC' is not allowed in container 'mpg' (allowed: mp2)"),
    ("mpg", {"Container": "mp4", "Audio.Codec": "mp3"}, "Video.Codec 'mpeg2' is not allowed in container 'mp4' (allowed: H.264)"),
    ("webm", {"Container": "ts", "Audio": DELETE}, "Video.Codec 'vp8' is not allowed in container 'ts'"),
    ("mp4", {"Container": "mp3", "Audio": {"Codec": "mp3"}, "Thumbnails": DELETE}, "Video is not allowed in audio-only container 'mp3'"),
    ("flac", {"Thumbnails": {"Format": "png", "Interval": "60"}}, "Thumbnails are not allowed in audio-only container 'flac'"),
    ("flac", {"Audio": DELETE}, "Audio is required for audio-only container 'flac'"),
    ("gif", {"Audio": {"Codec": "AAC"}}, "Audio is not allowed in container 'gif'"),
    ("gif", {"Video": DELETE}, "Video is required for container 'gif'"),
    ("fmp4", {"Audio": {"Codec": "mp3"}}, "Audio.Codec 'mp3' is not allowed in container 'fmp4' (allowed: AAC)"),
    # Audio
    ("mp4", {"Audio.Codec": DELETE}, "Audio.Codec is required"),
    ("mp4", {"Audio.Codec": "aac"}, "at 'audio.codec' failed to satisfy constraint: Member must satisfy regular expression pattern: (^AAC$)|(^vorbis$)|(^mp3$)|(^mp2$)|(^pcm$)|(^flac$)"),
    ("mp4", {"Audio.SampleRate": "44000"}, "at 'audio.sampleRate' failed to satisfy constraint: Member must satisfy regular expression pattern: (^auto$)|(^22050$)|(^32000$)|(^44100$)|(^48000$)|(^96000$)|(^192000$)"),
    ("mp4", {"Audio.SampleRate": 44100}, "Value '44100' at 'audio.sampleRate' failed to satisfy constraint: Member must be a string"),
    ("mp4", {"Audio.BitRate": "63"}, "Audio.BitRate '63' must be an integer from 64 to 320"),
    ("mp4", {"Audio.BitRate": "321"}, "Audio.BitRate '321' must be an integer from 64 to 320"),
    ("mp4", {"Audio.BitRate": "0128"}, "Value '0128' at 'audio.bitRate' failed to satisfy constraint: Member must satisfy regular expression pattern: ^\\d{1,3}$"),
    ("mp4", {"Audio.BitRate": "128k"}, "Value '128k' at 'audio.bitRate' failed to satisfy constraint: Member must satisfy regular expression pattern: ^\\d{1,3}$"),
    ("mp4", {"Audio.Channels": "6"}, "Value '6' at 'audio.channels' failed to satisfy constraint: Member must satisfy regular expression pattern: (^auto$)|(^0$)|(^1$)|(^2$)"),
    ("mp4", {"Audio.AudioPackingMode": "OneChannelPerTrack"}, "Audio.AudioPackingMode 'OneChannelPerTrack' is only allowed in container 'mxf' (not 'mp4')"),
    ("mp4", {"Audio.AudioPackingMode": "Mono"}, "at 'audio.audioPackingMode' failed to satisfy constraint: Member must satisfy regular expression pattern: (^SingleTrack$)|(^OneChannelPerTrack$)|(^OneChannelPerTrackWithMosTo8Tracks$)"),
    ("mp4", {"Audio.CodecOptions.Profile": "LC"}, "at 'audio.codecOptions.profile' failed to satisfy constraint: Member must satisfy regular expression pattern: (^auto$)|(^AAC-LC$)|(^HE-AAC$)|(^HE-AACv2$)"),
    ("mp4", {"Audio.Codec": "mp3"}, "Audio.CodecOptions.Profile applies only to codec AAC (not 'mp3')"),
    ("mp4", {"Audio.CodecOptions.Level": "2"}, "Audio.CodecOptions.Level is not a known field"),
    ("mp4", {"Audio.Volume": "11"}, "Audio.Volume is not a known field"),
    ("mp4", {"Audio.CodecOptions": "AAC-LC"}, "Value 'AAC-LC' at 'audio.codecOptions' failed to satisfy constraint: Member must be an object"),
    ("mp4", {"Audio.CodecOptions.BitDepth": "16"}, "Audio.CodecOptions.BitDepth applies only to codec flac or pcm (not 'AAC')"),
    ("flac", {"Audio.CodecOptions.BitDepth": "8"}, "Audio.CodecOptions.BitDepth '8' is not valid for flac (allowed: 16, 24)"),
    ("flac", {"Audio.CodecOptions.BitDepth": "32"}, "Audio.CodecOptions.BitDepth '32' is not valid for flac (allowed: 16, 24)"),
    ("wav", {"Audio.CodecOptions.BitDepth": "12"}, "Value '12' at 'audio.codecOptions.bitDepth' failed to satisfy constraint: Member must satisfy regular expression pattern: (^8$)|(^16$)|(^24$)|(^32$)"),
    ("wav", {"Audio.CodecOptions.BitOrder": "BigEndian"}, "Value 'BigEndian' at 'audio.codecOptions.bitOrder' failed to satisfy constraint: Member must satisfy regular expression pattern: (^LittleEndian$)"),
    ("wav", {"Audio.CodecOptions.Signed": "true"}, "Value 'true' at 'audio.codecOptions.signed' failed to satisfy constraint: Member must satisfy regular expression pattern: (^Unsigned$)|(^Signed$)"),
    ("flac", {"Audio.CodecOptions.Signed": "Signed"}, "Audio.CodecOptions.Signed applies only to codec pcm (not 'flac')"),
    ("flac", {"Audio.CodecOptions.BitOrder": "LittleEndian"}, "Audio.CodecOptions.BitOrder applies only to codec pcm (not 'flac')"),
    # Video
    ("mp4", {"Video.Codec": DELETE}, "Video.Codec is required"),
    ("mp4", {"Video.Codec": "h264"}, "at 'video.codec' failed to satisfy constraint: Member must satisfy regular expression pattern: (^H\\.264$)|(^vp8$)|(^vp9$)|(^mpeg2$)|(^gif$)"),
    ("fmp4", {"Video.FixedGOP": "false"}, "Video.FixedGOP must be 'true' for container 'fmp4'"),
    ("fmp4", {"Video.FixedGOP": DELETE}, "Video.FixedGOP must be 'true' for container 'fmp4'"),
    ("mp4", {"Video.FixedGOP": "yes"}, "Value 'yes' at 'video.fixedGOP' failed to satisfy constraint: Member must satisfy regular expression pattern: (^true$)|(^false$)"),
    ("mp4", {"Video.FixedGOP": True}, "Value 'True' at 'video.fixedGOP' failed to satisfy constraint: Member must be a string"),
    ("mp4", {"Video.KeyframesMaxDist": "0"}, "Video.KeyframesMaxDist '0' must be an integer from 1 to 100000"),
    ("mp4", {"Video.KeyframesMaxDist": "100001"}, "Video.KeyframesMaxDist '100001' must be an integer from 1 to 100000"),
    ("mp4", {"Video.KeyframesMaxDist": "-5"}, "Value '-5' at 'video.keyframesMaxDist' failed to satisfy constraint: Member must satisfy regular expression pattern: ^\\d{1,6}$"),
    ("mp4", {"Video.BitRate": "5"}, "Value '5' at 'video.bitRate' failed to satisfy constraint: Member must satisfy regular expression pattern: (^\\d{2,5}$)|(^auto$)"),
    ("mp4", {"Video.BitRate": "100000"}, "Value '100000' at 'video.bitRate' failed to satisfy constraint: Member must satisfy regular expression pattern: (^\\d{2,5}$)|(^auto$)"),
    ("mp4", {"Video.FrameRate": "29.976"}, "at 'video.frameRate' failed to satisfy constraint: Member must satisfy regular expression pattern: (^auto$)|(^10$)|(^15$)|(^23.97$)|(^24$)|(^25$)|(^29.97$)|(^30$)|(^50$)|(^60$)"),
    ("mp4", {"Video.MaxFrameRate": "auto"}, "at 'video.maxFrameRate' failed to satisfy constraint: Member must satisfy regular expression pattern: (^10$)|(^15$)|(^23.97$)|(^24$)|(^25$)|(^29.97$)|(^30$)|(^50$)|(^60$)"),
    ("mp4", {"Video.MaxWidth": "1281"}, "Video.MaxWidth '1281' must be 'auto' or an even integer from 128 to 4096"),
    ("mp4", {"Video.MaxWidth": "126"}, "Video.MaxWidth '126' must be 'auto' or an even integer from 128 to 4096"),
    ("mp4", {"Video.MaxWidth": "4098"}, "Video.MaxWidth '4098' must be 'auto' or an even integer from 128 to 4096"),
    ("mp4", {"Video.MaxHeight": "94"}, "Video.MaxHeight '94' must be 'auto' or an even integer from 96 to 3072"),
    ("mp4", {"Video.MaxHeight": "3074"}, "Video.MaxHeight '3074' must be 'auto' or an even integer from 96 to 3072"),
    ("mp4", {"Video.MaxHeight": "721"}, "Video.MaxHeight '721' must be 'auto' or an even integer from 96 to 3072"),
    ("mp4", {"Video.SizingPolicy": "Crop"}, "at 'video.sizingPolicy' failed to satisfy constraint: Member must satisfy regular expression pattern: (^Fit$)|(^Fill$)|(^Stretch$)|(^Keep$)|(^ShrinkToFit$)|(^ShrinkToFill$)"),
    ("mp4", {"Video.PaddingPolicy": "pad"}, "Value 'pad' at 'video.paddingPolicy' failed to satisfy constraint: Member must satisfy regular expression pattern: (^Pad$)|(^NoPad$)"),
    ("mp4", {"Video.DisplayAspectRatio": "21:9"}, "at 'video.displayAspectRatio' failed to satisfy constraint: Member must satisfy regular expression pattern: (^auto$)|(^1:1$)|(^4:3$)|(^3:2$)|(^16:9$)"),
    ("mp4", {"Video.AspectRatio": "2:1"}, "at 'video.aspectRatio' failed to satisfy constraint: Member must satisfy regular expression pattern: (^auto$)|(^1:1$)|(^4:3$)|(^3:2$)|(^16:9$)"),
    ("mp4", {"Video.Resolution": "1280*720"}, "Value '1280*720' at 'video.resolution' failed to satisfy constraint: Member must satisfy regular expression pattern: (^auto$)|(^\\d{1,5}x\\d{1,5}$)"),
    ("mp4", {"Video.Rotate": "90"}, "Video.Rotate is not a known field"),
    # Video codec options
    ("mp4", {"Video.CodecOptions.Profile": "extended"}, "Video.CodecOptions.Profile 'extended' is not valid (allowed: baseline, main, high)"),
    ("webm", {"Video.CodecOptions.Profile": "main"}, "Video.CodecOptions.Profile 'main' is not valid (allowed: 0, 1, 2, 3)"),
    ("webm", {"Video.Codec": "vp9"}, "Video.CodecOptions.Profile applies only to codec H.264 or vp8 (not 'vp9')"),
    ("mp4", {"Video.CodecOptions.Level": "5.1"}, "Video.CodecOptions.Level '5.1' is not valid (allowed: 1, 1b, 1.1,"),
    ("webm", {"Video.CodecOptions.Level": "3"}, "Video.CodecOptions.Level applies only to codec H.264 (not 'vp8')"),
    ("mp4", {"Video.CodecOptions.MaxReferenceFrames": "17"}, "Video.CodecOptions.MaxReferenceFrames '17' must be an integer from 0 to 16"),
    ("mp4", {"Video.CodecOptions.MaxBitRate": "15"}, "Video.CodecOptions.MaxBitRate '15' must be an integer from 16 to 62500"),
    ("mp4", {"Video.CodecOptions.MaxBitRate": "62501"}, "Video.CodecOptions.MaxBitRate '62501' must be an integer from 16 to 62500"),
    ("gif", {"Video.CodecOptions.MaxBitRate": "500"}, "Video.CodecOptions.MaxBitRate applies only to codec H.264 or mpeg2 or vp8 or vp9 (not 'gif')"),
    ("mp4", {"Video.CodecOptions.BufferSize": "0"}, "Video.CodecOptions.BufferSize '0' must be an integer from 1 to"),
    ("mp4", {"Video.CodecOptions.InterlacedMode": "Interlaced"}, "Video.CodecOptions.InterlacedMode 'Interlaced' is not valid (allowed: Progressive, TopFirst, BottomFirst, Auto)"),
    ("mp4", {"Video.CodecOptions.ColorSpaceConversionMode": "Bt2020"}, "Video.CodecOptions.ColorSpaceConversionMode 'Bt2020' is not valid"),
    ("mp4", {"Video.CodecOptions.ChromaSubsampling": "yuv420p"}, "Video.CodecOptions.ChromaSubsampling applies only to codec mpeg2 (not 'H.264')"),
    ("mpg", {"Video.CodecOptions.ChromaSubsampling": "yuv444p"}, "Video.CodecOptions.ChromaSubsampling 'yuv444p' is not valid (allowed: yuv420p, yuv422p)"),
    ("gif", {"Video.CodecOptions.LoopCount": "101"}, "Video.CodecOptions.LoopCount '101' must be an integer from 0 to 100"),
    ("gif", {"Video.CodecOptions.LoopCount": "forever"}, "Video.CodecOptions.LoopCount 'forever' must be an integer from 0 to 100"),
    ("mp4", {"Video.CodecOptions.LoopCount": "1"}, "Video.CodecOptions.LoopCount applies only to codec gif (not 'H.264')"),
    ("mp4", {"Video.CodecOptions.Preset": "slow"}, "Video.CodecOptions.Preset is not a known field"),
    ("mp4", {"Video.CodecOptions.Level": ""}, "Value '' at 'video.codecOptions.Level' failed to satisfy constraint: Member must have length greater than or equal to 1"),
    ("mp4", {"Video.CodecOptions.Level": 3}, "Value '3' at 'video.codecOptions.Level' failed to satisfy constraint: Member must be a string"),
    # Watermarks
    ("mp4", {"Video.Watermarks": {"Id": "Logo"}}, "Value '{'Id': 'Logo'}' at 'video.watermarks' failed to satisfy constraint: Member must be a list"),
    ("mp4", {"Video.Watermarks.0": "Logo"}, "Value 'Logo' at 'video.watermarks.1.member' failed to satisfy constraint: Member must be an object"),
    ("mp4", {"Video.Watermarks.0.Target": DELETE}, "Video.Watermarks[0].Target is required"),
    ("mp4", {"Video.Watermarks.0.Id": ""}, "Value '' at 'video.watermarks.1.member.id' failed to satisfy constraint: Member must have length greater than or equal to 1"),
    ("mp4", {"Video.Watermarks.0.Id": "w" * 41}, "at 'video.watermarks.1.member.id' failed to satisfy constraint: Member must have length less than or equal to 40"),
    ("mp4", {"Video.Watermarks.0.SizingPolicy": "Fill"}, "at 'video.watermarks.1.member.sizingPolicy' failed to satisfy constraint: Member must satisfy regular expression pattern: (^Fit$)|(^Stretch$)|(^ShrinkToFit$)"),
    ("mp4", {"Video.Watermarks.0.HorizontalAlign": "Top"}, "at 'video.watermarks.1.member.horizontalAlign' failed to satisfy constraint: Member must satisfy regular expression pattern: (^Left$)|(^Right$)|(^Center$)"),
    ("mp4", {"Video.Watermarks.0.VerticalAlign": "Left"}, "at 'video.watermarks.1.member.verticalAlign' failed to satisfy constraint: Member must satisfy regular expression pattern: (^Top$)|(^Bottom$)|(^Center$)"),
    ("mp4", {"Video.Watermarks.0.HorizontalOffset": "10"}, "at 'video.watermarks.1.member.horizontalOffset' failed to satisfy constraint: Member must satisfy regular expression pattern: (^\\d{1,3}(\\.\\d{0,5})?%$)|(^\\d{1,4}?px$)"),
    ("mp4", {"Video.Watermarks.0.MaxWidth": "12345px"}, "at 'video.watermarks.1.member.maxWidth' failed to satisfy constraint: Member must satisfy regular expression pattern: (^\\d{1,3}(\\.\\d{0,5})?%$)|(^\\d{1,4}?px$)"),
    ("mp4", {"Video.Watermarks.0.Opacity": "100.5"}, "Video.Watermarks[0].Opacity '100.5' must be a number from 0 to 100"),
    ("mp4", {"Video.Watermarks.0.Opacity": "-1"}, "Value '-1' at 'video.watermarks.1.member.opacity' failed to satisfy constraint: Member must satisfy regular expression pattern: ^\\d{1,3}(\\.\\d{0,20})?$"),
    ("mp4", {"Video.Watermarks.0.Target": "Overlay"}, "at 'video.watermarks.1.member.target' failed to satisfy constraint: Member must satisfy regular expression pattern: (^Content$)|(^Frame$)"),
    ("mp4", {"Video.Watermarks.0.Blend": "add"}, "Video.Watermarks[0].Blend is not a known field"),
    ("mp4", {"Video.Watermarks.1": LOGO}, "Video.Watermarks[1].Id 'Logo' is already used by another watermark"),
    # Thumbnails
    ("mp4", {"Thumbnails.Format": DELETE}, "Thumbnails.Format is required"),
    ("mp4", {"Thumbnails.Format": "gif"}, "Value 'gif' at 'thumbnails.format' failed to satisfy constraint: Member must satisfy regular expression pattern: (^jpg$)|(^png$)"),
    ("mp4", {"Thumbnails.Interval": DELETE}, "Thumbnails.Interval is required"),
    ("mp4", {"Thumbnails.Interval": "0"}, "Thumbnails.Interval '0' must be an integer from 1 to 99999"),
    ("mp4", {"Thumbnails.Interval": "1.5"}, "Value '1.5' at 'thumbnails.interval' failed to satisfy constraint: Member must satisfy regular expression pattern: ^\\d{1,5}$"),
    ("mp4", {"Thumbnails.MaxWidth": "30"}, "Thumbnails.MaxWidth '30' must be 'auto' or an even integer from 32 to 4096"),
    ("mp4", {"Thumbnails.MaxHeight": "3073"}, "Thumbnails.MaxHeight '3073' must be 'auto' or an even integer from 32 to 3072"),
    ("mp4", {"Thumbnails.Resolution": "auto"}, "Value 'auto' at 'thumbnails.resolution' failed to satisfy constraint: Member must satisfy regular expression pattern: ^\\d{1,5}x\\d{1,5}$"),
    ("mp4", {"Thumbnails.SizingPolicy": "Shrink"}, "at 'thumbnails.sizingPolicy' failed to satisfy constraint: Member must satisfy regular expression pattern: (^Fit$)|(^Fill$)|(^Stretch$)|(^Keep$)|(^ShrinkToFit$)|(^ShrinkToFill$)"),
    ("mp4", {"Thumbnails.PaddingPolicy": "None"}, "Value 'None' at 'thumbnails.paddingPolicy' failed to satisfy constraint: Member must satisfy regular expression pattern: (^Pad$)|(^NoPad$)"),
    ("mp4", {"Thumbnails.Pattern": "{count}"}, "Thumbnails.Pattern is not a known field"),
]
# fmt: on


@pytest.mark.parametrize(
    ("base", "changes", "fragment"),
    [pytest.param(*case, id=case[2][:60]) for case in INVALID],
)
def test_invalid_custom_presets(base: str, changes: dict[str, Any], fragment: str) -> None:
    # Exactly one violation: a row cannot pass because its change broke something else.
    found = violations(build(base, changes))
    assert len(found) == 1, found
    assert fragment in found[0]


def test_all_violations_are_reported_together() -> None:
    wire = build(
        "mp4",
        {
            "Name": "n" * 41,
            "Audio.BitRate": "500",
            "Video.CodecOptions.Level": "9",
            "Video.MaxWidth": "1279",
            "Video.Watermarks.0.Opacity": "101",
            "Thumbnails.Format": "bmp",
        },
    )
    with pytest.raises(PresetValidationError) as info:
        parse(wire, preset_id=PRESET_ID)
    # The model's constraints first, in AWS's words, then the rules it does not state.
    assert info.value.violations == [
        f"Value '{'n' * 41}' at 'name' failed to satisfy constraint: Member must have length "
        "less than or equal to 40",
        "Value 'bmp' at 'thumbnails.format' failed to satisfy constraint: Member must satisfy "
        "regular expression pattern: (^jpg$)|(^png$)",
        "Audio.BitRate '500' must be an integer from 64 to 320",
        "Video.CodecOptions.Level '9' is not valid (allowed: 1, 1b, 1.1, 1.2, 1.3, 2, 2.1, 2.2, "
        "3, 3.1, 3.2, 4, 4.1)",
        "Video.MaxWidth '1279' must be 'auto' or an even integer from 128 to 4096",
        "Video.Watermarks[0].Opacity '101' must be a number from 0 to 100",
    ]
    assert str(info.value).startswith("6 validation errors detected: Value 'nnn")
    assert info.value.code == 1000


def test_codec_and_container_violations_together() -> None:
    wire = {
        "Name": "Broken",
        "Container": "flac",
        "Audio": {"Codec": "mp3", "BitRate": "999"},
        "Video": {"Codec": "H.264"},
    }
    assert violations(wire) == [
        "Audio.Codec 'mp3' is not allowed in container 'flac' (allowed: flac)",
        "Audio.BitRate '999' must be an integer from 64 to 320",
        "Video is not allowed in audio-only container 'flac'",
    ]
