"""The Elastic Transcoder system presets: 62 current IDs and 23 deprecated ones.

Each row below is written in the wire vocabulary (the strings ReadPreset returns) and goes
through ``wire.parse`` like any custom preset, so a system preset that broke a rule would fail
at import, and what we serve is exactly what we parse.

Sources: the "System Presets" page of AWS's Elastic Transcoder developer guide (IDs, deprecated
IDs) and real ListPresets/ReadPreset output seen in public code (names, descriptions, settings).
Where no source records a setting, a value was chosen; every such choice is listed here, and
the table's comments say "assumed" next to it.

Recorded assumptions
--------------------
Audio, where the preset has audio but its settings were never observed:

- Generic 480p 4:3, 360p 16:9, 360p 4:3 and 320x240: AAC-LC (320x240: profile ``auto``, as
  AWS documents), 44100 Hz, 128 kbit/s, 2 channels, like the observed Generic 480p 16:9.
- HLS 2M ... HLS 400k: AAC-LC, 44100 Hz, 128 kbit/s, 2 channels. Each name is the total bit
  rate: video bit rate + 128 (1872 + 128 = 2000, ..., 272 + 128 = 400).
- Other mp4, flv and fmp4 video presets (devices, Web, Full HD MP4, Smooth): AAC-LC, 44100 Hz,
  160 kbit/s, 2 channels, like Generic 1080p/720p.
- webm: vorbis (the only codec webm takes), 44100 Hz, 160 kbit/s, 2 channels.
- mpg (NTSC/PAL): mp2 (the only codec mpg takes), 48000 Hz, 192 kbit/s, 2 channels: 48 kHz is
  what DVD and broadcast MPEG-2 use.
- mxf (XDCAM422): pcm (the only codec mxf takes), 48000 Hz, 16-bit signed little-endian,
  2 channels, SingleTrack. 48 kHz is the broadcast rate.
- MP3 192k/160k/128k: 44100 Hz, 2 channels, like the observed MP3 320k.
- FLAC - CD (300110): 44100 Hz, 16-bit, 2 channels ("CD").
- WAV 16 bit - CD Quality (300300): pcm 44100 Hz, 16-bit signed little-endian, 2 channels.
- WAV 8 bit (300200): pcm 44100 Hz, 8-bit **unsigned** little-endian, 2 channels (8-bit WAV
  samples are unsigned by convention; 16-bit and wider are signed).
- HLS Audio 160k (200060): AAC-LC, 44100 Hz, 2 channels.
- HLS Audio 64k (200071): AAC profile ``auto``, 44100 Hz, **1 channel**. It replaced an
  AAC-LC 64k HLS preset exactly as 100141 (observed: ``auto``, 1 channel) replaced the AAC-LC
  64k MP4 one, so it is assumed to match 100141.
- MPEG-Dash Audio 128k (500060): container fmp4 (the DASH video presets' container), AAC-LC,
  44100 Hz, 128 kbit/s, 2 channels.

Other settings:

- Thumbnails, where not observed (every video preset except Generic 1080p/720p/480p 16:9):
  png every 60 s, at most 192x108, ShrinkToFit/NoPad, as Generic 720p. ShrinkToFit keeps the
  aspect ratio, so 4:3 sources get 144x108.
- Watermark slots: observed on Generic 1080p/720p/480p 16:9; assumed on the rest of the
  Generic family (480p 4:3 ... 320x240), which AWS made together. No other preset has slots.
- Gif (100200): sizing ShrinkToFit/NoPad, DisplayAspectRatio auto; no GOP settings.
- Descriptions not observed (NTSC/PAL, Full HD, Gif, Flash, XDCAM, WebM, FLAC, WAV,
  MPEG-Dash): the same text as the Name.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

from mediamill.errors import PresetError, UnknownPresetError
from mediamill.presets import rules
from mediamill.presets.model import Preset
from mediamill.presets.serialization import parse

_Wire = dict[str, Any]
_PREFIX = "1351620000001-"


class _Row(NamedTuple):
    suffix: str  # the ID after "1351620000001-"
    label: str  # the Name is "System preset: <label>"
    container: str
    video: _Wire | None
    audio: _Wire | None
    thumbnails: _Wire | None
    description: str | None = None  # None: not observed, the Name is used


# --- building blocks, in wire strings ------------------------------------------------------


def _h264(
    profile: str,
    level: str,
    bit_rate: int,
    size: str,
    fps: str,
    *,
    gop: int,
    fixed_gop: bool = False,
    max_bit_rate: int | None = None,
    buffer_size: int | None = None,
    max_fps: str | None = None,
    reference_frames: int = 3,
    interlaced: str = "Progressive",
    color_space: str = "None",
    sizing: tuple[str, str] = ("ShrinkToFit", "NoPad"),
    display_aspect: str = "auto",
    aspect: str | None = None,
    watermarks: bool = False,
) -> _Wire:
    options = {"Profile": profile, "Level": level, "MaxReferenceFrames": str(reference_frames)}
    if max_bit_rate is not None:
        options["MaxBitRate"] = str(max_bit_rate)
    if buffer_size is not None:
        options["BufferSize"] = str(buffer_size)
    options |= {"InterlacedMode": interlaced, "ColorSpaceConversionMode": color_space}
    video = _video("H.264", options, bit_rate, size, fps, gop, fixed_gop, sizing, display_aspect)
    if max_fps is not None:
        video["MaxFrameRate"] = max_fps
    if aspect is not None:
        video["AspectRatio"] = aspect
    if watermarks:
        video["Watermarks"] = _WATERMARK_SLOTS
    return video


def _smooth(
    profile: str, level: str, bit_rate: int, buffer_size: int, size: str, **extra: Any
) -> _Wire:
    """Smooth and MPEG-DASH video: 30 fps, fixed 60-frame GOP, MaxBitRate = BitRate."""
    extra |= {"fixed_gop": True, "max_bit_rate": bit_rate, "buffer_size": buffer_size}
    return _h264(profile, level, bit_rate, size, "30", gop=60, **extra)


def _hls(profile: str, level: str, bit_rate: int, size: str, **extra: Any) -> _Wire:
    """HLS video: frame rate auto (the input's), fixed 90-frame GOP."""
    return _h264(profile, level, bit_rate, size, "auto", gop=90, fixed_gop=True, **extra)


def _hls_video(
    profile: str, level: str, bit_rate: int, buffer_size: int, size: str, **extra: Any
) -> _Wire:
    """HLS video-only variants: as ``_hls``, capped at 60 fps, MaxBitRate = BitRate."""
    extra |= {"max_fps": "60", "max_bit_rate": bit_rate, "buffer_size": buffer_size}
    return _hls(profile, level, bit_rate, size, **extra)


def _broadcast(codec: str, options: dict[str, str], bit_rate: int, size: str, fps: str) -> _Wire:
    """Interlaced broadcast video: top field first, padded to fill, fixed GOP of half a second."""
    gop = 12 if fps == "25" else 15
    options = options | {
        "MaxBitRate": str(bit_rate),
        "InterlacedMode": "TopFirst",
        "ColorSpaceConversionMode": "Auto",
    }
    return _video(codec, options, bit_rate, size, fps, gop, True, ("ShrinkToFill", "Pad"), "16:9")


def _video(
    codec: str,
    options: dict[str, str],
    bit_rate: int,
    size: str,
    fps: str,
    gop: int | None,
    fixed_gop: bool,
    sizing: tuple[str, str] = ("ShrinkToFit", "NoPad"),
    display_aspect: str = "auto",
) -> _Wire:
    width, height = size.split("x")
    video: _Wire = {"Codec": codec, "CodecOptions": options}
    if gop is not None:
        video |= {"KeyframesMaxDist": str(gop), "FixedGOP": "true" if fixed_gop else "false"}
    return video | {
        "BitRate": str(bit_rate),
        "FrameRate": fps,
        "MaxWidth": width,
        "MaxHeight": height,
        "DisplayAspectRatio": display_aspect,
        "SizingPolicy": sizing[0],
        "PaddingPolicy": sizing[1],
    }


def _watermark(vertical: str, horizontal: str) -> dict[str, str]:
    return {
        "Id": vertical + horizontal,
        "MaxWidth": "10%",
        "MaxHeight": "10%",
        "SizingPolicy": "ShrinkToFit",
        "HorizontalAlign": horizontal,
        "HorizontalOffset": "10%",
        "VerticalAlign": vertical,
        "VerticalOffset": "10%",
        "Opacity": "100",
        "Target": "Content",
    }


_WATERMARK_SLOTS = [_watermark(v, h) for v in ("Top", "Bottom") for h in ("Left", "Right")]


def _audio(
    codec: str, sample_rate: int, channels: int, bit_rate: int | None = None, **options: str
) -> _Wire:
    audio: _Wire = {"Codec": codec, "SampleRate": str(sample_rate)}
    if bit_rate is not None:
        audio["BitRate"] = str(bit_rate)
    audio["Channels"] = str(channels)
    if options:
        audio["CodecOptions"] = options
    return audio


def _aac(bit_rate: int, *, profile: str = "AAC-LC", channels: int = 2) -> _Wire:
    return _audio("AAC", 44100, channels, bit_rate, Profile=profile)


def _mp3(bit_rate: int) -> _Wire:
    return _audio("mp3", 44100, 2, bit_rate)


def _pcm(sample_rate: int, bit_depth: int, signed: str) -> _Wire:
    return _audio(
        "pcm", sample_rate, 2, BitDepth=str(bit_depth), BitOrder="LittleEndian", Signed=signed
    )


def _thumbnails(width: int, height: int) -> _Wire:
    return {
        "Format": "png",
        "Interval": "60",
        "MaxWidth": str(width),
        "MaxHeight": str(height),
        "SizingPolicy": "ShrinkToFit",
        "PaddingPolicy": "NoPad",
    }


_THUMBS = _thumbnails(192, 108)  # assumed wherever a video preset's thumbnails are unknown
_AAC_160 = _aac(160)  # observed on Generic 1080p/720p; assumed for other mp4/flv/fmp4 video
_AAC_128 = _aac(128)  # observed on Generic 480p 16:9
_VORBIS = _audio("vorbis", 44100, 2, 160)  # assumed
_MP2 = _audio("mp2", 48000, 2, 192)  # assumed
_PCM_48K = _pcm(48000, 16, "Signed")  # assumed
_MPEG2_NTSC_PAL = {"ChromaSubsampling": "yuv420p", "BufferSize": "65000"}
_MPEG2_XDCAM = {"ChromaSubsampling": "yuv422p", "BufferSize": "100000"}
_FULL_HD_H264 = {
    "Profile": "main",
    "Level": "4.1",
    "MaxReferenceFrames": "3",
    "BufferSize": "100000",
}

# fmt: off
_CURRENT = (
    # Generic
    _Row("000001", "Generic 1080p", "mp4",
         _h264("baseline", "4", 5400, "1920x1080", "29.97", gop=90, aspect="16:9", watermarks=True),
         _AAC_160, _thumbnails(192, 144), "System preset generic 1080p"),
    _Row("000010", "Generic 720p", "mp4",
         _h264("baseline", "3.1", 2400, "1280x720", "29.97", gop=90, watermarks=True),
         _AAC_160, _THUMBS, "System preset generic 720p"),
    _Row("000020", "Generic 480p 16:9", "mp4",
         _h264("baseline", "3.1", 1200, "854x480", "29.97", gop=90, watermarks=True),
         _AAC_128, _THUMBS, "System preset generic 480p 16:9"),
    _Row("000030", "Generic 480p 4:3", "mp4",
         _h264("baseline", "3", 900, "640x480", "29.97", gop=90, watermarks=True),
         _AAC_128, _THUMBS, "System preset generic 480p 4:3"),  # assumed: audio, thumbs, slots
    _Row("000040", "Generic 360p 16:9", "mp4",
         _h264("baseline", "3", 720, "640x360", "29.97", gop=90, watermarks=True),
         _AAC_128, _THUMBS, "System preset generic 360p 16:9"),  # assumed: audio, thumbs, slots
    _Row("000050", "Generic 360p 4:3", "mp4",
         _h264("baseline", "3", 600, "480x360", "29.97", gop=90, watermarks=True),
         _AAC_128, _THUMBS, "System preset generic 360p 4:3"),  # assumed: audio, thumbs, slots
    _Row("000061", "Generic 320x240", "mp4",
         _h264("baseline", "1.3", 300, "320x240", "15", gop=90, watermarks=True),
         _aac(128, profile="auto"), _THUMBS,  # profile observed; assumed: the rest
         "System preset generic 320x240"),
    # Devices and web: audio and thumbnails assumed
    _Row("100020", "iPhone4S", "mp4",
         _h264("high", "4.1", 5000, "1920x1080", "30", gop=90), _AAC_160, _THUMBS,
         "System preset: iPhone 4s and above, iPad 3G and above, iPad mini, "
         "Samsung Galaxy S2/S3/Tab 2"),
    _Row("100040", "iPod Touch", "mp4",
         _h264("baseline", "3", 1500, "640x480", "30", gop=90), _AAC_160, _THUMBS,
         "System preset: iPhone 1, 3, iPod classic"),
    _Row("100050", "Apple TV 2G", "mp4",
         _h264("main", "3.1", 5000, "1280x720", "30", gop=90), _AAC_160, _THUMBS,
         "System preset: Apple TV 2G"),
    _Row("100060", "Apple TV 3G", "mp4",
         _h264("high", "4", 5000, "1920x1080", "30", gop=90), _AAC_160, _THUMBS,
         "System preset: Apple TV 3G, Roku HD/2 XD"),
    _Row("100070", "Web", "mp4",
         _h264("main", "3.1", 2200, "1280x720", "30", gop=90), _AAC_160, _THUMBS,
         "System preset: Facebook, SmugMug, Vimeo, YouTube"),
    _Row("100080", "KindleFireHD", "mp4",
         _h264("main", "4", 2200, "1280x720", "30", gop=90), _AAC_160, _THUMBS,
         "System preset: Kindle Fire HD"),
    _Row("100090", "KindleFireHD8.9", "mp4",
         _h264("main", "4", 5400, "1920x1080", "30", gop=90), _AAC_160, _THUMBS,
         "System preset: Kindle Fire HD 8.9"),
    # Audio AAC (observed)
    _Row("100110", "Audio AAC - 256k", "mp4", None, _aac(256), None,
         "System preset: Audio AAC - 256 kilobits/second"),
    _Row("100120", "Audio AAC - 160k", "mp4", None, _aac(160), None,
         "System preset: Audio AAC - 160 kilobits/second"),
    _Row("100130", "Audio AAC - 128k", "mp4", None, _aac(128), None,
         "System preset: Audio AAC - 128 kilobits/second"),
    _Row("100141", "Audio AAC - 64k", "mp4", None, _aac(64, profile="auto", channels=1), None,
         "System preset: Audio AAC - 64 kilobits/second"),
    _Row("100150", "KindleFireHDX", "mp4",
         _h264("main", "4.1", 5000, "1920x1080", "30", gop=90), _AAC_160, _THUMBS,
         "System preset: Kindle Fire HDX, Kindle Fire HDX 8.9"),
    # Broadcast, gif, flash, webm: audio, thumbnails and descriptions assumed
    _Row("100160", "NTSC - MPG", "mpg",
         _broadcast("mpeg2", _MPEG2_NTSC_PAL, 6500, "720x480", "29.97"), _MP2, _THUMBS),
    _Row("100170", "PAL - MPG", "mpg",
         _broadcast("mpeg2", _MPEG2_NTSC_PAL, 6500, "720x576", "25"), _MP2, _THUMBS),
    _Row("100180", "Full HD 1080i60 - MP4", "mp4",
         _broadcast("H.264", _FULL_HD_H264, 10000, "1920x1080", "29.97"), _AAC_160, _THUMBS),
    _Row("100190", "Full HD 1080i50 - MP4", "mp4",
         _broadcast("H.264", _FULL_HD_H264, 10000, "1920x1080", "25"), _AAC_160, _THUMBS),
    _Row("100200", "Gif (Animated)", "gif",
         _video("gif", {"LoopCount": "Infinite"}, 400, "autoxauto", "15", None, False),
         None, _THUMBS),  # no GOP; MaxWidth and MaxHeight auto
    _Row("100210", "Web: Flash Video", "flv",
         _h264("main", "3.1", 2200, "1280x720", "30", gop=90, max_bit_rate=2200,
               buffer_size=22000, interlaced="TopFirst", color_space="Auto"),
         _AAC_160, _THUMBS),
    _Row("100220", "Full HD 1080i60 - XDCAM422", "mxf",
         _broadcast("mpeg2", _MPEG2_XDCAM, 50000, "1920x1080", "29.97"), _PCM_48K, _THUMBS),
    _Row("100230", "Full HD 1080i50 - XDCAM422", "mxf",
         _broadcast("mpeg2", _MPEG2_XDCAM, 50000, "1920x1080", "25"), _PCM_48K, _THUMBS),
    _Row("100240", "Webm 720p", "webm",
         _video("vp8", {"Profile": "0"}, 2400, "1280x720", "29.97", 90, False),
         _VORBIS, _THUMBS),
    _Row("100250", "Webm VP9 720p", "webm",
         _video("vp9", {}, 1200, "1280x720", "30", 90, False), _VORBIS, _THUMBS),
    _Row("100260", "Webm VP9 360p", "webm",
         _video("vp9", {}, 600, "640x360", "30", 90, False), _VORBIS, _THUMBS),
    # HLS (audio of the A/V variants and thumbnails assumed)
    _Row("200010", "HLS 2M", "ts",
         _hls("main", "3.1", 1872, "1024x768"), _AAC_128, _THUMBS,
         "System preset: HLS 2M"),
    _Row("200015", "HLS Video - 2M", "ts",
         _hls_video("main", "3.1", 1872, 16848, "1024x768"), None, _THUMBS,
         "System preset: HLS Video - 2M"),
    _Row("200020", "HLS 1.5M", "ts",
         _hls("main", "3.1", 1372, "960x640"), _AAC_128, _THUMBS,
         "System preset: HLS 1.5M"),
    _Row("200025", "HLS Video - 1.5M", "ts",
         _hls_video("main", "3.1", 1372, 12348, "960x640"), None, _THUMBS,
         "System preset: HLS Video - 1.5M"),
    _Row("200030", "HLS 1M", "ts",
         _hls("main", "3.1", 872, "640x432"), _AAC_128, _THUMBS,
         "System preset: HLS 1M"),
    _Row("200035", "HLS Video - 1M", "ts",
         _hls_video("main", "3", 872, 7848, "640x432"), None, _THUMBS,  # level 3, unlike 200030
         "System preset: HLS Video - 1M"),
    _Row("200040", "HLS 600k", "ts",
         _hls("baseline", "3", 472, "480x320"), _AAC_128, _THUMBS,
         "System preset: HLS 600k"),
    _Row("200045", "HLS Video - 600k", "ts",
         _hls_video("baseline", "3", 472, 4248, "480x320"), None, _THUMBS,
         "System preset: HLS Video - 600k"),
    _Row("200050", "HLS 400k", "ts",
         _hls("baseline", "3", 272, "400x288", reference_frames=1), _AAC_128, _THUMBS,
         "System preset: HLS 400k"),
    _Row("200055", "HLS Video - 400k", "ts",
         _hls_video("baseline", "3", 272, 2448, "400x288", reference_frames=1), None, _THUMBS,
         "System preset: HLS Video - 400k"),
    _Row("200060", "HLS Audio - 160k", "ts", None, _AAC_160, None,
         "System Preset: HLS Audio 160 kilobits/second"),  # capital P, as observed
    _Row("200071", "HLS Audio - 64k", "ts", None, _aac(64, profile="auto", channels=1), None,
         "System preset: HLS Audio 64 kilobits/second"),  # assumed: as 100141
    # MP3, FLAC, WAV (320k observed; the rest assumed, see the module docstring)
    _Row("300010", "Audio MP3 - 320k", "mp3", None, _mp3(320), None,
         "System preset: Audio MP3 - 320 kilobits/second"),
    _Row("300020", "Audio MP3 - 192k", "mp3", None, _mp3(192), None,
         "System preset: Audio MP3 - 192 kilobits/second"),
    _Row("300030", "Audio MP3 - 160k", "mp3", None, _mp3(160), None,
         "System preset: Audio MP3 - 160 kilobits/second"),
    _Row("300040", "Audio MP3 - 128k", "mp3", None, _mp3(128), None,
         "System preset: Audio MP3 - 128 kilobits/second"),
    _Row("300110", "Audio FLAC - CD", "flac", None,
         _audio("flac", 44100, 2, BitDepth="16"), None),
    _Row("300200", "Audio WAV 44100 Hz, 8 bit", "wav", None,
         _pcm(44100, 8, "Unsigned"), None),
    _Row("300300", "Audio WAV 44100 Hz, 16 bit - CD Quality", "wav", None,
         _pcm(44100, 16, "Signed"), None),
    # Smooth Streaming (audio and thumbnails assumed)
    _Row("400010", "Smooth 3M", "fmp4", _smooth("high", "3.1", 2962, 17772, "1280x720"),
         _AAC_160, _THUMBS, "System preset: Smooth 3M"),
    _Row("400020", "Smooth 2M", "fmp4", _smooth("high", "3.1", 2056, 12336, "992x560"),
         _AAC_160, _THUMBS, "System preset: Smooth 2M"),
    _Row("400030", "Smooth 1.5M", "fmp4", _smooth("high", "3", 1427, 8562, "768x432"),
         _AAC_160, _THUMBS, "System preset: Smooth 1.5M"),
    _Row("400040", "Smooth 1M", "fmp4", _smooth("high", "2.1", 991, 5946, "592x332"),
         _AAC_160, _THUMBS, "System preset: Smooth 1M"),
    _Row("400050", "Smooth 800k", "fmp4", _smooth("high", "2.1", 688, 4128, "448x252"),
         _AAC_160, _THUMBS, "System preset: Smooth 800k"),
    _Row("400060", "Smooth 600k", "fmp4", _smooth("high", "1.3", 477, 2862, "368x208"),
         _AAC_160, _THUMBS, "System preset: Smooth 600k"),
    _Row("400070", "Smooth 500k", "fmp4", _smooth("high", "1.3", 331, 1986, "284x160"),
         _AAC_160, _THUMBS, "System preset: Smooth 500k"),
    _Row("400080", "Smooth 400k", "fmp4", _smooth("high", "1.3", 230, 1380, "224x128"),
         _AAC_160, _THUMBS, "System preset: Smooth 400k"),
    # MPEG-DASH (video-only by name; thumbnails and descriptions assumed)
    _Row("500020", "MPEG-Dash Video - 4.8M", "fmp4",
         _smooth("main", "3.1", 4800, 9600, "1280x720"), None, _THUMBS),
    _Row("500030", "MPEG-Dash Video - 2.4M", "fmp4",
         _smooth("main", "3.1", 2400, 4800, "854x480"), None, _THUMBS),
    _Row("500040", "MPEG-Dash Video - 1.2M", "fmp4",
         _smooth("main", "3", 1200, 2400, "640x360"), None, _THUMBS),
    _Row("500050", "MPEG-Dash Video - 600k", "fmp4",
         _smooth("main", "3", 600, 1200, "426x240", reference_frames=1), None, _THUMBS),
    _Row("500060", "MPEG-Dash Audio - 128k", "fmp4", None, _AAC_128, None),  # container assumed
)

#: Deprecated ID -> its replacement, as AWS's guide lists them (one entry points at another
#: deprecated ID; ``DEPRECATED_PRESET_IDS`` follows such chains to the end).
_DEPRECATED = {
    "1351620000001-100140": "1351620000001-100141",  # Audio AAC - 64k (AAC-LC profile)
    "1351620000000-100090": "1351620000001-100090",  # Amazon Kindle Fire HD 8.9
    "1351620000000-100080": "1351620000001-100080",  # Amazon Kindle Fire HD
    "1351620000000-100100": "1351620000001-100080",  # Amazon Kindle Fire
    "1351620000001-100100": "1351620000001-100080",  # Amazon Kindle Fire
    "1351620000000-100060": "1351620000001-100060",  # Apple TV 3G
    "1351620000000-100050": "1351620000001-100050",  # Apple TV 2G
    "1351620000000-000001": "1351620000001-000001",  # Generic 1080p
    "1351620000000-000010": "1351620000001-000010",  # Generic 720p
    "1351620000000-000020": "1351620000001-000020",  # Generic 480p 16:9
    "1351620000000-000030": "1351620000001-000030",  # Generic 480p 4:3
    "1351620000000-000040": "1351620000001-000040",  # Generic 360p 16:9
    "1351620000000-000050": "1351620000001-000050",  # Generic 360p 4:3
    "1351620000001-000060": "1351620000001-000061",  # Generic 320x240 (AAC-LC profile)
    "1351620000000-000060": "1351620000001-000060",  # Generic 320x240
    "1351620000001-200070": "1351620000001-200071",  # HLS Audio 64k (AAC-LC profile)
    "1351620000001-100010": "1351620000001-100020",  # iPhone 4, iPod touch 5G/4G, iPad 2G/1G
    "1351620000000-100020": "1351620000001-100020",  # iPhone4S
    "1351620000000-100010": "1351620000001-100020",  # iPhone4
    "1351620000001-100030": "1351620000001-100020",  # iPhone 3GS
    "1351620000000-100030": "1351620000001-100020",  # iPhone3GS
    "1351620000000-100040": "1351620000001-100040",  # iPod Touch
    "1351620000000-100070": "1351620000001-100070",  # Web
}
# fmt: on


def _build(row: _Row) -> Preset:
    name = f"System preset: {row.label}"
    wire: _Wire = {
        "Name": name,
        "Description": name if row.description is None else row.description,
        "Container": row.container,
    }
    for key, section in (
        ("Audio", row.audio),
        ("Video", row.video),
        ("Thumbnails", row.thumbnails),
    ):
        if section is not None:
            wire[key] = section
    return parse(wire, preset_id=_PREFIX + row.suffix, preset_type="System")


def _resolve(deprecated: Mapping[str, str]) -> dict[str, str]:
    resolved = {}
    for old in deprecated:
        new, seen = deprecated[old], {old}
        while new in deprecated:
            if new in seen:
                raise AssertionError(f"deprecated preset IDs loop through {new}")
            seen.add(new)
            new = deprecated[new]
        resolved[old] = new
    return resolved


#: Every current system preset by ID, in ascending ID order (the order ListPresets uses).
SYSTEM_PRESETS: Mapping[str, Preset] = MappingProxyType(
    {p.id: p for p in sorted(map(_build, _CURRENT), key=lambda p: p.id)}
)
#: Deprecated system preset ID -> the current system preset that replaces it.
DEPRECATED_PRESET_IDS: Mapping[str, str] = MappingProxyType(_resolve(_DEPRECATED))


def get_system(preset_id: str) -> Preset:
    """The system preset with this ID; a deprecated ID gives its replacement.

    Raises ``PresetError`` for a string that is not a preset ID at all and
    ``UnknownPresetError`` for a well-formed ID that is not a system preset.
    """
    if not rules.PRESET_ID_PATTERN.fullmatch(preset_id):
        raise PresetError(
            f"malformed preset ID {preset_id!r}: must match {rules.PRESET_ID_PATTERN_TEXT}"
        )
    try:
        return SYSTEM_PRESETS[DEPRECATED_PRESET_IDS.get(preset_id, preset_id)]
    except KeyError:
        raise UnknownPresetError(preset_id) from None
