"""Resize specs: a table of what parses, what is refused and why, and the geometry planned."""

from __future__ import annotations

import pytest

from mediamill.errors import ResourceLimitError, ValidationError
from mediamill.images import ResizeSpec, output_format, parse_spec, plan

LIMITS = {"max_width": 4096, "max_height": 4096}


def parse(text: str) -> ResizeSpec:
    return parse_spec(text, **LIMITS)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("800x600", ResizeSpec(800, 600)),
        ("800x", ResizeSpec(800, None)),
        ("x600", ResizeSpec(None, 600)),
        ("200x100-fill-80-noupscale", ResizeSpec(200, 100, "fill", quality=80)),
        ("200x100-fill-q80", ResizeSpec(200, 100, "fill", quality=80)),
        ("200x200-fill-north", ResizeSpec(200, 200, "fill", gravity="north")),
        ("200x200-fill-focus30,70", ResizeSpec(200, 200, "fill", focus=(30, 70))),
        ("300x-crop10,20,400,300", ResizeSpec(300, None, "crop", crop=(10, 20, 400, 300))),
        ("500x500-pad-bg00000000", ResizeSpec(500, 500, "pad", background="00000000")),
        ("x120-upscale", ResizeSpec(None, 120, upscale=True)),
    ],
)
def test_specs_parse(text: str, expected: ResizeSpec) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "it is empty"),
        ("big", "must start with a size WxH, Wx or xH, not 'big'"),
        ("x", "give a width, a height or both"),
        ("0x100", "the width must be 1 to 4096, not 0"),
        ("5000x100", "the width must be 1 to 4096, not 5000"),
        ("100x100-zoom", "unknown option 'zoom'"),
        ("100x100-fit-fill", "'fill' gives the mode a second time"),
        ("100x100-q0", "the quality must be 1 to 100, not 0"),
        ("100x100-q101", "the quality must be 1 to 100, not 101"),
        ("100x100-north", "a gravity or focal point applies to fill only"),
        ("100x100-fill-focus101,5", "a focal point is in percent"),
        ("100x100-bgffffff", "a background colour applies to pad only"),
        ("100x-fill", "fill needs both a width and a height"),
        ("100x100-crop", "crop needs a source rectangle"),
        ("100x100-crop0,0,0,10", "the crop rectangle 'crop0,0,0,10' is empty"),
        ("100x100-upscale-noupscale", "gives the upscale a second time"),
    ],
)
def test_bad_specs_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse(text)
    assert message in caught.value.message
    assert caught.value.message.startswith("invalid resize spec")


def test_equal_specs_share_a_canonical_form() -> None:
    assert parse("800x600").canonical() == parse("800x600-fit-noupscale").canonical()
    assert parse("200x200-fill-q80").canonical() == parse("200x200-80-center-fill").canonical()
    assert parse("200x200-fill").canonical() != parse("200x200-fill-north").canonical()


def test_output_formats() -> None:
    assert output_format("jpg") == output_format("jpeg") == "JPEG"
    assert output_format("avif") == "AVIF"
    with pytest.raises(ValidationError, match="unknown output format 'svg'"):
        output_format("svg")


def test_fit_keeps_the_aspect_ratio_and_never_enlarges_unless_asked() -> None:
    assert plan(parse("800x600"), (4000, 3000), **LIMITS).size == (800, 600)
    assert plan(parse("800x800"), (4000, 2000), **LIMITS).size == (800, 400)
    assert plan(parse("x100"), (4000, 2000), **LIMITS).size == (200, 100)
    assert plan(parse("800x600"), (400, 300), **LIMITS).size == (400, 300)
    assert plan(parse("800x600-upscale"), (400, 300), **LIMITS).size == (800, 600)


def test_fill_crops_by_gravity_and_focus() -> None:
    steps = plan(parse("100x100-fill"), (400, 200), **LIMITS)
    assert steps.size == (100, 100) and steps.box == (100, 0, 300, 200)
    west = plan(parse("100x100-fill-west"), (400, 200), **LIMITS)
    assert west.box == (0, 0, 200, 200)
    focus = plan(parse("100x100-fill-focus90,50"), (400, 200), **LIMITS)
    assert focus.box == (200, 0, 400, 200)  # centred on x=360, held inside the image
    small = plan(parse("800x400-fill"), (200, 200), **LIMITS)
    assert small.size == (200, 100), "no upscale: the shape asked for, at the source's size"


def test_crop_and_pad() -> None:
    crop = plan(parse("100x-crop10,20,200,100"), (400, 300), **LIMITS)
    assert crop.box == (10, 20, 210, 120) and crop.size == (100, 50)
    with pytest.raises(ResourceLimitError, match="reaches outside the 400x300 image"):
        plan(parse("100x-crop300,0,200,100"), (400, 300), **LIMITS)
    pad = plan(parse("200x200-pad"), (400, 200), **LIMITS)
    assert pad.size == (200, 100) and pad.canvas == (200, 200) and pad.offset == (0, 50)


def test_a_result_over_the_output_limit_is_refused() -> None:
    with pytest.raises(ResourceLimitError, match="larger than the limit 4096x4096"):
        plan(parse("x100-upscale"), (100_000, 10), **LIMITS)
