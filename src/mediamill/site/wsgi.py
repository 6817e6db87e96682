"""WSGI entry point: ``mediamill.site.wsgi:application``."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

from mediamill.site import SETTINGS_MODULE

os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)

application = get_wsgi_application()
