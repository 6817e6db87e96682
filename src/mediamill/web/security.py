"""The web app's Content-Security-Policy: its own scripts, styles and images only.

No inline script or style is allowed anywhere in the app's pages, so an injected ``<script>``
does nothing. Media may also come from the S3 server when buckets are on S3 (players are
redirected to presigned URLs there). Applied to the web app's responses only: the admin is
Django's and keeps Django's defaults.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponseBase

from mediamill import settings


def policy() -> str:
    media = ["'self'", "blob:"]
    endpoint = settings.get("MEDIAMILL_S3_ENDPOINT_URL")
    if endpoint:
        parts = urlsplit(endpoint)
        media.append(f"{parts.scheme}://{parts.netloc}")
    elif "s3://" in settings.get("MEDIAMILL_BUCKETS"):
        media.append("https://*.amazonaws.com")
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            f"media-src {' '.join(media)}",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.policy = policy()

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is not None and match.app_name == "web":
            response.headers.setdefault("Content-Security-Policy", self.policy)
        return response
