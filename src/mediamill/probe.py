"""Inspect a media file by decoding it, never by trusting its name.

``inspect(path)`` opens the file with FFmpeg, lists its streams and proves they decode: it
decodes the first frames of every audio and video stream and, when the container declares a
duration, frames near the end too, so a truncated file is caught before any work is spent on
it. ``probe(path)`` does the same inside a sandboxed child process; use it on untrusted input.

An input is a path or an open file descriptor (``Source``): the sandboxed child reads the
descriptor its parent opened, because it may not be allowed to open the path itself.
Messages never name the path: they end up in job errors that users read.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

import av
import av.error

from mediamill import settings
from mediamill.errors import MediaError, ResourceLimitError
from mediamill.sandbox import CancelToken, Emit, Limits, run_isolated

StreamKind = Literal["audio", "video"]

#: Demuxers an input may be read with: media containers only. Not playlists (hls) or
#: concat lists, which would make FFmpeg read other files of this machine (another bucket's
#: objects, say) as segments of a harmless-looking input.
INPUT_FORMATS = (
    "mp3,wav,w64,flac,aac,ac3,eac3,dts,truehd,mlp,amr,aiff,caf,wv,ape,tta,au,voc,loas,"
    "mov,matroska,ogg,avi,asf,flv,mpeg,mpegts,mxf,dv,ivf,rm,m4v"
)
#: Options for opening untrusted input: only those demuxers, only local files.
OPEN_OPTIONS = {"format_whitelist": INPUT_FORMATS, "protocol_whitelist": "file"}

#: An input: a path, or a descriptor open for reading.
Source = str | os.PathLike[str] | int

#: The largest picture decoded (width and height each, and their product): H.264's and
#: HEVC's largest levels stay within 8192 x 4320; beyond, a frame alone takes hundreds of
#: MiB and the size is a bomb, not a film.
MAX_DIMENSION = 16384
MAX_PIXELS = 8192 * 8192
#: Audio sample rates accepted: from telephone-grade speech up to studio rates. A WAV
#: declaring 1 Hz makes 8 KiB of samples last hours once resampled.
MIN_SAMPLE_RATE, MAX_SAMPLE_RATE = 1000, 768_000
#: Most audio channels accepted (FFmpeg's mixing filters stop at 64).
MAX_CHANNELS = 64

#: Packets read from the start of the file while looking for a first frame of each stream.
_HEAD_PACKETS = 500
#: Seconds before the declared end where frames must still decode.
_TAIL_SECONDS = 1.5


@dataclass(frozen=True)
class StreamInfo:
    index: int
    kind: StreamKind
    codec: str
    duration: float | None = None
    bit_rate: int | None = None
    # audio
    sample_rate: int | None = None
    channels: int | None = None
    sample_format: str | None = None
    layout: str | None = None  # FFmpeg's name: "stereo", "5.1(side)", "64 channels"
    # video
    width: int | None = None
    height: int | None = None
    frame_rate: Fraction | None = None
    pixel_format: str | None = None
    sample_aspect_ratio: Fraction | None = None


@dataclass(frozen=True)
class MediaInfo:
    container: str  # FFmpeg's demuxer name, e.g. "mp3", "mov,mp4,m4a,3gp,3g2,mj2"
    size: int  # bytes
    duration: float | None  # seconds, as declared by the container
    bit_rate: int | None
    streams: tuple[StreamInfo, ...]

    @property
    def audio(self) -> StreamInfo | None:
        return next((s for s in self.streams if s.kind == "audio"), None)

    @property
    def video(self) -> StreamInfo | None:
        return next((s for s in self.streams if s.kind == "video"), None)


def probe(path: str | os.PathLike[str], *, cancel: CancelToken | None = None) -> MediaInfo:
    """``inspect`` in a child process with the configured memory and time limits.

    The probe's CPU time is limited to its wall-clock limit, ``MEDIAMILL_PROBE_TIMEOUT``.
    """
    timeout = settings.get("MEDIAMILL_PROBE_TIMEOUT")
    limits = Limits(
        memory_mb=settings.get("MEDIAMILL_DECODE_MEMORY_MB"),
        timeout=timeout,
        cpu_seconds=timeout,
        timeout_setting="MEDIAMILL_PROBE_TIMEOUT",
        cpu_setting="MEDIAMILL_PROBE_TIMEOUT",
    )
    fd = open_source(path)
    try:
        info: MediaInfo = run_isolated(
            _inspect_isolated,
            fd,
            limits=limits,
            cancel=cancel,
            what="probing",
            result_types=(MediaInfo, StreamInfo),
            pass_fds=[fd],
        )
        return info
    finally:
        os.close(fd)


def _inspect_isolated(fd: int, *, emit: Emit, cancel: CancelToken) -> MediaInfo:
    return inspect(fd)


def open_source(path: str | os.PathLike[str]) -> int:
    """Open an input for reading and return its descriptor; ``MediaError`` if it cannot be.

    Only regular files: ``O_NONBLOCK`` keeps a FIFO planted in a folder from hanging us.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except (FileNotFoundError, NotADirectoryError):
        raise MediaError("the input file does not exist", code=3001) from None
    except OSError as exc:
        raise MediaError(f"cannot read the input file: {exc.strerror}", code=3001) from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise MediaError("the input is not a regular file", code=3001)
    return fd


