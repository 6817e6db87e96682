"""Render one resize with Pillow: decode under limits, orient, crop and scale, encode clean.

- **Decoders are an allow-list** (``Limits.formats``, Pillow's format names): Pillow judges
  the bytes, never the file name, and tries only those decoders. SVG, PDF, PSD... are not
  images to it at all.
- **Bombs are refused before decoding**: the header gives the size, and a source of more than
  ``max_pixels`` (per frame) or ``max_frames`` frames is refused then, before any pixel
  memory is allocated. Pillow's own bomb check stays on as a second line.
- **JPEG draft mode**: a JPEG is decoded at 1/2, 1/4 or 1/8 scale when the output is that much
  smaller (the DCT does the reduction), which is most of the speed of a thumbnail.
- **EXIF orientation** is applied (all 8 values), then dropped with every other piece of
  metadata; an embedded colour profile is converted to sRGB, and the output carries none
  (browsers assume sRGB).
- **Animations** (GIF, WebP, APNG sources) keep their frames and timings when the output
  format can animate (gif, webp, png); other formats get the first frame.
"""

from __future__ import annotations

import io
import logging
import math
from dataclasses import dataclass
from typing import IO, Any

from PIL import Image, ImageCms, ImageSequence, UnidentifiedImageError

from mediamill.errors import MediaError, MediamillError, ResourceLimitError
from mediamill.images import Plan, ResizeSpec, plan

# EXIF orientation -> the transpose that shows the image upright.
_ORIENTATION = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_ANIMATED_OUTPUTS = {"GIF", "WEBP", "PNG"}
_ALPHA_OUTPUTS = {"PNG", "WEBP", "AVIF", "GIF"}
_DEFAULT_QUALITY = {"JPEG": 85, "WEBP": 80, "AVIF": 60}
_CONTENT_TYPES = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "AVIF": "image/avif",
    "GIF": "image/gif",
}
_SRGB = ImageCms.createProfile("sRGB")
log = logging.getLogger("mediamill.imaging")


@dataclass(frozen=True)
class Limits:
    max_pixels: int
    max_width: int
    max_height: int
    max_frames: int
    formats: tuple[str, ...]


@dataclass(frozen=True)
class Rendered:
    data: bytes
    content_type: str
    size: tuple[int, int]
    frames: int


def content_type(image_format: str) -> str:
    return _CONTENT_TYPES[image_format]


def render(source: IO[bytes], spec: ResizeSpec, image_format: str, limits: Limits) -> Rendered:
    """The resize of the image in ``source`` as ``image_format`` (Pillow's name).

    ``MediaError`` (422) when the source is not an image of an allowed format or cannot be
    decoded; ``ResourceLimitError`` (422) when it breaks a limit.
    """
    try:
        return _render(source, spec, image_format, limits)
    except Image.DecompressionBombError as exc:
        # Pillow's own check, at open: reached only by sources far beyond our limit.
        raise ResourceLimitError(
            f"the original has more pixels than the limit of {limits.max_pixels} pixels"
        ) from exc
    except UnidentifiedImageError as exc:
        allowed = ", ".join(limits.formats)
        raise MediaError(f"the original is not an image in an allowed format ({allowed})") from exc
    except MediamillError:
        raise
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        # Pillow reports truncated or corrupt data as OSError / SyntaxError / ValueError.
        raise MediaError(f"the original cannot be decoded: {_reason(exc)}") from exc
    except Exception as exc:
        # A hostile file can trip a decoder in ways nobody listed (struct.error,
        # IndexError...): it is still the file that cannot be decoded.
        log.warning("decoding an original failed unexpectedly", exc_info=True)
        raise MediaError(f"the original cannot be decoded: {_reason(exc)}") from exc


def _render(source: IO[bytes], spec: ResizeSpec, image_format: str, limits: Limits) -> Rendered:
    image = Image.open(source, formats=list(limits.formats))
    width, height = image.size
    if width * height > limits.max_pixels:
        raise ResourceLimitError(
            f"the original is {width}x{height} ({width * height} pixels), more than the "
            f"limit of {limits.max_pixels} pixels"
        )
    frame_count = int(getattr(image, "n_frames", 1))
    if frame_count > limits.max_frames:
        raise ResourceLimitError(
            f"the original has {frame_count} frames, more than the limit of {limits.max_frames}"
        )
    transpose = _ORIENTATION.get(_orientation(image))
    upright = (height, width) if transpose in _SWAPS else (width, height)
    steps = plan(spec, upright, max_width=limits.max_width, max_height=limits.max_height)
    animate = frame_count > 1 and image_format in _ANIMATED_OUTPUTS

    if frame_count == 1 and image.format == "JPEG":
        _draft(image, steps, upright, transpose)
    scale_x = image.size[0] / width
    scale_y = image.size[1] / height
    if transpose in _SWAPS:
        scale_x, scale_y = scale_y, scale_x
    box = (
        steps.box[0] * scale_x,
        steps.box[1] * scale_y,
        steps.box[2] * scale_x,
        steps.box[3] * scale_y,
    )
    profile = image.info.get("icc_profile")
    frames: list[Image.Image] = []
    durations: list[int] = []
    source_frames = ImageSequence.Iterator(image) if animate else [image]
    for frame in source_frames:
        durations.append(int(frame.info.get("duration", 100) or 100))
        frames.append(_one_frame(frame, transpose, box, steps, spec, image_format, profile))

    out = io.BytesIO()
    options = _save_options(image_format, spec)
    first = frames[0]
    if len(frames) > 1:
        options.update(save_all=True, append_images=frames[1:], duration=durations, loop=0)
        if image_format == "GIF":
            options["disposal"] = 2
    first.save(out, image_format, **options)
    return Rendered(out.getvalue(), _CONTENT_TYPES[image_format], first.size, len(frames))


