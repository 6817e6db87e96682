"""The Django project that hosts mediamill's apps: settings, URL root, WSGI/ASGI entry points.

Processes that use the ORM outside a web request (the CLI, workers) call ``setup()`` first.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

SETTINGS_MODULE = "mediamill.site.settings"
#: PostgreSQL advisory lock key under which migrations run ("mmig").
MIGRATION_LOCK = 0x6D6D6967

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


def migrate() -> None:
    """Set up Django, make the data folder private again and apply the database migrations.

    Safe when several processes start at once on a fresh PostgreSQL database (two
    ``mediamill worker`` started together): Django's ``migrate`` checks for its tables and
    then creates them, so concurrent runs both try to create them and one crashes. An
    advisory lock makes them take turns; the later ones find nothing left to do.
    """
    setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from mediamill.site.files import protect

    database = settings.DATABASES["default"]
    sqlite = database["ENGINE"].endswith("sqlite3")
    protect(settings.DATA_DIR, Path(database["NAME"]) if sqlite else None)

    locked = connection.vendor == "postgresql"
    if locked:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [MIGRATION_LOCK])
    try:
        call_command("migrate", interactive=False, verbosity=0)
    finally:
        if locked:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [MIGRATION_LOCK])