def open_input(source: Source) -> Any:
    """Open an input with FFmpeg, restricted to media demuxers (``OPEN_OPTIONS``)."""
    if isinstance(source, int):
        # FFmpeg's fd protocol shares the descriptor's offset: start each reading at 0.
        os.lseek(source, 0, os.SEEK_SET)
        options = {**OPEN_OPTIONS, "protocol_whitelist": "fd", "fd": str(source)}
        return av.open("fd:", metadata_errors="ignore", options=options)
    return av.open(os.fspath(source), metadata_errors="ignore", options=dict(OPEN_OPTIONS))


def _source_size(source: Source) -> int:
    if isinstance(source, int):
        info = os.fstat(source)
    else:
        try:
            info = os.stat(source)
        except (FileNotFoundError, NotADirectoryError):
            raise MediaError("the input file does not exist", code=3001) from None
        except OSError as exc:
            raise MediaError(f"cannot read the input file: {exc.strerror}", code=3001) from exc
    if not stat.S_ISREG(info.st_mode):
        raise MediaError("the input is not a regular file", code=3001)
    return info.st_size


def inspect(source: Source) -> MediaInfo:
    """Describe the media in ``source``; raise ``MediaError`` naming the problem if unusable."""
    size = _source_size(source)
    if size == 0:
        raise MediaError("input file is empty (0 bytes)", code=4000)
    try:
        container = open_input(source)
    except av.error.InvalidDataError:
        raise MediaError(
            "input is not a media file FFmpeg recognises (its contents match no known format, "
            "or it is damaged beyond reading)",
            code=4000,
        ) from None
    except MemoryError as exc:
        raise ResourceLimitError("inspecting the input ran out of memory") from exc
    except av.error.ArgumentError as exc:  # EINVAL: a demuxer matched that is not allowed
        raise MediaError(
            "input is not in a format mediamill accepts (media containers only: playlists "
            "and file lists are refused)",
            code=4000,
        ) from exc
    except (av.error.FFmpegError, OSError) as exc:
        raise MediaError(f"cannot open input: {exc.strerror or exc}", code=4000) from exc
    with container:
        streams = tuple(
            _describe(stream)
            for stream in container.streams
            if stream.type in ("audio", "video") and not _is_attached_picture(stream)
        )
        if not streams:
            raise MediaError("input contains no audio or video stream", code=4000)
        for stream in streams:
            _check_plausible(stream)
        duration = container.duration / av.time_base if container.duration else None
        _check_decodes(container, streams)
        if duration is not None and duration > 2 * _TAIL_SECONDS:
            _check_tail(container, streams, duration)
        return MediaInfo(
            container=container.format.name,
            size=size,
            duration=duration,
            bit_rate=container.bit_rate or None,
            streams=streams,
        )


def _check_plausible(stream: StreamInfo) -> None:
    """Refuse parameters no real recording has, before anything is decoded at that size."""
    width, height = stream.width or 0, stream.height or 0
    if max(width, height) > MAX_DIMENSION or width * height > MAX_PIXELS:
        raise MediaError(
            f"input video is {stream.width}x{stream.height} pixels, larger than mediamill "
            f"decodes (at most {MAX_DIMENSION} pixels a side and {MAX_PIXELS} pixels)",
            code=4000,
        )
    if stream.kind == "audio" and not stream.channels:
        raise MediaError("input audio declares no channels", code=4000)
    if (stream.channels or 0) > MAX_CHANNELS:
        raise MediaError(
            f"input audio has {stream.channels} channels; mediamill reads at most {MAX_CHANNELS}",
            code=4000,
        )
    rate = stream.sample_rate
    if rate is not None and not MIN_SAMPLE_RATE <= rate <= MAX_SAMPLE_RATE:
        raise MediaError(
            f"input audio declares a sample rate of {stream.sample_rate} Hz, outside "
            f"{MIN_SAMPLE_RATE}-{MAX_SAMPLE_RATE} Hz",
            code=4000,
        )


