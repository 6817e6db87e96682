"""The Django project that hosts mediamill's apps: settings, URL root, WSGI/ASGI entry points.

Processes that use the ORM outside a web request (the CLI, workers) call ``setup()`` first.
"""

from __future__ import annotations

import os
import threading

SETTINGS_MODULE = "mediamill.site.settings"

_lock = threading.Lock()


def setup() -> None:
    """Point Django at mediamill's settings (unless already pointed elsewhere) and load it.

    Safe to call more than once and from several threads.
    """
    import django
    from django.apps import apps

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    with _lock:
        if not apps.ready:
            django.setup()
