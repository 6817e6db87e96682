"""Synthesize media with FFmpeg's own generators, so tests need no downloaded samples.

The audio is a chord with a little noise rather than a pure tone: encoders that adapt their
bit rate to the signal (AAC, Vorbis) would undershoot on a sine wave and make bit-rate
checks meaningless. The video is FFmpeg's moving test pattern with grain, for the same reason.
"""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path
from typing import Any

import av

# container extension -> (muxer, audio encoder, sample format)
_AUDIO_FORMATS: dict[str, tuple[str, str, str]] = {
    ".mp3": ("mp3", "libmp3lame", "s16p"),
    ".wav": ("wav", "pcm_s16le", "s16"),
    ".flac": ("flac", "flac", "s16"),
    ".m4a": ("ipod", "aac", "fltp"),
    ".mp4": ("mp4", "aac", "fltp"),
    ".ogg": ("ogg", "libopus", "flt"),
}


def _audio_source(seconds: float, sample_rate: int, channels: int) -> str:
    tones = [220, 277.18, 329.63, 440, 554.37]
    exprs = []
    for ch in range(channels):
        chord = "+".join(
            f"0.12*sin(2*PI*{tones[(i + ch) % len(tones)]}*t*(1+0.02*sin(2*PI*0.5*t)))"
            for i in range(3)
        )
        exprs.append(f"{chord}+0.08*(random({ch})-0.5)")
    return f"aevalsrc=exprs={'|'.join(exprs)}:s={sample_rate}:d={seconds}"


def write_audio(
    path: str | os.PathLike[str],
    seconds: float = 20.0,
    *,
    sample_rate: int = 44100,
    channels: int = 2,
    bit_rate: int = 192_000,
) -> Path:
    """Write a synthetic audio file; the format follows the extension (.mp3, .wav, ...)."""
    return encode_audio(
        _audio_source(seconds, sample_rate, channels),
        path,
        sample_rate=sample_rate,
        channels=channels,
        bit_rate=bit_rate,
    )


def encode_audio(
    source_graph: str,
    path: str | os.PathLike[str],
    *,
    sample_rate: int = 44100,
    channels: int = 2,
    bit_rate: int = 192_000,
) -> Path:
    """Encode what an FFmpeg source filter graph (lavfi) plays into ``path``, by extension."""
    path = Path(path)
    muxer, codec, sample_format = _AUDIO_FORMATS[path.suffix.lower()]
    layout = "mono" if channels == 1 else "stereo"
    with (
        av.open(source_graph, format="lavfi") as source,
        av.open(os.fspath(path), "w", format=muxer) as out,
    ):
        stream: Any = out.add_stream(codec, rate=sample_rate, layout=layout)
        stream.format = sample_format
        if codec not in ("pcm_s16le", "flac"):
            stream.bit_rate = bit_rate
        resampler = av.AudioResampler(
            format=sample_format, layout=layout, rate=sample_rate, frame_size=_frame_size(stream)
        )
        for frame in source.decode(audio=0):
            frame.pts = None
            for chunk in resampler.resample(frame):
                out.mux(stream.encode(chunk))
        for chunk in resampler.resample(None):
            out.mux(stream.encode(chunk))
        out.mux(stream.encode(None))
    return path


def _frame_size(stream: Any) -> int | None:
    stream.codec_context.open(strict=False)
    size = stream.codec_context.frame_size
    return int(size) if size else None


def write_video(
    path: str | os.PathLike[str],
    seconds: float = 3.0,
    *,
    width: int = 1280,
    height: int = 720,
    frame_rate: int | Fraction = 30,
    audio: bool = True,
    sample_rate: int = 44100,
) -> Path:
    """Write a synthetic H.264 (+AAC) clip; .mp4, .mov or .mkv by extension."""
    path = Path(path)
    source_spec = f"testsrc2=s={width}x{height}:r={frame_rate}:d={seconds},noise=alls=10:allf=t+u"
    with av.open(os.fspath(path), "w") as out:
        video: Any = out.add_stream("libx264", rate=Fraction(frame_rate))
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.options = {"preset": "ultrafast", "crf": "20"}
        with av.open(source_spec, format="lavfi") as source:
            if audio:
                _mux_audio(out, seconds, sample_rate)
            for frame in source.decode(video=0):
                out.mux(video.encode(frame))
        out.mux(video.encode(None))
    return path


def _mux_audio(out: Any, seconds: float, sample_rate: int) -> None:
    # Audio first: the muxer interleaves by timestamp whatever order packets come in.
    stream: Any = out.add_stream("aac", rate=sample_rate, layout="stereo")
    stream.bit_rate = 128_000
    resampler = av.AudioResampler(format="fltp", layout="stereo", rate=sample_rate, frame_size=1024)
    with av.open(_audio_source(seconds, sample_rate, 2), format="lavfi") as source:
        for frame in source.decode(audio=0):
            frame.pts = None
            for chunk in resampler.resample(frame):
                out.mux(stream.encode(chunk))
    for chunk in resampler.resample(None):
        out.mux(stream.encode(chunk))
    out.mux(stream.encode(None))
