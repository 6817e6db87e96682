"""Test images, made here (no downloads), and a decoder for checking what a resize returned."""

from __future__ import annotations

import io
import zlib
from struct import pack

from PIL import Image


def quadrants(size: tuple[int, int]) -> Image.Image:
    """An RGB image whose four quadrants are red, green, blue and white (top-left first).

    Where each colour lands tells how the image was turned and cropped.
    """
    width, height = size
    image = Image.new("RGB", size, (255, 255, 255))
    image.paste((255, 0, 0), (0, 0, width // 2, height // 2))
    image.paste((0, 255, 0), (width // 2, 0, width, height // 2))
    image.paste((0, 0, 255), (0, height // 2, width // 2, height))
    return image


def encode(image: Image.Image, image_format: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, image_format, **options)
    return out.getvalue()


def jpeg(size: tuple[int, int] = (400, 300), orientation: int | None = None) -> bytes:
    """A JPEG of ``quadrants(size)``, stored as a camera would for ``orientation``.

    The pixels are stored turned so that applying the EXIF orientation shows ``quadrants``
    upright: an image whose orientation is ignored comes out wrong.
    """
    upright = quadrants(size)
    stored = upright
    exif = Image.Exif()
    if orientation is not None:
        # The inverse of what the orientation asks the viewer to do.
        inverse = {
            2: Image.Transpose.FLIP_LEFT_RIGHT,
            3: Image.Transpose.ROTATE_180,
            4: Image.Transpose.FLIP_TOP_BOTTOM,
            5: Image.Transpose.TRANSPOSE,
            6: Image.Transpose.ROTATE_90,
            7: Image.Transpose.TRANSVERSE,
            8: Image.Transpose.ROTATE_270,
        }
        if orientation != 1:
            stored = upright.transpose(inverse[orientation])
        exif[0x0112] = orientation
    exif[0x010F] = "TestCam"  # Make: must not survive the resize
    return encode(stored, "JPEG", quality=95, exif=exif.tobytes())


def png_with_alpha(size: tuple[int, int] = (200, 200)) -> bytes:
    """A PNG whose left half is opaque red and right half fully transparent."""
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    image.paste((255, 0, 0, 255), (0, 0, size[0] // 2, size[1]))
    return encode(image, "PNG")


def gif(frames: int = 3, size: tuple[int, int] = (60, 40)) -> bytes:
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255)]
    images = [Image.new("RGB", size, colours[i % 3]) for i in range(frames)]
    return encode(images[0], "GIF", save_all=True, append_images=images[1:], duration=50, loop=0)


def png_bomb(width: int = 30_000, height: int = 30_000) -> bytes:
    """A valid PNG header (and a little zero data) claiming ``width`` x ``height`` pixels.

    A few hundred bytes that would take 2.7 GB to decode.
    """

    def chunk(kind: bytes, data: bytes) -> bytes:
        return pack(">I", len(data)) + kind + data + pack(">I", zlib.crc32(kind + data))

    header = pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = zlib.compress(b"\0" * (width * 3 + 1) * 4)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


def decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def colour_at(image: Image.Image, x: float, y: float) -> tuple[int, ...]:
    """The colour at a fraction (x, y) of the image's width and height, as RGB(A)."""
    px = image.convert("RGBA").getpixel((int(x * image.width), int(y * image.height)))
    assert isinstance(px, tuple)
    return px


def near(colour: tuple[int, ...], expected: tuple[int, ...], tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour, expected, strict=False))