def _is_attached_picture(stream: Any) -> bool:
    # Cover art in an MP3 or MP4 shows up as a one-frame video stream; it is not video.
    return bool(stream.type == "video" and stream.disposition & av.stream.Disposition.attached_pic)


def _describe(stream: Any) -> StreamInfo:
    ctx = stream.codec_context
    duration = float(stream.duration * stream.time_base) if stream.duration else None
    common: dict[str, Any] = {
        "index": stream.index,
        "codec": ctx.codec.canonical_name,
        "duration": duration,
        "bit_rate": ctx.bit_rate or None,
    }
    if stream.type == "audio":
        return StreamInfo(
            kind="audio",
            sample_rate=ctx.sample_rate or None,
            channels=ctx.channels or None,
            sample_format=ctx.format.name if ctx.format else None,
            layout=ctx.layout.name if ctx.channels else None,
            **common,
        )
    rate = stream.average_rate or stream.guessed_rate
    return StreamInfo(
        kind="video",
        width=ctx.width or None,
        height=ctx.height or None,
        frame_rate=Fraction(rate) if rate else None,
        pixel_format=ctx.format.name if ctx.format else None,
        sample_aspect_ratio=Fraction(ctx.sample_aspect_ratio) if ctx.sample_aspect_ratio else None,
        **common,
    )


def _check_decodes(container: Any, streams: tuple[StreamInfo, ...]) -> None:
    """Decode from the start until every stream has produced a frame."""
    pending = {s.index for s in streams}
    errors: dict[int, str] = {}
    selected = [container.streams[i] for i in pending]
    try:
        for count, packet in enumerate(container.demux(selected)):
            if packet.stream.index not in pending:
                continue
            try:
                if packet.decode():
                    pending.discard(packet.stream.index)
            except av.error.FFmpegError as exc:
                errors[packet.stream.index] = str(exc)
            if not pending or count >= _HEAD_PACKETS:
                break
    except av.error.FFmpegError as exc:
        raise MediaError(f"input is corrupt: {exc}", code=4000) from exc
    if pending:
        names = ", ".join(_stream_name(streams, i, errors) for i in sorted(pending))
        raise MediaError(f"input could not be decoded: no frames from {names}", code=4000)


def _check_tail(container: Any, streams: tuple[StreamInfo, ...], duration: float) -> None:
    """Decode near the declared end: a truncated file has nothing there.

    Seeking lands on a keyframe at or before the target, so decode forward until a frame
    reaches the last seconds. Audio is preferred for this: it is far cheaper to decode.
    """
    target = duration - _TAIL_SECONDS
    try:
        container.seek(int(target * av.time_base), any_frame=False, backward=True)
    except av.error.FFmpegError:
        return  # not seekable: the full decode will judge the length
    audio = [s for s in streams if s.kind == "audio"]
    stream = container.streams[(audio or list(streams))[0].index]
    reached = 0.0
    try:
        for count, packet in enumerate(container.demux(stream)):
            for frame in packet.decode() if packet.size else ():
                if frame.time is not None:
                    reached = max(reached, float(frame.time))
            if reached >= target - _TAIL_SECONDS or count >= 20 * _HEAD_PACKETS:
                break
    except av.error.FFmpegError:
        pass
    if reached < target - _TAIL_SECONDS:
        raise MediaError(
            f"input is truncated or damaged, or its header is wrong: it declares "
            f"{duration:.1f} s but its media stops at {reached:.1f} s",
            code=4000,
        )


def _stream_name(streams: tuple[StreamInfo, ...], index: int, errors: dict[int, str]) -> str:
    stream = next(s for s in streams if s.index == index)
    name = f"{stream.kind} stream #{index} ({stream.codec})"
    return f"{name}: {errors[index]}" if index in errors else name
