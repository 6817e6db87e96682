"""Resize specs and signed resize URLs: pure logic, no I/O (layer 1).

    spec.py        ``parse_spec`` turns ``800x600-fill-q80`` into a ``ResizeSpec``; ``plan``
                   turns a spec and a source size into a crop and a scale
    signatures.py  the resize URL's path and its HMAC-SHA256 signature (``build_path``,
                   ``parse_path``, ``verify``)

Rendering is ``mediamill.imaging`` (an adapter); the HTTP view is ``mediamill.resizer``.
"""

from mediamill.images.signatures import ResizeRequest, build_path, parse_path, verify
from mediamill.images.spec import FORMATS, Plan, ResizeSpec, output_format, parse_spec, plan

__all__ = [
    "FORMATS",
    "Plan",
    "ResizeRequest",
    "ResizeSpec",
    "build_path",
    "output_format",
    "parse_path",
    "parse_spec",
    "plan",
    "verify",
]
