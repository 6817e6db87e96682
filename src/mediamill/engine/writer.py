"""One output file, written by its own thread from a queue of decoded frames.

PyAV releases the GIL while FFmpeg encodes, so outputs in separate threads encode on
separate cores. The queue is bounded: a slow output makes the decoder wait instead of
letting decoded frames pile up in memory.
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
from fractions import Fraction
from typing import Any

import av
import av.error

from mediamill.engine.branches import AudioBranch, Branch, ThumbnailBranch, VideoBranch
from mediamill.engine.limits import MediaLimits
from mediamill.engine.plan import OutputPlan
from mediamill.engine.segments import V4_SUFFIX, tidy
from mediamill.errors import CanceledError, MediamillError, TranscodeError
from mediamill.probe import StreamInfo
from mediamill.sandbox import CancelToken, file_limit_error

#: Batches of decoded frames that may wait for one output. The decoder sends at most 2 video
#: frames per batch, so at most 48 video frames (1.6 s at 30 fps) wait per output.
QUEUE_BATCHES = 24

_STOP = None


class OutputWriter(threading.Thread):
    def __init__(
        self,
        index: int,
        path: str,
        plan: OutputPlan,
        inputs: dict[str, tuple[StreamInfo, Fraction]],
        cancel: CancelToken,
        max_bytes: int | None = None,
        limits: MediaLimits | None = None,
        thumbnail_folder: str | None = None,
    ) -> None:
        super().__init__(name=f"mediamill-output-{index}", daemon=True)
        self.max_bytes = max_bytes
        self.limits = limits or MediaLimits()
        self.written_bytes = 0
        self.index = index
        self.path = path
        self.plan = plan
        self.inputs = inputs
        self.cancel = cancel
        self.frames: queue.Queue[list[tuple[str, Any]] | None] = queue.Queue(QUEUE_BATCHES)
        self.error: BaseException | None = None
        self.kinds = {k for k in ("audio", "video") if getattr(plan, k) is not None}
        self.thumbnail_folder = thumbnail_folder
        #: File names of the thumbnails written (in ``thumbnail_folder``), in order.
        self.thumbnails: list[str] = []
        thumbnails = plan.thumbnails is not None and thumbnail_folder is not None
        self._frame_kinds = self.kinds | ({"video"} if thumbnails else set())
        self._written = dict.fromkeys(self.kinds, 0.0)  # seconds muxed, per stream

    @property
    def position(self) -> float:
        """Seconds of media written to every stream of this output so far."""
        return min(self._written.values())

    def put(self, batch: list[tuple[str, Any]]) -> None:
        """Hand decoded ``(kind, frame)`` pairs to this output (blocks while its queue is full).

        Frames travel in batches: one queue hand-off per frame costs more time than encoding
        a small audio frame takes.
        """
        if self.error is not None:
            return
        wanted = [item for item in batch if item[0] in self._frame_kinds]
        if not wanted:
            return
        while True:
            try:
                self.frames.put(wanted, timeout=0.2)
                return
            except queue.Full:
                if self.error is not None or self.cancel.is_set() or not self.is_alive():
                    return

    def finish(self) -> None:
        if self.is_alive():
            self.frames.put(_STOP)

    def run(self) -> None:
        try:
            self._write()
        except BaseException as exc:  # reported by the decoding thread
            # Closing the file can also hit the sandbox's file-size limit.
            self.error = file_limit_error(exc) or exc
            # Unblock a decoder waiting on a full queue.
            while not self.frames.empty():
                self.frames.get_nowait()

    def _write(self) -> None:
        plan = self.plan
        target, options = self.path, dict(plan.muxer_options)
        if plan.segment_duration is not None:
            target, options = segmented_target(self.path, plan.segment_duration, plan.hls_version)
        try:
            container: Any = av.open(target, "w", format=plan.muxer, options=options)
        except (av.error.FFmpegError, OSError) as exc:
            raise TranscodeError(f"cannot create output file: {exc}") from exc
        with container:
            branches: dict[str, Branch] = {}
            try:
                # Video first: players expect it as the first track.
                if plan.video is not None:
                    src, tb = self.inputs["video"]
                    branches["video"] = VideoBranch(container, plan.video, src, tb)
                if plan.audio is not None:
                    src, tb = self.inputs["audio"]
                    branches["audio"] = AudioBranch(container, plan.audio, src, tb)
                stills = None
                if plan.thumbnails is not None and self.thumbnail_folder is not None:
                    src, tb = self.inputs["video"]
                    stills = ThumbnailBranch(plan.thumbnails, src, tb, self.thumbnail_folder)
                    self.thumbnails = stills.names
            except (av.error.FFmpegError, ValueError) as exc:
                raise TranscodeError(f"cannot set up the encoder: {exc}") from exc
            try:
                while True:
                    batch = self.frames.get()
                    if batch is _STOP:
                        break
                    if self.cancel.is_set():
                        raise CanceledError("transcode canceled")
                    for kind, frame in batch:
                        if stills is not None and kind == "video":
                            stills.push(frame)
                        if kind in branches:
                            branches[kind].push(frame)
                    for kind, branch in branches.items():
                        self._mux(container, kind, branch.drain())
                for kind, branch in branches.items():
                    self._mux(container, kind, branch.flush())
            except MediamillError:
                raise
            except av.error.FFmpegError as exc:
                raise file_limit_error(exc) or TranscodeError(f"encoding failed: {exc}") from exc
        if plan.segment_duration is not None and plan.hls_version == 3:
            tidy(target)

    def _mux(self, container: Any, kind: str, packets: list[Any]) -> None:
        if not packets:
            return
        self.written_bytes += sum(packet.size for packet in packets)
        if self.max_bytes is not None and self.written_bytes > self.max_bytes:
            raise self.limits.output_too_large(self.index, self.max_bytes, predicted=False)
        container.mux(packets)
        last = packets[-1]
        if last.pts is not None and last.time_base:
            end = (last.pts + (last.duration or 0)) * float(last.time_base)
            if end > self._written[kind]:
                self._written[kind] = end


#: What a segmented output's files are named after its base name ``K`` (Elastic
#: Transcoder's HLSv3 names): the variant playlist and five-digit segments from 00000.
PLAYLIST_SUFFIX = ".m3u8"
SEGMENT_SUFFIX = "%05d.ts"


def segmented_target(
    base: str, segment_duration: float, hls_version: int = 3
) -> tuple[str, dict[str, str]]:
    """The playlist path and ``hls`` muxer options writing ``base00000.ts``... and ``base.m3u8``.

    The muxer cuts a segment at the first keyframe past each multiple of the duration; the
    video branch forces keyframes exactly there, so every segment is one duration long.
    """
    escaped = base.replace("%", "%%")  # the segment name is a printf pattern
    if hls_version == 4:  # one file, byte ranges: K.ts and K_v4.m3u8
        return base + V4_SUFFIX, {
            "hls_time": f"{segment_duration:g}",
            "hls_list_size": "0",
            "hls_playlist_type": "vod",
            "hls_flags": "single_file",
            "hls_segment_filename": escaped + ".ts",
        }
    return base + PLAYLIST_SUFFIX, {
        "hls_time": f"{segment_duration:g}",
        "hls_list_size": "0",
        "hls_playlist_type": "vod",
        "hls_segment_type": "mpegts",
        "hls_segment_filename": escaped + SEGMENT_SUFFIX,
        "start_number": "0",
    }


def remove_quietly(path: str) -> None:
    """Remove a temporary file during cleanup; a failure must not replace the error at hand."""
    with contextlib.suppress(OSError):
        os.unlink(path)
