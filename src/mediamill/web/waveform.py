"""A waveform image of a sound: peaks per column, drawn from the decoded audio.

The audio is resampled to one 8 kHz channel as it is decoded and folded into one peak per
pixel column, so memory stays at one frame plus the columns whatever the file's length.
"""

from __future__ import annotations

import io
from array import array
from typing import Any, BinaryIO

import av
from PIL import Image, ImageDraw

from mediamill.errors import MediaError

WIDTH, HEIGHT = 1200, 160
_RATE = 8000
_COLOUR = (37, 99, 235, 255)


def peaks(source: str | BinaryIO, duration: float, columns: int = WIDTH) -> list[float]:
    """The loudest sample (0 to 1) in each of ``columns`` equal slices of ``duration`` seconds."""
    total = max(1, round(duration * _RATE))
    per_column = total / columns
    found = [0] * columns
    position = 0
    try:
        with av.open(source, mode="r") as container:
            if not container.streams.audio:
                raise MediaError("no audio stream to draw")
            resampler = av.AudioResampler(format="s16", layout="mono", rate=_RATE)
            for frame in container.decode(container.streams.audio[0]):
                for out in resampler.resample(frame):
                    position = _fold(out, position, per_column, found)
            for out in resampler.resample(None):
                position = _fold(out, position, per_column, found)
    except av.FFmpegError as exc:
        raise MediaError(f"cannot decode the audio to draw it: {exc}") from exc
    return [peak / 32768 for peak in found]


def _fold(frame: Any, position: int, per_column: float, found: list[int]) -> int:
    samples = array("h", bytes(frame.planes[0])[: frame.samples * 2])
    columns = len(found)
    i = 0
    while i < len(samples):
        column = min(columns - 1, int((position + i) / per_column))
        end = max(i + 1, min(len(samples), int((column + 1) * per_column) - position))
        if column == columns - 1:
            end = len(samples)
        chunk = samples[i:end]
        peak = max(max(chunk), -min(chunk))
        if peak > found[column]:
            found[column] = peak
        i = end
    return position + len(samples)


def draw(levels: list[float], width: int = WIDTH, height: int = HEIGHT) -> bytes:
    """A transparent PNG with one centred bar per level."""
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    middle = height / 2
    scale = width / len(levels)
    for i, level in enumerate(levels):
        half = max(0.5, min(1.0, level) * (middle - 1))
        x = int(i * scale)
        pen.line([(x, middle - half), (x, middle + half)], fill=_COLOUR, width=max(1, int(scale)))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