_SWAPS = {
    Image.Transpose.TRANSPOSE,
    Image.Transpose.ROTATE_270,
    Image.Transpose.TRANSVERSE,
    Image.Transpose.ROTATE_90,
}


def _orientation(image: Image.Image) -> int:
    try:
        return int(image.getexif().get(0x0112, 1))
    except (ValueError, TypeError, SyntaxError, OSError):
        return 1  # an unreadable EXIF block: shown as stored, and stripped anyway


def _draft(
    image: Image.Image,
    steps: Plan,
    upright: tuple[int, int],
    transpose: Image.Transpose | None,
) -> None:
    """Ask the JPEG decoder for the smallest DCT scale that still covers the output."""
    box_w = steps.box[2] - steps.box[0]
    box_h = steps.box[3] - steps.box[1]
    scale = max(steps.size[0] / box_w, steps.size[1] / box_h)
    if scale >= 0.5:
        return
    need = (math.ceil(upright[0] * scale), math.ceil(upright[1] * scale))
    if transpose in _SWAPS:
        need = (need[1], need[0])
    mode = "RGB" if image.mode in ("RGB", "YCbCr") else image.mode
    image.draft(mode, need)


def _one_frame(
    frame: Image.Image,
    transpose: Image.Transpose | None,
    box: tuple[float, float, float, float],
    steps: Plan,
    spec: ResizeSpec,
    image_format: str,
    profile: bytes | None,
) -> Image.Image:
    alpha = _has_alpha(frame) and image_format in _ALPHA_OUTPUTS
    picture = frame
    if profile and picture.mode in ("RGB", "RGBA", "CMYK", "L", "LA"):
        picture = _to_srgb(picture, profile, "RGBA" if _has_alpha(frame) else "RGB")
    wanted = "RGBA" if _has_alpha(frame) else "RGB"
    if picture.mode != wanted:  # a conversion to the same mode would copy every pixel
        picture = picture.convert(wanted)
    if transpose is not None:
        picture = picture.transpose(transpose)
    picture = picture.resize(
        steps.size, Image.Resampling.LANCZOS, box=box, reducing_gap=3.0 if box else None
    )
    if steps.canvas != steps.size or (picture.mode == "RGBA" and not alpha):
        colour = _colour(spec.background if spec.mode == "pad" else "ffffff")
        mode = "RGBA" if alpha else "RGB"
        canvas = Image.new(mode, steps.canvas, colour if alpha else colour[:3])
        mask = picture if picture.mode == "RGBA" else None
        canvas.paste(picture.convert(canvas.mode), steps.offset, mask)
        picture = canvas
    picture.info = {}  # no EXIF, no ICC, no comments: nothing of the original's metadata
    return picture


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or (
        image.mode == "P" and "transparency" in image.info
    )


def _to_srgb(image: Image.Image, profile: bytes, mode: str) -> Image.Image:
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        if image.mode in ("L", "LA"):
            return image  # grey stays grey; the profile is dropped with the metadata
        converted = ImageCms.profileToProfile(
            image, source, _SRGB, outputMode=mode if image.mode != "CMYK" else "RGB"
        )
    except (ImageCms.PyCMSError, OSError, ValueError) as exc:
        raise MediaError(f"the original's colour profile cannot be used: {_reason(exc)}") from exc
    assert converted is not None
    return converted


def _colour(hex_colour: str) -> tuple[int, int, int, int]:
    values = [int(hex_colour[i : i + 2], 16) for i in range(0, len(hex_colour), 2)]
    return (values[0], values[1], values[2], values[3] if len(values) == 4 else 255)


def _save_options(image_format: str, spec: ResizeSpec) -> dict[str, Any]:
    quality = spec.quality or _DEFAULT_QUALITY.get(image_format)
    if image_format == "JPEG":
        return {"quality": quality, "optimize": False}
    if image_format == "WEBP":
        return {"quality": quality, "method": 4}
    if image_format == "AVIF":
        return {"quality": quality, "speed": 8}
    if image_format == "PNG":
        return {"compress_level": 6}
    return {}


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0][:200]
