"""Thumbnails: the first frame, then one every preset Interval, in its format and size."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import av
import pytest

from mediamill.engine import OutputRequest, transcode
from mediamill.engine.transcode import thumbnail_name
from mediamill.errors import OutputError
from mediamill.presets import ThumbnailSettings, get_system
from mediamill.testing import write_video

GENERIC_720P = "1351620000001-000010"  # png, 192x108 ShrinkToFit


def picture(path: Path) -> tuple[str, int, int]:
    with av.open(str(path)) as container:
        frame = next(container.decode(video=0))
        return container.streams.video[0].codec_context.name, frame.width, frame.height


def test_thumbnail_names_follow_et() -> None:
    assert thumbnail_name("th/{count}-{resolution}", 7, "192x108", "png") == (
        "th/00007-192x108.png"
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("fmt", "codec", "max_w", "max_h", "sizing", "padding", "size"),
    [
        ("png", "png", 192, 108, "ShrinkToFit", "NoPad", (192, 108)),
        ("jpg", "mjpeg", 200, 200, "ShrinkToFit", "Pad", (200, 200)),
        ("jpg", "mjpeg", 100, 100, "Fill", "NoPad", (100, 100)),
    ],
)
def test_thumbnails_every_interval_in_format_and_size(
    tmp_path: Path,
    fmt: str,
    codec: str,
    max_w: int,
    max_h: int,
    sizing: str,
    padding: str,
    size: tuple[int, int],
) -> None:
    clip = write_video(tmp_path / "clip.mp4", 3.5, width=640, height=360, audio=False)
    base = get_system(GENERIC_720P)
    settings = ThumbnailSettings(fmt, 1, max_w, max_h, sizing, padding)
    preset = replace(base, thumbnails=settings)
    request = OutputRequest(preset, tmp_path / "v.mp4", thumbnail_pattern="v-{count}-{resolution}")
    (result,) = transcode(clip, [request])
    resolution = f"{size[0]}x{size[1]}"
    # 0 s, then 1, 2 and 3 s: four pictures.
    assert [p.name for p in result.thumbnails] == [
        f"v-{n:05d}-{resolution}.{fmt}" for n in range(1, 5)
    ]
    for path in result.thumbnails:
        assert picture(path) == (codec, *size)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["clip.mp4", "v.mp4", *(p.name for p in result.thumbnails)]
    ), "no temporary folder left"


@pytest.mark.slow
def test_existing_thumbnail_fails_and_nothing_is_left(tmp_path: Path) -> None:
    clip = write_video(tmp_path / "clip.mp4", 1.0, width=320, height=180, audio=False)
    (tmp_path / "v-00001.png").write_bytes(b"mine")
    request = OutputRequest(
        get_system(GENERIC_720P), tmp_path / "v.mp4", thumbnail_pattern="v-{count}"
    )
    with pytest.raises(OutputError, match="already exists"):
        transcode(clip, [request])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4", "v-00001.png"]
    assert (tmp_path / "v-00001.png").read_bytes() == b"mine"
