"""Views that belong to the site itself rather than to an app: the two health probes.

``/healthz`` (liveness) says the process answers HTTP, and nothing else: it touches no
database, so it stays cheap under load and a database outage does not get a healthy server
restarted. ``/readyz`` (readiness) says the server can do its work: the database answers and
accepts a write, the broker (when there is one) accepts a connection, every bucket in use
takes a write, a read and a delete, and the data folder's disk has room.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from mediamill.site import checks

log = logging.getLogger("mediamill.site")


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """``{"status": "ok"}`` while the server answers at all."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request: HttpRequest) -> JsonResponse:
    """``{"status": "ok", ...}`` with one member per part; 503 when any part fails."""
    database = checks.database()
    found = [database]
    parts = {"database": "writable" if database.ok else database.detail.split(":", 1)[0]}
    if database.ok:  # which buckets matter is read from the database
        broker, buckets, disk = checks.broker(timeout=2.0), checks.buckets(), checks.disk()
        found += [broker, *buckets, disk]
        used = not broker.detail.startswith("not used")
        parts["broker"] = ("reachable" if used else "not used") if broker.ok else "unreachable"
        parts["buckets"] = "writable" if all(b.ok for b in buckets) else "not writable"
        parts["disk"] = "ok" if disk.ok else "low"
    failed = [check for check in found if not check.ok]
    for check in failed:
        log.error("/readyz: %s: %s", check.name, check.detail)
    status = "unavailable" if failed else "ok"
    return JsonResponse({"status": status, **parts}, status=503 if failed else 200)
