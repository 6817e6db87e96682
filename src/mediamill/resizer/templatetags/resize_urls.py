"""``{% load resize_urls %}{% resize_url "media" photo.key "400x300-fill.webp" %}``.

Gives the same absolute URL as ``mediamill.imaging.resize_url`` and ``mediamill sign-url``;
``expires_in=SECONDS`` makes it expire.
"""

from __future__ import annotations

from django import template

from mediamill.imaging import resize_url as _resize_url

register = template.Library()


@register.simple_tag
def resize_url(bucket: str, key: str, spec: str, expires_in: int | None = None) -> str:
    return _resize_url(bucket, key, spec, expires_in=expires_in)
