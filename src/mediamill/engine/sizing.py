"""Output frame geometry from Elastic Transcoder's sizing and padding policies (pure math).

Policies, as Elastic Transcoder defined them, for a box of MaxWidth x MaxHeight:

- ``Fit``: scale so the picture fits the box on one side and is inside it on the other.
- ``Fill``: scale so the picture covers the box, then crop the excess (centred).
- ``Stretch``: scale to exactly the box, distorting the picture if needed.
- ``Keep``: do not scale; crop (centred) whatever lies outside the box.
- ``ShrinkToFit``: ``Fit``, but never scale up.
- ``ShrinkToFill``: ``Fill``, but never scale up.

``PaddingPolicy`` ``Pad`` then adds black bars so the frame is exactly the box. Every size is
rounded to an even number of pixels, as 4:2:0 chroma subsampling needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

SIZING_POLICIES = ("Fit", "Fill", "Stretch", "Keep", "ShrinkToFit", "ShrinkToFill")


@dataclass(frozen=True)
class Geometry:
    scale_width: int  # the picture is first scaled to this size
    scale_height: int
    crop_width: int  # then cropped, centred, to this size (== scale size when no crop)
    crop_height: int
    width: int  # then padded, centred, to the final frame size
    height: int

    @property
    def crops(self) -> bool:
        return (self.crop_width, self.crop_height) != (self.scale_width, self.scale_height)

    @property
    def pads(self) -> bool:
        return (self.width, self.height) != (self.crop_width, self.crop_height)


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)


def _even_floor(value: float) -> int:
    return max(2, int(value) // 2 * 2)


def fit_frame(
    width: int,
    height: int,
    max_width: int,
    max_height: int,
    sizing_policy: str = "ShrinkToFit",
    padding_policy: str = "NoPad",
    sample_aspect_ratio: Fraction | None = None,
) -> Geometry:
    """The geometry for an input of ``width`` x ``height`` coded pixels.

    Non-square input pixels (``sample_aspect_ratio`` other than 1) are first converted to
    square ones, so the output keeps the picture's displayed shape.
    """
    if sizing_policy not in SIZING_POLICIES:
        raise ValueError(f"unknown sizing policy {sizing_policy!r}")
    sar = sample_aspect_ratio or Fraction(1)
    display_w = width * float(sar) if sar > 0 else float(width)
    display_h = float(height)
    fit = min(max_width / display_w, max_height / display_h)
    fill = max(max_width / display_w, max_height / display_h)
    scale = {
        "Fit": fit,
        "Fill": fill,
        "ShrinkToFit": min(1.0, fit),
        "ShrinkToFill": min(1.0, fill),
    }.get(sizing_policy)

    if sizing_policy == "Stretch":
        scale_w, scale_h = _even(max_width), _even(max_height)
    elif sizing_policy == "Keep":
        scale_w, scale_h = _even(display_w), _even(display_h)
    else:
        assert scale is not None
        scale_w, scale_h = _even(display_w * scale), _even(display_h * scale)
        if sizing_policy == "Fit" or sizing_policy == "ShrinkToFit":
            # Rounding to even must never push a side past the box.
            scale_w, scale_h = (
                min(scale_w, _even_floor(max_width)),
                min(scale_h, _even_floor(max_height)),
            )

    crop_w = min(scale_w, _even_floor(max_width))
    crop_h = min(scale_h, _even_floor(max_height))
    if padding_policy == "Pad":
        out_w, out_h = _even_floor(max_width), _even_floor(max_height)
    else:
        out_w, out_h = crop_w, crop_h
    return Geometry(scale_w, scale_h, crop_w, crop_h, out_w, out_h)
