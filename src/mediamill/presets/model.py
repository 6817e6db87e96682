"""Typed presets: what a preset means once its wire strings have been parsed and checked.

Elastic Transcoder sends every setting as a string ("44100", "auto", "29.97"). At the edge
(``presets.parse``) those strings become the values below; ``None`` stands for ``auto`` or for
a setting the preset leaves unset. The engine only ever sees these objects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

PresetType = Literal["System", "Custom"]

#: File extension for each Elastic Transcoder container (fmp4 segments live in .mp4 files).
CONTAINER_EXTENSIONS: Mapping[str, str] = {
    "mp4": "mp4",
    "ts": "ts",
    "webm": "webm",
    "mp3": "mp3",
    "flac": "flac",
    "oga": "oga",
    "ogg": "ogg",
    "fmp4": "mp4",
    "mpg": "mpg",
    "flv": "flv",
    "gif": "gif",
    "mxf": "mxf",
    "wav": "wav",
    "mp2": "mp2",
}


@dataclass(frozen=True)
class AudioSettings:
    codec: str  # AAC, vorbis, mp3, mp2, pcm, flac
    sample_rate: int | None = None  # Hz; None = same as the input
    bit_rate: int | None = None  # kbit/s; None for lossless codecs
    channels: int | None = None  # 0, 1 or 2; None = same as the input (at most 2)
    packing_mode: str = "SingleTrack"
    profile: str | None = None  # AAC only: auto, AAC-LC, HE-AAC, HE-AACv2
    bit_depth: int | None = None  # pcm: 8/16/24/32, flac: 16/24
    bit_order: str | None = None  # pcm: LittleEndian
    signed: bool | None = None  # pcm: Signed/Unsigned


@dataclass(frozen=True)
class Watermark:
    id: str
    max_width: str
    max_height: str
    sizing_policy: str
    horizontal_align: str
    horizontal_offset: str
    vertical_align: str
    vertical_offset: str
    opacity: str
    target: str


@dataclass(frozen=True)
class VideoSettings:
    codec: str  # H.264, vp8, vp9, mpeg2, gif
    bit_rate: int | None = None  # kbit/s; None = auto
    frame_rate: Fraction | None = None  # None = same as the input (capped by max_frame_rate)
    max_frame_rate: Fraction | None = None
    keyframes_max_dist: int | None = None
    fixed_gop: bool = False
    max_width: int | None = None  # None = auto (1920)
    max_height: int | None = None  # None = auto (1080)
    sizing_policy: str = "ShrinkToFit"
    padding_policy: str = "NoPad"
    display_aspect_ratio: str = "auto"
    # Codec options, parsed: H.264 profile/level, reference frames, rate control, interlacing.
    profile: str | None = None  # H.264: baseline/main/high; VP8: 0-3
    level: str | None = None  # H.264: "3.1" etc.
    max_reference_frames: int | None = None
    max_bit_rate: int | None = None  # kbit/s
    buffer_size: int | None = None  # kbit
    interlaced_mode: str = "Progressive"
    color_space_conversion_mode: str = "None"
    chroma_subsampling: str | None = None  # mpeg2: yuv420p / yuv422p
    loop_count: str | None = None  # gif: Infinite or 0-100
    codec_options: Mapping[str, str] = field(default_factory=dict)  # as sent, for the wire
    resolution: str | None = None  # deprecated form; kept for the wire
    aspect_ratio: str | None = None  # deprecated form; kept for the wire
    watermarks: tuple[Watermark, ...] = ()


@dataclass(frozen=True)
class ThumbnailSettings:
    format: str  # jpg or png
    interval: int  # seconds
    max_width: int | None = None
    max_height: int | None = None
    sizing_policy: str = "ShrinkToFit"
    padding_policy: str = "NoPad"
    resolution: str | None = None  # deprecated form
    aspect_ratio: str | None = None  # deprecated form


@dataclass(frozen=True)
class Preset:
    id: str
    name: str
    container: str
    description: str = ""
    type: PresetType = "Custom"
    audio: AudioSettings | None = None
    video: VideoSettings | None = None
    thumbnails: ThumbnailSettings | None = None

    @property
    def extension(self) -> str:
        return CONTAINER_EXTENSIONS[self.container]
