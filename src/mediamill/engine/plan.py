"""Turn a preset and a probed input into concrete FFmpeg settings for one output (pure).

Everything Elastic Transcoder left to the service ("auto" values, unknown system-preset
details) is decided here, in one place, so the encoding code only follows orders.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction

from mediamill.engine.sizing import Geometry, fit_frame
from mediamill.errors import MediaError, UnsupportedPresetError
from mediamill.presets.model import AudioSettings, Preset, VideoSettings
from mediamill.probe import MediaInfo, StreamInfo

#: Containers this version can write, with FFmpeg's muxer name for each. A ``ts`` output
#: with a segment duration is written by the ``hls`` muxer instead (HLSv3).
MUXERS: Mapping[str, str] = {
    "ts": "mpegts",
    "gif": "gif",
    "mpg": "vob",  # MPEG-2 program stream
    "mxf": "mxf",
    "flv": "flv",
    # A single fragmented MP4 (moof/mdat per keyframe), what Smooth and MPEG-DASH players read;
    # their manifests (.ism/.ismc/.mpd) are not written yet.
    "fmp4": "mp4",
    "mp4": "mp4",
    "mp3": "mp3",
    "flac": "flac",
    "wav": "wav",
    "webm": "webm",
    "ogg": "ogg",
    "oga": "ogg",
}

#: Muxer options: put the MP4 index first so players can start before the download ends.
MUXER_OPTIONS: Mapping[str, Mapping[str, str]] = {
    "mp4": {"movflags": "+faststart"},
    "gif": {"loop": "0"},  # LoopCount Infinite, ET's default
}
#: Options by container where one muxer serves two containers.
CONTAINER_OPTIONS: Mapping[str, Mapping[str, str]] = {
    "fmp4": {"movflags": "+frag_keyframe+empty_moov+default_base_moof"},
}

#: The muxer of segmented ``ts`` outputs, and the shortest and longest segment Elastic
#: Transcoder accepted (seconds).
SEGMENT_MUXER = "hls"
MIN_SEGMENT_SECONDS, MAX_SEGMENT_SECONDS = 1.0, 60.0

DEFAULT_MAX_FRAME_RATE = Fraction(30)
#: Input frame rates below this are not taken as the output's (two frames an hour apart
#: "average" 1/1800 fps); the preset's maximum applies instead.
MIN_SOURCE_FRAME_RATE = Fraction(1)
DEFAULT_AUDIO_RATE = 44100
#: auto MaxWidth/MaxHeight, as Elastic Transcoder defined them.
AUTO_MAX_WIDTH, AUTO_MAX_HEIGHT = 1920, 1080


@dataclass(frozen=True)
class AudioPlan:
    encoder: str  # FFmpeg encoder name
    sample_rate: int
    layout: str  # "mono" / "stereo"
    sample_format: str  # FFmpeg sample format the encoder is fed
    bit_rate: int | None  # bit/s, None for lossless
    options: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class VideoPlan:
    encoder: str
    geometry: Geometry
    frame_rate: Fraction
    pixel_format: str
    bit_rate: int | None  # bit/s; None = constant quality
    options: Mapping[str, str] = field(default_factory=dict)
    #: Force a keyframe every this many seconds of output (segment boundaries), if set.
    keyframe_every: float | None = None


@dataclass(frozen=True)
class ThumbnailPlan:
    """Still images: the first frame, then one every ``interval`` seconds."""

    encoder: str  # png or mjpeg
    extension: str  # png or jpg
    geometry: Geometry
    pixel_format: str
    interval: float


@dataclass(frozen=True)
class OutputPlan:
    muxer: str
    muxer_options: Mapping[str, str]
    audio: AudioPlan | None
    video: VideoPlan | None
    #: Seconds per segment of a segmented (HLSv3) output; None for one file.
    segment_duration: float | None = None
    thumbnails: ThumbnailPlan | None = None
    #: 3: a file per segment; 4: one file, segments addressed by byte ranges.
    hls_version: int = 3


def plan_output(
    preset: Preset,
    media: MediaInfo,
    segment_duration: float | None = None,
    thumbnails: bool = False,
    hls_version: int = 3,
) -> OutputPlan:
    """The settings for one output; ``segment_duration`` makes a ``ts`` output segmented,
    ``thumbnails`` asks for the preset's thumbnails too.

    A segmented output's video gets a keyframe forced at every multiple of the segment
    duration, the same instants in every output of the job, so the segments of renditions
    begin together and a player can switch between them at any boundary.
    """
    if segment_duration is not None:
        if preset.container != "ts":
            raise UnsupportedPresetError(
                f"preset {preset.id}: segmented {preset.container!r} outputs are not "
                "supported yet (segmented ts, HLSv3, is)"
            )
        if not MIN_SEGMENT_SECONDS <= segment_duration <= MAX_SEGMENT_SECONDS:
            raise UnsupportedPresetError(
                f"SegmentDuration {segment_duration:g} is outside 1 to 60 seconds"
            )
    muxer = MUXERS.get(preset.container)
    if muxer is None:
        raise UnsupportedPresetError(
            f"preset {preset.id}: container {preset.container!r} is not supported yet "
            f"(supported: {', '.join(sorted(MUXERS))})"
        )
    audio_in, video_in = media.audio, media.video
    # As Elastic Transcoder: a video preset needs a video stream (an audio-only input is not
    # turned into a "video" without pictures), an audio-only preset an audio stream.
    if preset.video is not None and video_in is None:
        raise MediaError(
            f"The input file has no video stream, but preset {preset.id} makes video; "
            "use an audio preset for audio-only input",
            code=4000,
        )
    audio = (
        plan_audio(preset.id, preset.audio, audio_in)
        if preset.audio is not None and audio_in is not None and preset.audio.channels != 0
        else None
    )
    video = (
        plan_video(preset.id, preset.video, video_in)
        if preset.video is not None and video_in is not None
        else None
    )
    if audio is None and video is None:
        wanted = " or ".join(k for k, v in (("audio", preset.audio), ("video", preset.video)) if v)
        raise MediaError(
            f"input has no {wanted or 'media'} stream, which preset {preset.id} needs", code=4000
        )
    stills = plan_thumbnails(preset, media.video) if thumbnails else None
    if segment_duration is None:
        options = CONTAINER_OPTIONS.get(preset.container) or MUXER_OPTIONS.get(muxer, {})
        return OutputPlan(muxer, options, audio, video, None, stills)
    if video is not None:
        video = replace(video, keyframe_every=segment_duration)
    return OutputPlan(SEGMENT_MUXER, {}, audio, video, segment_duration, stills, hls_version)


def plan_thumbnails(preset: Preset, source: StreamInfo | None) -> ThumbnailPlan:
    settings = preset.thumbnails
    if settings is None:
        raise UnsupportedPresetError(f"preset {preset.id} makes no thumbnails")
    if source is None or not source.width or not source.height:
        raise MediaError(
            f"input has no video stream to take the thumbnails of preset {preset.id} from",
            code=4000,
        )
    width, height = settings.max_width, settings.max_height
    if (width is None or height is None) and settings.resolution and "x" in settings.resolution:
        width, height = (int(n) for n in settings.resolution.split("x"))
    geometry = fit_frame(
        source.width,
        source.height,
        width or AUTO_MAX_WIDTH,
        height or AUTO_MAX_HEIGHT,
        settings.sizing_policy,
        settings.padding_policy,
        source.sample_aspect_ratio,
    )
    if settings.format == "png":
        return ThumbnailPlan("png", "png", geometry, "rgb24", float(settings.interval))
    return ThumbnailPlan("mjpeg", "jpg", geometry, "yuvj420p", float(settings.interval))


def plan_audio(preset_id: str, settings: AudioSettings, source: StreamInfo) -> AudioPlan:
    rate = settings.sample_rate or source.sample_rate or DEFAULT_AUDIO_RATE
    channels = settings.channels or min(source.channels or 2, 2)
    layout = "mono" if channels == 1 else "stereo"
    bit_rate = settings.bit_rate * 1000 if settings.bit_rate else None
    codec = settings.codec
    if codec == "AAC":
        if settings.profile not in (None, "auto", "AAC-LC"):
            raise UnsupportedPresetError(
                f"preset {preset_id}: AAC profile {settings.profile} needs an HE-AAC encoder, "
                "which this FFmpeg build lacks; use AAC-LC"
            )
        return AudioPlan("aac", rate, layout, "fltp", bit_rate or 128_000, {"profile": "aac_low"})
    if codec == "mp3":
        return AudioPlan("libmp3lame", rate, layout, "s16p", bit_rate or 128_000)
    if codec == "mp2":
        return AudioPlan("mp2", rate, layout, "s16", bit_rate or 192_000)
    if codec == "vorbis":
        # FFmpeg's own Vorbis encoder is flagged experimental; it is the one in this build.
        return AudioPlan("vorbis", rate, layout, "fltp", bit_rate, {"strict": "experimental"})
    if codec == "flac":
        depth = settings.bit_depth or 16
        fmt = "s16" if depth == 16 else "s32"
        return AudioPlan("flac", rate, layout, fmt, None)
    if codec == "pcm":
        encoder, sample_format = _PCM_ENCODERS[_pcm_key(preset_id, settings)]
        return AudioPlan(encoder, rate, layout, sample_format, None)
    raise UnsupportedPresetError(f"preset {preset_id}: audio codec {codec!r} is not supported")


_PCM_ENCODERS = {
    (8, False): ("pcm_u8", "u8"),
    (16, True): ("pcm_s16le", "s16"),
    (24, True): ("pcm_s24le", "s32"),
    (32, True): ("pcm_s32le", "s32"),
}


def _pcm_key(preset_id: str, settings: AudioSettings) -> tuple[int, bool]:
    depth = settings.bit_depth or 16
    signed = settings.signed if settings.signed is not None else depth > 8
    if (depth, signed) not in _PCM_ENCODERS:
        kind = "signed" if signed else "unsigned"
        raise UnsupportedPresetError(
            f"preset {preset_id}: {depth}-bit {kind} PCM cannot be stored in WAV "
            "(8-bit is unsigned, 16/24/32-bit are signed)"
        )
    return depth, signed


def plan_video(preset_id: str, settings: VideoSettings, source: StreamInfo) -> VideoPlan:
    if not source.width or not source.height:
        raise MediaError("input video stream has no frame size", code=4000)
    geometry = fit_frame(
        source.width,
        source.height,
        settings.max_width or AUTO_MAX_WIDTH,
        settings.max_height or AUTO_MAX_HEIGHT,
        settings.sizing_policy,
        settings.padding_policy,
        source.sample_aspect_ratio,
    )
    source_rate = source.frame_rate
    if source_rate is not None and source_rate < MIN_SOURCE_FRAME_RATE:
        source_rate = None  # measured across timestamp gaps, not a frame rate
    frame_rate = settings.frame_rate or min(
        source_rate or DEFAULT_MAX_FRAME_RATE,
        settings.max_frame_rate or DEFAULT_MAX_FRAME_RATE,
    )
    bit_rate = settings.bit_rate * 1000 if settings.bit_rate else None
    gop = settings.keyframes_max_dist
    common: dict[str, str] = {}
    if gop:
        common["g"] = str(gop)
        if settings.fixed_gop:
            common["keyint_min"] = str(gop)
            common["sc_threshold"] = "0"
    if settings.max_bit_rate:
        common["maxrate"] = f"{settings.max_bit_rate}k"
        common["bufsize"] = f"{settings.buffer_size or 10 * settings.max_bit_rate}k"
    codec = settings.codec
    if codec == "H.264":
        options = {**common, "preset": "medium"}
        if settings.profile:
            options["profile"] = settings.profile
        if settings.level:
            options["level"] = settings.level
        if settings.max_reference_frames is not None:
            options["refs"] = str(max(1, settings.max_reference_frames))
        if bit_rate is None:
            options["crf"] = "23"
        if settings.interlaced_mode in ("TopFirst", "BottomFirst"):
            field_order = "tff" if settings.interlaced_mode == "TopFirst" else "bff"
            options["x264-params"] = f"interlaced=1:{field_order}=1"
        return VideoPlan("libx264", geometry, frame_rate, "yuv420p", bit_rate, options)
    if codec in ("vp8", "vp9"):
        # "good" quality at cpu-used 4: libvpx's defaults are many times slower for little gain.
        options = {**common, "deadline": "good", "cpu-used": "4"}
        if bit_rate is None:
            options["crf"] = "32"
        elif not settings.max_bit_rate:
            # libvpx's one-pass VBR undershoots short inputs by 15 % and more; one-pass CBR
            # (min = max = target) keeps the preset's bit rate, which is what users ask for.
            options["minrate"] = options["maxrate"] = f"{settings.bit_rate}k"
        if codec == "vp8" and settings.profile:
            options["profile"] = settings.profile
        encoder = "libvpx" if codec == "vp8" else "libvpx-vp9"
        return VideoPlan(encoder, geometry, frame_rate, "yuv420p", bit_rate, options)
    if codec == "mpeg2":
        pixel_format = settings.chroma_subsampling or "yuv420p"
        options = dict(common)
        if bit_rate:
            # Broadcast MPEG-2 is constant bit rate: without a floor, easy pictures come out
            # far below the preset's rate (XDCAM HD422 is 50 Mbit/s, not "up to").
            options["minrate"] = options["maxrate"] = str(bit_rate)
            options.setdefault("bufsize", str(bit_rate))
        if pixel_format == "yuv422p":
            options.update(profile="0", level="2")  # 4:2:2 profile, high level (XDCAM HD422)
        if settings.interlaced_mode in ("TopFirst", "BottomFirst"):
            options.update(
                flags="+ilme+ildct", top="1" if settings.interlaced_mode == "TopFirst" else "0"
            )
        return VideoPlan("mpeg2video", geometry, frame_rate, pixel_format, bit_rate, options)
    if codec == "gif":
        # A palette made from the whole clip (palettegen, then paletteuse): GIF has 256 colours.
        return VideoPlan("gif", geometry, frame_rate, "pal8", None)
    raise UnsupportedPresetError(
        f"preset {preset_id}: video codec {codec!r} is not supported "
        "(H.264, vp8, vp9, mpeg2 and gif are)"
    )
