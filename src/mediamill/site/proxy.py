"""What Django must know to be served over HTTPS through a TLS-terminating proxy.

Behind a proxy, the server sees plain HTTP from the proxy. Django then takes the request for
an insecure one, and its CSRF check refuses every form posted from an ``https://`` page
(the Origin ``https://host`` is not the ``http://host`` it sees): the admin cannot be used.
``X-Forwarded-Proto`` tells the truth only when a proxy sets it, so it is trusted only with
``MEDIAMILL_BEHIND_PROXY``. Whether cookies are ``Secure`` and which origin may post forms
follow from ``MEDIAMILL_PUBLIC_URL``, the address people use.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class WebSecurity:
    proxy_ssl_header: tuple[str, str] | None  # Django's SECURE_PROXY_SSL_HEADER
    secure_cookies: bool  # SESSION_COOKIE_SECURE and CSRF_COOKIE_SECURE
    trusted_origins: list[str]  # CSRF_TRUSTED_ORIGINS
    public_host: str  # added to ALLOWED_HOSTS


def web_security(public_url: str, behind_proxy: bool) -> WebSecurity:
    parts = urlsplit(public_url)
    return WebSecurity(
        proxy_ssl_header=("HTTP_X_FORWARDED_PROTO", "https") if behind_proxy else None,
        secure_cookies=parts.scheme == "https",
        trusted_origins=[f"{parts.scheme}://{parts.netloc}"],
        public_host=parts.hostname or "",
    )
