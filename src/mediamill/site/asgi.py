"""ASGI entry point: ``mediamill.site.asgi:application``."""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

from mediamill.site import SETTINGS_MODULE

os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)

application = get_asgi_application()
