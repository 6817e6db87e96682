"""Resize specs: the short strings in resize URLs, parsed once into a typed ``ResizeSpec``.

Grammar (tokens separated by ``-``; the size comes first, the rest in any order)::

    SPEC     = SIZE *("-" OPTION)
    SIZE     = W "x" H | W "x" | "x" H          a side left out keeps the aspect ratio
    OPTION   = "fit" | "fill" | "pad" | "crop" X "," Y "," W "," H     the mode (default fit)
             | "center" | "north" | "south" | "east" | "west"
             | "northeast" | "northwest" | "southeast" | "southwest"  gravity (fill)
             | "focus" PX "," PY                focal point in % of the source (fill)
             | "bg" RRGGBB | "bg" RRGGBBAA      padding colour (pad; default ffffff)
             | "upscale" | "noupscale"          enlarge a smaller source? (default noupscale)
             | "q" N | N                        quality 1-100 (default: the format's)

Examples: ``800x600`` (fit inside 800×600, never enlarged), ``200x200-fill`` (cover and crop
from the centre), ``400x300-fill-focus30,40-q80``, ``300x-crop100,50,1200,900`` (that source
rectangle, 300 wide), ``500x500-pad-bg000000``, ``x120-upscale``. The output format is the URL's
extension, not part of the spec.

Pure logic: no I/O. ``plan`` turns a spec and a source size into the crop and scale to apply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from mediamill.errors import ResourceLimitError, ValidationError

Mode = Literal["fit", "fill", "pad", "crop"]

GRAVITIES: dict[str, tuple[float, float]] = {
    "center": (0.5, 0.5),
    "north": (0.5, 0.0),
    "south": (0.5, 1.0),
    "east": (1.0, 0.5),
    "west": (0.0, 0.5),
    "northeast": (1.0, 0.0),
    "northwest": (0.0, 0.0),
    "southeast": (1.0, 1.0),
    "southwest": (0.0, 1.0),
}

#: Output formats by URL extension, with Pillow's name for each.
FORMATS: dict[str, str] = {
    "jpg": "JPEG",
    "jpeg": "JPEG",
    "png": "PNG",
    "webp": "WEBP",
    "avif": "AVIF",
    "gif": "GIF",
}

MAX_SPEC_LENGTH = 100

_SIZE = re.compile(r"(\d{0,5})x(\d{0,5})")
_CROP = re.compile(r"crop(\d{1,5}),(\d{1,5}),(\d{1,5}),(\d{1,5})")
_FOCUS = re.compile(r"focus(\d{1,3}),(\d{1,3})")
_BG = re.compile(r"bg([0-9a-f]{6}|[0-9a-f]{8})")
_QUALITY = re.compile(r"q?(\d{1,3})")

_OPTIONS_HELP = (
    "fit, fill, pad, cropX,Y,W,H, a gravity (center, north, ... southwest), focusX,Y, "
    "bgRRGGBB, upscale, noupscale or qN"
)


@dataclass(frozen=True)
class ResizeSpec:
    width: int | None
    height: int | None
    mode: Mode = "fit"
    crop: tuple[int, int, int, int] | None = None
    gravity: str = "center"
    focus: tuple[int, int] | None = None
    background: str = "ffffff"
    upscale: bool = False
    quality: int | None = None

    def canonical(self) -> str:
        """The one spelling of this spec: equal specs share one stored resize."""
        parts = [f"{self.width or ''}x{self.height or ''}"]
        if self.mode == "crop" and self.crop is not None:
            parts.append("crop{},{},{},{}".format(*self.crop))
        else:
            parts.append(self.mode)
        if self.mode == "fill":
            if self.focus is not None:
                parts.append("focus{},{}".format(*self.focus))
            else:
                parts.append(self.gravity)
        if self.mode == "pad":
            parts.append(f"bg{self.background}")
        parts.append("upscale" if self.upscale else "noupscale")
        if self.quality is not None:
            parts.append(f"q{self.quality}")
        return "-".join(parts)


def parse_spec(text: str, *, max_width: int, max_height: int) -> ResizeSpec:
    """The spec ``text`` stands for, or ``ValidationError`` saying what is wrong with it."""
    if not text:
        raise _bad(text, "it is empty")
    if len(text) > MAX_SPEC_LENGTH:
        raise _bad(text, f"it is longer than {MAX_SPEC_LENGTH} characters")
    size, *options = text.split("-")
    match = _SIZE.fullmatch(size)
    if match is None:
        raise _bad(text, f"it must start with a size WxH, Wx or xH, not {size!r}")
    width = int(match[1]) if match[1] else None
    height = int(match[2]) if match[2] else None
    if width is None and height is None:
        raise _bad(text, "give a width, a height or both (800x600, 800x, x600)")
    for side, value, limit in (("width", width, max_width), ("height", height, max_height)):
        if value is not None and not 1 <= value <= limit:
            raise _bad(text, f"the {side} must be 1 to {limit}, not {value}")

    fields: dict[str, object] = {}

    def once(name: str, value: object, token: str) -> None:
        if name in fields:
            raise _bad(text, f"{token!r} gives the {name} a second time")
        fields[name] = value

    for token in options:
        if token in ("fit", "fill", "pad"):
            once("mode", token, token)
        elif m := _CROP.fullmatch(token):
            once("mode", "crop", token)
            x, y, w, h = (int(g) for g in m.groups())
            if w == 0 or h == 0:
                raise _bad(text, f"the crop rectangle {token!r} is empty")
            fields["crop"] = (x, y, w, h)
        elif token == "crop":
            raise _bad(text, "crop needs a source rectangle: cropX,Y,W,H (crop0,0,800,600)")
        elif token in GRAVITIES:
            once("gravity", token, token)
        elif m := _FOCUS.fullmatch(token):
            fx, fy = int(m[1]), int(m[2])
            if fx > 100 or fy > 100:
                raise _bad(text, f"a focal point is in percent (0-100), not {token!r}")
            once("gravity", "focus", token)
            fields["focus"] = (fx, fy)
        elif m := _BG.fullmatch(token):
            once("background", m[1], token)
        elif token in ("upscale", "noupscale"):
            once("upscale", token == "upscale", token)
        elif m := _QUALITY.fullmatch(token):
            quality = int(m[1])
            if not 1 <= quality <= 100:
                raise _bad(text, f"the quality must be 1 to 100, not {quality}")
            once("quality", quality, token)
        else:
            raise _bad(text, f"unknown option {token!r}: expected {_OPTIONS_HELP}")

    mode = fields.get("mode", "fit")
    gravity = fields.get("gravity")
    if gravity is not None and mode != "fill":
        raise _bad(text, "a gravity or focal point applies to fill only")
    if "background" in fields and mode != "pad":
        raise _bad(text, "a background colour applies to pad only")
    if mode in ("fill", "pad") and (width is None or height is None):
        raise _bad(text, f"{mode} needs both a width and a height")
    return ResizeSpec(
        width=width,
        height=height,
        mode=mode,  # type: ignore[arg-type]
        crop=fields.get("crop"),  # type: ignore[arg-type]
        gravity="center" if gravity in (None, "focus") else str(gravity),
        focus=fields.get("focus"),  # type: ignore[arg-type]
        background=str(fields.get("background", "ffffff")),
        upscale=bool(fields.get("upscale", False)),
        quality=fields.get("quality"),  # type: ignore[arg-type]
    )


def output_format(extension: str) -> str:
    """Pillow's format name for a URL extension, or ``ValidationError``."""
    try:
        return FORMATS[extension]
    except KeyError:
        known = ", ".join(sorted(set(FORMATS) - {"jpeg"}))
        raise ValidationError(
            f"unknown output format {extension[:10]!r}: use one of {known}"
        ) from None


