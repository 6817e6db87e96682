"""Image rendering and resize storage with Pillow: the adapter under resize URLs (layer 2).

    render.py    decode under limits, orient, crop and scale, encode without metadata
    resizes.py   render once, store back: find a resize in the bucket or make and publish it
    keyring.py   the secrets that sign resize URLs, in the data folder, with rotation
    urls.py      ``resize_url``: the signed URL of a resize, for Python callers

Specs and signatures are pure logic in ``mediamill.images``; the HTTP view is
``mediamill.resizer``.
"""

from mediamill.imaging.keyring import Keyring, SigningKey, default_keyring
from mediamill.imaging.render import Limits, Rendered, render
from mediamill.imaging.resizes import Resize, Resizer, limits_from_settings, resized_key
from mediamill.imaging.urls import resize_path, resize_url

__all__ = [
    "Keyring",
    "Limits",
    "Rendered",
    "Resize",
    "Resizer",
    "SigningKey",
    "default_keyring",
    "limits_from_settings",
    "render",
    "resize_path",
    "resize_url",
    "resized_key",
]
