"""Views that belong to the site itself rather than to an app: the two health probes.

``/healthz`` (liveness) says the process answers HTTP, and nothing else: it touches no
database, so it stays cheap under load and a database outage does not get a healthy server
restarted. ``/readyz`` (readiness) says the server can do its work: the database answers and
accepts a write.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection, transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

log = logging.getLogger("mediamill.site")

# A write that changes nothing but takes the database's write path (lock, journal, commit):
# it fails on a read-only file or a read-only PostgreSQL transaction, and on a full disk.
_WRITE_PROBE = (
    "UPDATE django_migrations SET applied = applied "
    "WHERE id = (SELECT MIN(id) FROM django_migrations)"
)


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """``{"status": "ok"}`` while the server answers at all."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    """``{"status": "ok"}`` once the database can be read and written; 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        log.error("/readyz: the database cannot be reached: %s", exc)
        return _unavailable("unreachable")
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_WRITE_PROBE)
    except DatabaseError as exc:
        log.error("/readyz: the database cannot be written: %s", exc)
        return _unavailable("not writable")
    return JsonResponse({"status": "ok", "database": "writable"})


def _unavailable(database: str) -> JsonResponse:
    return JsonResponse({"status": "unavailable", "database": database}, status=503)
