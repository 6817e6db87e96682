"""Decode one input once and feed every output's writer thread.

This is the work that runs inside the sandboxed child: it trusts nothing about the input.
Outputs are written to the paths it is given; making them visible is the caller's job.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

import av
import av.error

from mediamill.engine.limits import MediaLimits
from mediamill.engine.plan import OutputPlan, plan_output
from mediamill.engine.segments import (
    IFRAME_SUFFIX,
    V4_SUFFIX,
    read_byte_ranges,
    read_playlist,
    write_iframe_playlist,
)
from mediamill.engine.writer import PLAYLIST_SUFFIX, OutputWriter
from mediamill.errors import (
    CanceledError,
    MediaError,
    MediamillError,
    TranscodeError,
)
from mediamill.presets.model import Preset
from mediamill.probe import MediaInfo, Source, inspect, open_input
from mediamill.sandbox import CancelToken

ProgressCallback = Callable[[int], None]

#: Undecodable packets tolerated before the input is declared corrupt (FFmpeg skips a few
#: damaged frames in otherwise good files; a file that is mostly damage is refused).
MAX_DECODE_ERRORS = 50
#: Decoded frames handed to the outputs at once (video: fewer, they are large).
BATCH_FRAMES = 16
BATCH_VIDEO_FRAMES = 2
#: A decode that ends this much before the declared duration means the file is truncated.
TRUNCATION_TOLERANCE = 1.0
#: A jump forward in the input's timestamps longer than this, past everything decoded so
#: far, is closed up: what follows it comes right after what came before. Otherwise two
#: frames an hour apart become an hour of one repeated picture, and the output's duration
#: counts the hole. (ffmpeg closes discontinuities in MPEG-TS at the same threshold.)
MAX_GAP_SECONDS = 10.0


@dataclass(frozen=True)
class OutputStats:
    """What Elastic Transcoder reported per output, measured on the written file."""

    duration: float  # seconds
    file_size: int  # bytes
    width: int | None
    height: int | None
    frame_rate: Fraction | None
    #: A segmented output: the names of its files (variant playlist first, then the
    #: segments), beside its base name; empty for a single file.
    files: tuple[str, ...] = ()
    #: Bit rates of what was written, bit/s: over the whole output, and of its fullest
    #: segment (an HLS master playlist's AVERAGE-BANDWIDTH and BANDWIDTH).
    bit_rate: int | None = None
    peak_bit_rate: int | None = None
    #: RFC 6381 codec names of its streams, e.g. ``avc1.4d401f,mp4a.40.2`` (segmented only).
    codecs: str | None = None
    #: Thumbnails written, in order (``00001.png``...), and their size as ``WxH``.
    thumbnails: tuple[str, ...] = ()
    thumbnail_resolution: str | None = None
    #: HLSv4 with video: the bit rate of its keyframes alone (I-frame playlist BANDWIDTH).
    iframe_bit_rate: int | None = None

    @property
    def duration_millis(self) -> int:
        return round(self.duration * 1000)


#: One output for ``encode_outputs``: its preset, the path to write (a segmented output's
#: base name: ``base.m3u8`` and ``base00000.ts``... are written), its segment duration, and
#: the folder its thumbnails go to (None: no thumbnails), its HLS version (3 or 4).
Target = tuple[Preset, str, float | None, str | None, int]


def encode_outputs(
    source: Source,
    targets: list[Target],
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken,
    limits: MediaLimits | None = None,
) -> list[OutputStats]:
    """Write each target from ``source``; return stats per target."""
    limits = limits or MediaLimits()
    media = inspect(source)
    if media.duration:
        limits.check_duration(media.duration, "declares")
    plans = [
        plan_output(preset, media, segments, thumbs is not None, version)
        for preset, _, segments, thumbs, version in targets
    ]
    max_bytes = limits.max_output_bytes(media.size)
    if max_bytes is not None and media.duration:
        for index, plan in enumerate(plans):
            predicted = predicted_size(plan, media.duration)
            if predicted is not None and predicted > max_bytes:
                raise limits.output_too_large(index, max_bytes, predicted=True)
    paths = [path for _, path, _, _, _ in targets]
    folders = [thumbs for _, _, _, thumbs, _ in targets]
    decoder = _Decoder(source, media, plans, paths, progress, cancel, limits, max_bytes, folders)
    decoder.run()
    stats = []
    for (_, path, segments, _, version), plan, stills in zip(
        targets, plans, decoder.thumbnails, strict=True
    ):
        if segments is None:
            measured = measure(path)
        else:
            measured = measure_segmented(path) if version == 3 else measure_byte_ranges(path)
        if plan.thumbnails is not None:
            geo = plan.thumbnails.geometry
            measured = replace(
                measured,
                thumbnails=tuple(stills),
                thumbnail_resolution=f"{geo.width}x{geo.height}",
            )
        stats.append(measured)
    return stats


#: Bytes per sample of the PCM encoders, whose output size follows from the duration.
_PCM_BYTES = {"pcm_u8": 1, "pcm_s16le": 2, "pcm_s24le": 3, "pcm_s32le": 4}


def predicted_size(plan: OutputPlan, seconds: float) -> int | None:
    """The size of an output whose size is known in advance (PCM audio only), else None."""
    audio = plan.audio
    if plan.video is not None or audio is None or audio.encoder not in _PCM_BYTES:
        return None
    channels = 1 if audio.layout == "mono" else 2
    return int(seconds * audio.sample_rate * channels * _PCM_BYTES[audio.encoder])


class _Decoder:
    def __init__(
        self,
        source: Source,
        media: MediaInfo,
        plans: list[OutputPlan],
        paths: list[str],
        progress: ProgressCallback | None,
        cancel: CancelToken,
        limits: MediaLimits,
        max_bytes: int | None,
        thumbnail_folders: list[str | None],
    ) -> None:
        self.thumbnail_folders = thumbnail_folders
        self.thumbnails: list[list[str]] = [[] for _ in plans]
        self.source = source
        self.limits = limits
        self.max_bytes = max_bytes
        self.media = media
        self.plans = plans
        self.paths = paths
        self.progress = progress
        self.cancel = cancel
        self.reported = -1

    def run(self) -> None:
        try:
            container: Any = open_input(self.source)
        except av.error.FFmpegError as exc:
            raise MediaError(f"cannot open input: {exc.strerror or exc}", code=4000) from exc
        with container:
            streams = self._select(container)
            inputs = {kind: (info, stream.time_base) for kind, (stream, info) in streams.items()}
            writers = [
                OutputWriter(
                    i, path, plan, inputs, self.cancel, self.max_bytes, self.limits, folder
                )
                for i, (path, plan, folder) in enumerate(
                    zip(self.paths, self.plans, self.thumbnail_folders, strict=True)
                )
            ]
            for writer in writers:
                writer.start()
            try:
                decoded_until = self._decode(container, streams, writers)
            finally:
                for writer in writers:
                    writer.finish()
                for writer in writers:
                    writer.join()
            self._raise_first_error(writers)
            self.thumbnails = [writer.thumbnails for writer in writers]
        if self.cancel.is_set():
            raise CanceledError("transcode canceled")
        declared = self.media.duration
        if declared and decoded_until < declared - TRUNCATION_TOLERANCE:
            raise MediaError(
                f"input is truncated or damaged: its header declares {declared:.1f} s "
                f"but only {decoded_until:.1f} s could be decoded",
                code=4000,
            )

    def _select(self, container: Any) -> dict[str, tuple[Any, Any]]:
        wanted = {kind for plan in self.plans for kind in ("audio", "video") if getattr(plan, kind)}
        if any(plan.thumbnails for plan in self.plans):
            wanted.add("video")
        selected: dict[str, tuple[Any, Any]] = {}
        for info in self.media.streams:
            if info.kind in wanted and info.kind not in selected:
                stream = container.streams[info.index]
                stream.thread_type = "AUTO"
                selected[info.kind] = (stream, info)
        return selected

    def _decode(
        self, container: Any, streams: dict[str, tuple[Any, Any]], writers: list[OutputWriter]
    ) -> float:
        kinds = {stream.index: kind for kind, (stream, _) in streams.items()}
        rates = {stream.index: info.frame_rate for stream, info in streams.values()}
        errors = 0
        timeline = _Timeline()
        next_pts = dict.fromkeys(kinds, 0)
        # Outputs start at 0, as ffmpeg's do: an MP3 decoder's first frame comes after the
        # encoder delay it skipped (25 ms), and AAC priming is only signalled (an MP4 edit
        # list) when the first frame starts at 0.
        start = (container.start_time or 0) / av.time_base
        shift = {
            stream.index: round(start / stream.time_base) if stream.time_base else 0
            for stream, _ in streams.values()
        }
        batch: list[tuple[str, Any]] = []
        video_frames = 0
        for packet in container.demux([stream for stream, _ in streams.values()]):
            if self.cancel.is_set():
                raise CanceledError("transcode canceled")
            if any(w.error is not None for w in writers):
                return timeline.input_end
            kind = kinds[packet.stream.index]
            try:
                frames = packet.decode()
            except av.error.FFmpegError as exc:
                errors += 1
                if errors > MAX_DECODE_ERRORS:
                    raise MediaError(f"input is corrupt: {exc}", code=4000) from exc
                continue
            for frame in frames:
                # Only this thread may touch a frame before it is shared with the outputs.
                if frame.pts is None:
                    frame.pts = next_pts[packet.stream.index]
                elif shift[packet.stream.index]:
                    frame.pts -= shift[packet.stream.index]
                if kind == "audio":
                    next_pts[packet.stream.index] = frame.pts + int(
                        frame.samples / frame.sample_rate / packet.stream.time_base
                    )
                if frame.time is not None:
                    length = _frame_seconds(frame, kind, rates[packet.stream.index])
                    removed = timeline.place(float(frame.time), length)
                    if removed:
                        frame.pts -= round(removed / frame.time_base)
                    # Timestamps, not the header, say how long the output will be.
                    self.limits.check_duration(timeline.output_end, "reaches")
                batch.append((kind, frame))
                if kind == "video":
                    video_frames += 1
            if len(batch) >= BATCH_FRAMES or video_frames >= BATCH_VIDEO_FRAMES:
                self._send(writers, batch)
                batch, video_frames = [], 0
        self._send(writers, batch)
        return timeline.input_end

    def _send(self, writers: list[OutputWriter], batch: list[tuple[str, Any]]) -> None:
        if batch:
            for writer in writers:
                writer.put(batch)
        self._report(writers)

    def _report(self, writers: list[OutputWriter]) -> None:
        if self.progress is None or not self.media.duration:
            return
        done = min(w.position for w in writers) / self.media.duration
        # 100 is said by the caller once the outputs are complete and in place.
        percent = min(99, int(done * 100))
        if percent > self.reported:
            self.reported = percent
            self.progress(percent)

    @staticmethod
    def _raise_first_error(writers: list[OutputWriter]) -> None:
        for writer in writers:
            exc = writer.error
            if exc is None:
                continue
            if isinstance(exc, MediamillError):
                raise exc
            raise TranscodeError(f"output {writer.index + 1}: {exc}") from exc


def _frame_seconds(frame: Any, kind: str, rate: Fraction | None) -> float:
    if kind == "audio":
        return float(frame.samples / frame.sample_rate) if frame.sample_rate else 0.0
    # At most a second: an average rate measured across a timestamp gap is no frame length.
    return min(1.0, float(1 / rate)) if rate else 0.0


class _Timeline:
    """Where decoded frames go on the output's time line, with long gaps closed up.

    Times are in seconds from the start of the input. ``input_end`` is where the input's
    frames end (compared with the declared duration to catch truncated files);
    ``output_end`` where the output's end, after ``removed`` seconds of gaps were taken out.
    """

    def __init__(self) -> None:
        self.removed = 0.0
        self.input_end = 0.0
        self.output_end = 0.0

    def place(self, start: float, length: float) -> float:
        """Seconds to take off a frame that starts at ``start`` and lasts ``length``."""
        if start - self.removed > self.output_end + MAX_GAP_SECONDS:
            self.removed = start - self.output_end
        self.input_end = max(self.input_end, start + length)
        self.output_end = max(self.output_end, start - self.removed + length)
        return self.removed


def measure(path: str) -> OutputStats:
    """Duration, size and frame size of a file we just wrote."""
    size = os.path.getsize(path)
    with av.open(path) as container:
        video = container.streams.video[0] if container.streams.video else None
        duration = container.duration / av.time_base if container.duration else 0.0
        return OutputStats(
            duration=duration,
            file_size=size,
            width=video.codec_context.width if video else None,
            height=video.codec_context.height if video else None,
            frame_rate=Fraction(video.average_rate) if video and video.average_rate else None,
        )


def measure_segmented(base: str) -> OutputStats:
    """Stats of a segmented output from its variant playlist and the segments it names."""
    folder = os.path.dirname(base)
    playlist = base + PLAYLIST_SUFFIX
    segments = read_playlist(playlist)
    if not segments:
        raise TranscodeError("the segmented output has no segments")
    sizes = [os.path.getsize(os.path.join(folder, name)) for name, _ in segments]
    duration = sum(length for _, length in segments)
    peak = max(
        size * 8 / length for size, (_, length) in zip(sizes, segments, strict=True) if length
    )
    first = measure(os.path.join(folder, segments[0][0]))
    return OutputStats(
        duration=duration,
        file_size=sum(sizes),
        width=first.width,
        height=first.height,
        frame_rate=first.frame_rate,
        files=(os.path.basename(playlist), *(name for name, _ in segments)),
        bit_rate=round(sum(sizes) * 8 / duration) if duration else None,
        peak_bit_rate=round(peak),
        codecs=codec_names(os.path.join(folder, segments[0][0])),
    )


def measure_byte_ranges(base: str) -> OutputStats:
    """Stats of an HLSv4 output: ``base.ts``, its ``_v4.m3u8`` and ``_iframe.m3u8``."""
    media = base + ".ts"
    segments = read_byte_ranges(base + V4_SUFFIX)
    if not segments:
        raise TranscodeError("the segmented output has no segments")
    duration = sum(length for length, _, _ in segments)
    size = os.path.getsize(media)
    peak = max(count * 8 / length for length, count, _ in segments if length)
    first = measure(media)
    files = [os.path.basename(base + V4_SUFFIX)]
    iframe_rate = None
    if first.width:
        iframe_rate = write_iframe_playlist(media, base + IFRAME_SUFFIX)
        files.append(os.path.basename(base + IFRAME_SUFFIX))
    return OutputStats(
        duration=duration,
        file_size=size,
        width=first.width,
        height=first.height,
        frame_rate=first.frame_rate,
        files=(*files, os.path.basename(media)),
        bit_rate=round(size * 8 / duration) if duration else None,
        peak_bit_rate=round(peak),
        codecs=codec_names(media),
        iframe_bit_rate=iframe_rate,
    )


def codec_names(path: str) -> str:
    """RFC 6381 names of the streams in ``path`` (H.264 from its SPS, AAC-LC), video first."""
    names = []
    with av.open(path) as container:
        for video in container.streams.video:
            if video.codec_context.name == "h264":
                names.append(_avc1(container, video))
        for audio in container.streams.audio:
            if audio.codec_context.name == "aac":
                names.append("mp4a.40.2")
    return ",".join(names)


def _avc1(container: Any, stream: Any) -> str:
    """``avc1.PPCCLL``: profile, constraint flags and level, from the first SPS written."""
    for packet in container.demux(stream):
        data = bytes(packet)
        start = data.find(b"\x00\x00\x01\x67")  # start code + NAL type 7 (SPS)
        if start >= 0 and len(data) >= start + 7:
            return "avc1." + data[start + 4 : start + 7].hex()
    raise TranscodeError("the H.264 output has no sequence parameter set")