@dataclass(frozen=True)
class Plan:
    """What to do to a source of a given size: crop ``box`` (source pixels, after EXIF
    orientation), scale it to ``size``, and place it at ``offset`` on a ``canvas``."""

    box: tuple[float, float, float, float]
    size: tuple[int, int]
    canvas: tuple[int, int]
    offset: tuple[int, int]


def plan(spec: ResizeSpec, source: tuple[int, int], *, max_width: int, max_height: int) -> Plan:
    """The crop and scale ``spec`` asks of a ``source`` (width, height) image.

    ``ResourceLimitError`` when the result would exceed ``max_width`` × ``max_height`` (a
    width-only spec on a very wide source) or a crop rectangle lies outside the source.
    """
    sw, sh = source
    box: tuple[float, float, float, float] = (0, 0, sw, sh)
    if spec.mode == "crop" and spec.crop is not None:
        x, y, w, h = spec.crop
        if x + w > sw or y + h > sh:
            raise ResourceLimitError(
                f"the crop rectangle {x},{y},{w},{h} reaches outside the {sw}x{sh} image"
            )
        box = (x, y, x + w, y + h)
    bw, bh = box[2] - box[0], box[3] - box[1]

    if spec.mode == "fill":
        assert spec.width is not None and spec.height is not None
        tw, th = spec.width, spec.height
        scale = max(tw / bw, th / bh)
        if scale > 1 and not spec.upscale:
            # Keep the asked shape, at the source's own resolution.
            tw, th = max(1, round(tw / scale)), max(1, round(th / scale))
            scale = 1.0
        cw, ch = min(bw, tw / scale), min(bh, th / scale)
        ax, ay = _anchor(spec)
        left = min(max(ax * bw - cw / 2, 0), bw - cw) if spec.focus else ax * (bw - cw)
        top = min(max(ay * bh - ch / 2, 0), bh - ch) if spec.focus else ay * (bh - ch)
        box = (left, top, left + cw, top + ch)
        size = (tw, th)
        canvas, offset = size, (0, 0)
    else:
        scales = []
        if spec.width is not None:
            scales.append(spec.width / bw)
        if spec.height is not None:
            scales.append(spec.height / bh)
        scale = min(scales)
        if not spec.upscale:
            scale = min(scale, 1.0)
        size = (max(1, round(bw * scale)), max(1, round(bh * scale)))
        if spec.mode == "pad":
            assert spec.width is not None and spec.height is not None
            canvas = (spec.width, spec.height)
            offset = ((canvas[0] - size[0]) // 2, (canvas[1] - size[1]) // 2)
        else:
            canvas, offset = size, (0, 0)
    if canvas[0] > max_width or canvas[1] > max_height:
        raise ResourceLimitError(
            f"the resize would be {canvas[0]}x{canvas[1]}, larger than the limit "
            f"{max_width}x{max_height}"
        )
    return Plan(box=box, size=size, canvas=canvas, offset=offset)


def _anchor(spec: ResizeSpec) -> tuple[float, float]:
    if spec.focus is not None:
        return spec.focus[0] / 100, spec.focus[1] / 100
    return GRAVITIES[spec.gravity]


def _bad(text: str, problem: str) -> ValidationError:
    shown = text if len(text) <= 60 else text[:60] + "..."
    return ValidationError(f"invalid resize spec {shown!r}: {problem}")
