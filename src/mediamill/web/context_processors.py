"""What every page of the web app shows: the person's unread notices and their count."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from mediamill import settings
from mediamill.web import notice_texts


def web(request: HttpRequest) -> dict[str, Any]:
    match = getattr(request, "resolver_match", None)
    if match is None or match.app_name != "web":
        return {}
    context: dict[str, Any] = {"signup_open": settings.get("MEDIAMILL_WEB_SIGNUP")}
    if request.user.is_authenticated:
        context.update(notice_texts.for_page(request.user))
    return context
