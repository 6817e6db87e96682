"""Elastic Transcoder's preset rules that its service model does not state: what goes together.

Which values a setting may take on its own (the enums, digit patterns and lengths) is the
service model's to say (``servicemodel``, checked first by ``wire.parse``). This module is the
rest, transcribed from the developer guide's "Settings that You Specify When You Create an
Elastic Transcoder Preset" page: codecs per container, ranges the digit patterns cannot
express, codec options per codec, and the exact frame rates behind the wire's strings.
``wire.parse`` applies it; nothing here reads or checks a preset by itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from types import MappingProxyType

from mediamill import servicemodel

#: Preset (and job, pipeline) IDs: 13 digits, a dash, 6 word characters; the model's ``Id``.
PRESET_ID_PATTERN = servicemodel.pattern("Id")
PRESET_ID_PATTERN_TEXT = servicemodel.shape("Id")["pattern"]


# The container/codec table. An empty tuple means the container takes no such section.
# mp2 is in the container enum but not in the table; a container named after its only
# sensible codec is assumed to take that codec.
AUDIO_CODECS_BY_CONTAINER: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "mp4": ("AAC", "mp3"),
        "ts": ("AAC", "mp3"),
        "webm": ("vorbis",),
        "mp3": ("mp3",),
        "flac": ("flac",),
        "oga": ("flac", "vorbis"),
        "ogg": ("flac", "vorbis"),
        "fmp4": ("AAC",),
        "mpg": ("mp2",),
        "flv": ("AAC", "mp3"),
        "gif": (),
        "mxf": ("pcm",),
        "wav": ("pcm",),
        "mp2": ("mp2",),
    }
)
VIDEO_CODECS_BY_CONTAINER: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "mp4": ("H.264",),
        "ts": ("H.264",),
        "webm": ("vp8", "vp9"),
        "mp3": (),
        "flac": (),
        "oga": (),
        "ogg": (),
        "fmp4": ("H.264",),
        "mpg": ("mpeg2",),
        "flv": ("H.264",),
        "gif": ("gif",),
        "mxf": ("mpeg2",),
        "wav": (),
        "mp2": (),
    }
)
#: The only container whose keyframes must be at fixed intervals (fragments align across outputs).
FIXED_GOP_CONTAINERS = frozenset({"fmp4"})
#: The only container that may split channels into separate tracks.
MULTI_TRACK_CONTAINERS = frozenset({"mxf"})

# Audio
AUDIO_BIT_RATE_RANGE = (64, 320)  # kbit/s; wire pattern ^\d{1,3}$
BIT_DEPTHS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "flac": ("16", "24"),
        "pcm": ("8", "16", "24", "32"),
    }
)

# Video
#: Wire frame rates and the exact rates they stand for ("29.97" is NTSC's 30000/1001).
FRAME_RATES: Mapping[str, Fraction] = MappingProxyType(
    {
        "10": Fraction(10),
        "15": Fraction(15),
        "23.97": Fraction(24000, 1001),
        "24": Fraction(24),
        "25": Fraction(25),
        "29.97": Fraction(30000, 1001),
        "30": Fraction(30),
        "50": Fraction(50),
        "60": Fraction(60),
    }
)
KEYFRAMES_MAX_DIST_RANGE = (1, 100_000)  # wire pattern ^\d{1,6}$
VIDEO_WIDTH_RANGE = (128, 4096)  # even; auto = 1920
VIDEO_HEIGHT_RANGE = (96, 3072)  # even; auto = 1080

H264_PROFILES = ("baseline", "main", "high")
H264_LEVELS = ("1", "1b", "1.1", "1.2", "1.3", "2", "2.1", "2.2", "3", "3.1", "3.2", "4", "4.1")
VP8_PROFILES = ("0", "1", "2", "3")
MAX_REFERENCE_FRAMES_RANGE = (0, 16)
MAX_BIT_RATE_RANGE = (16, 62_500)  # kbit/s
INTERLACED_MODES = ("Progressive", "TopFirst", "BottomFirst", "Auto")
COLOR_SPACE_CONVERSION_MODES = ("None", "Bt709toBt601", "Bt601toBt709", "Auto")
CHROMA_SUBSAMPLINGS = ("yuv420p", "yuv422p")
LOOP_COUNT_RANGE = (0, 100)  # or "Infinite"

#: Which video codecs each ``Video.CodecOptions`` key applies to.
VIDEO_CODEC_OPTIONS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "Profile": ("H.264", "vp8"),
        "Level": ("H.264",),
        "MaxReferenceFrames": ("H.264",),
        "MaxBitRate": ("H.264", "mpeg2", "vp8", "vp9"),
        "BufferSize": ("H.264", "mpeg2", "vp8", "vp9"),
        "InterlacedMode": ("H.264", "mpeg2"),
        "ColorSpaceConversionMode": ("H.264", "mpeg2"),
        "ChromaSubsampling": ("mpeg2",),
        "LoopCount": ("gif",),
    }
)


# Thumbnails
THUMBNAIL_WIDTH_RANGE = (32, 4096)  # even
THUMBNAIL_HEIGHT_RANGE = (32, 3072)  # even
THUMBNAIL_INTERVAL_RANGE = (1, 99_999)  # seconds; wire pattern ^\d{1,5}$


def frame_rate_to_wire(rate: Fraction) -> str:
    """The wire string for a frame rate from ``FRAME_RATES`` (``30000/1001`` -> ``"29.97"``)."""
    for text, value in FRAME_RATES.items():
        if value == rate:
            return text
    raise ValueError(f"{rate} fps is not an Elastic Transcoder frame rate")
