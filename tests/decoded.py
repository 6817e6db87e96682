"""Measure an output by decoding it: what tests assert on, never file names."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av


@dataclass
class Decoded:
    container: str
    duration: float  # longest decoded stream, seconds
    audio_codec: str | None = None
    audio_profile: str | None = None
    sample_format: str | None = None
    bits_per_sample: int | None = None
    sample_rate: int | None = None
    channels: int | None = None
    audio_bit_rate: float | None = None  # measured: payload bits / duration
    audio_duration: float | None = None
    video_codec: str | None = None
    video_profile: str | None = None
    width: int | None = None
    height: int | None = None
    frame_rate: Fraction | None = None
    frames: int = 0
    video_bit_rate: float | None = None
    video_duration: float | None = None
    keyframes: int = 0


def decode(path: Path) -> Decoded:
    with av.open(str(path)) as container:
        result = Decoded(container=container.format.name, duration=0.0)
        audio = container.streams.audio[0] if container.streams.audio else None
        video = container.streams.video[0] if container.streams.video else None
        audio_bytes = video_bytes = 0
        audio_samples = 0
        video_frames = 0
        last_video_end = 0.0
        first_video = None
        for packet in container.demux():
            # Empty packets flush the decoders: the frames they return (a threaded decoder
            # holds some back until then) count like any others.
            if audio is not None and packet.stream is audio:
                audio_bytes += packet.size
                for frame in packet.decode():
                    assert isinstance(frame, av.AudioFrame)
                    audio_samples += frame.samples
            elif video is not None and packet.stream is video:
                video_bytes += packet.size
                if packet.is_keyframe and packet.size:
                    result.keyframes += 1
                for frame in packet.decode():
                    assert isinstance(frame, av.VideoFrame) and frame.time is not None
                    video_frames += 1
                    t = float(frame.time)
                    first_video = t if first_video is None else min(first_video, t)
                    last_video_end = max(last_video_end, t)
        if audio is not None:
            actx = audio.codec_context
            result.audio_codec = actx.codec.canonical_name
            result.audio_profile = actx.profile
            result.sample_format = actx.format.name
            result.bits_per_sample = actx.format.bytes * 8
            result.sample_rate = actx.sample_rate
            result.channels = actx.channels
            result.audio_duration = audio_samples / actx.sample_rate
            result.audio_bit_rate = audio_bytes * 8 / result.audio_duration
        if video is not None:
            vctx = video.codec_context
            rate = video.average_rate
            result.video_codec = vctx.codec.canonical_name
            result.video_profile = vctx.profile
            result.width, result.height = vctx.width, vctx.height
            result.frame_rate = Fraction(rate) if rate else None
            result.frames = video_frames
            step = 1 / float(rate) if rate else 0.0
            result.video_duration = last_video_end - (first_video or 0.0) + step
            result.video_bit_rate = video_bytes * 8 / result.video_duration
        result.duration = max(result.audio_duration or 0.0, result.video_duration or 0.0)
        return result
