from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def duration(millis: int | None) -> str:
    """``3:05`` or ``1:02:03`` for a duration in milliseconds; ``—`` when unknown."""
    if millis is None:
        return "—"
    seconds = round(millis / 1000)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
