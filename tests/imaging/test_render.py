"""Rendering: every mode and format decoded and checked, orientation, alpha, frames, limits."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from tests.images_helpers import (
    colour_at,
    decode,
    encode,
    gif,
    jpeg,
    near,
    png_bomb,
    png_with_alpha,
    quadrants,
)

from mediamill.errors import MediaError, ResourceLimitError
from mediamill.images import parse_spec
from mediamill.imaging import Limits, render

LIMITS = Limits(
    max_pixels=50_000_000,
    max_width=4096,
    max_height=4096,
    max_frames=200,
    formats=("JPEG", "PNG", "GIF", "WEBP", "AVIF"),
)
RED, GREEN, BLUE, WHITE = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)


def resize(
    data: bytes, spec: str, image_format: str = "JPEG", limits: Limits = LIMITS
) -> Image.Image:
    parsed = parse_spec(spec, max_width=limits.max_width, max_height=limits.max_height)
    result = render(io.BytesIO(data), parsed, image_format, limits)
    image = decode(result.data)
    assert image.format == image_format and image.size == result.size
    return image


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP", "AVIF", "GIF"])
def test_each_format_decodes_at_the_asked_size(image_format: str) -> None:
    image = resize(jpeg((800, 600)), "400x300", image_format)
    assert image.size == (400, 300)
    assert near(colour_at(image, 0.25, 0.25), RED) and near(colour_at(image, 0.75, 0.75), WHITE)


def test_fit_fill_crop_and_pad() -> None:
    source = jpeg((800, 400))
    assert resize(source, "200x200").size == (200, 100)
    fill = resize(source, "100x100-fill")
    assert fill.size == (100, 100)
    # The centre square of the quadrants: red top-left... as before, but from the middle.
    assert near(colour_at(fill, 0.1, 0.1), RED) and near(colour_at(fill, 0.9, 0.1), GREEN)
    west = resize(source, "100x100-fill-west")
    assert near(colour_at(west, 0.9, 0.1), RED), "only the left half's red side is kept"
    crop = resize(source, "100x-crop400,200,400,200")  # the white bottom-right quadrant
    assert crop.size == (100, 50) and near(colour_at(crop, 0.5, 0.5), WHITE)
    pad = resize(source, "200x200-pad-bg000000")
    assert pad.size == (200, 200)
    assert near(colour_at(pad, 0.5, 0.1), (0, 0, 0)) and near(colour_at(pad, 0.25, 0.3), RED)


def test_quality_changes_the_encoding() -> None:
    source = encode(Image.effect_noise((400, 300), 50).convert("RGB"), "JPEG", quality=95)
    low = render(
        io.BytesIO(source), parse_spec("300x", max_width=9999, max_height=9999), "JPEG", LIMITS
    )
    high = render(
        io.BytesIO(source), parse_spec("300x-q95", max_width=9999, max_height=9999), "JPEG", LIMITS
    )
    assert len(low.data) < len(high.data)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_is_applied_and_dropped(orientation: int) -> None:
    image = resize(jpeg((400, 300), orientation), "200x200")
    assert image.size == (200, 150), "shown upright: landscape"
    assert near(colour_at(image, 0.25, 0.25), RED)
    assert near(colour_at(image, 0.75, 0.25), GREEN)
    assert near(colour_at(image, 0.25, 0.75), BLUE)
    assert near(colour_at(image, 0.75, 0.75), WHITE)
    assert not image.getexif(), "no metadata survives"


def test_jpeg_draft_mode_keeps_the_picture() -> None:
    image = resize(jpeg((4000, 3000), 6), "300x300")  # decoded at 1/8, then turned
    assert image.size == (300, 225)
    assert near(colour_at(image, 0.25, 0.25), RED) and near(colour_at(image, 0.75, 0.75), WHITE)


@pytest.mark.parametrize("image_format", ["PNG", "WEBP", "AVIF"])
def test_alpha_is_kept(image_format: str) -> None:
    image = resize(png_with_alpha(), "100x100", image_format).convert("RGBA")
    assert near(colour_at(image, 0.2, 0.5), (255, 0, 0, 255))
    assert colour_at(image, 0.8, 0.5)[3] < 10


def test_alpha_is_flattened_on_white_for_jpeg() -> None:
    image = resize(png_with_alpha(), "100x100", "JPEG")
    assert near(colour_at(image, 0.8, 0.5), WHITE) and near(colour_at(image, 0.2, 0.5), RED)


@pytest.mark.parametrize("image_format", ["GIF", "WEBP"])
def test_animation_frames_are_kept(image_format: str) -> None:
    image = resize(gif(3, (60, 40)), "30x", image_format)
    assert image.size == (30, 20) and getattr(image, "n_frames", 1) == 3
    colours = []
    for index in range(3):
        image.seek(index)
        colours.append(colour_at(image.convert("RGB"), 0.5, 0.5))
    assert near(colours[0], RED) and near(colours[1], GREEN) and near(colours[2], BLUE)


def test_a_still_format_gets_the_first_frame() -> None:
    image = resize(gif(3), "30x", "JPEG")
    assert near(colour_at(image, 0.5, 0.5), RED)


def test_an_embedded_colour_profile_is_applied_and_dropped() -> None:
    from PIL import ImageCms

    rgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = encode(quadrants((200, 100)), "JPEG", icc_profile=rgb)
    image = resize(data, "100x", "PNG")
    assert "icc_profile" not in image.info and near(colour_at(image, 0.25, 0.25), RED)


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        (png_bomb(), ResourceLimitError, "more pixels than the limit of 50000000 pixels"),
        (jpeg((400, 300))[:2000], MediaError, "the original cannot be decoded"),
        (b"just some text, named photo.jpg\n" * 10, MediaError, "not an image in an allowed"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect/></svg>',
            MediaError,
            "not an image in an allowed format",
        ),
        (gif(1000, (8, 8)), ResourceLimitError, "has 1000 frames, more than the limit of 200"),
        (b"", MediaError, "not an image in an allowed format"),
    ],
    ids=["bomb", "truncated", "text", "svg", "1000-frames", "empty"],
)
def test_hostile_originals_are_refused(data: bytes, error: type[Exception], message: str) -> None:
    with pytest.raises(error) as caught:
        resize(data, "100x100")
    assert message in str(caught.value)


def test_a_source_over_the_pixel_limit_is_refused_before_decoding() -> None:
    small = Limits(100_000, 4096, 4096, 10, ("PNG",))
    with pytest.raises(ResourceLimitError, match=r"is 400x400 \(160000 pixels\), more than"):
        resize(png_with_alpha((400, 400)), "100x", "PNG", limits=small)


def test_the_decoder_allow_list_decides_not_the_name() -> None:
    png_only = Limits(1_000_000, 4096, 4096, 10, ("PNG",))
    with pytest.raises(MediaError, match=r"allowed format \(PNG\)"):
        resize(jpeg(), "100x", limits=png_only)
    assert resize(png_with_alpha(), "100x", "PNG", limits=png_only).size == (100, 100)
