"""Around every request: an ID for its log records, and a count for /metrics.

The ID is the client's ``X-Request-ID`` when it is a sane token (a proxy in front usually
sets one), otherwise a new one; it is sent back in the answer's ``X-Request-ID``.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from mediamill import logs
from mediamill.site import metrics

_SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get("X-Request-ID", "")
        request_id = given if _SANE_ID.fullmatch(given) else uuid.uuid4().hex
        started = time.perf_counter()
        # The user is bound where a request is authenticated (the API's SigV4 check): asking
        # request.user here would cost every request, /healthz too, a session lookup.
        with logs.context(request_id=request_id, user=None, job_id=None, pipeline_id=None):
            response = self.get_response(request)
        match = request.resolver_match
        route = match.route if match is not None else "(unmatched)"
        metrics.observe_request(
            request.method or "", route, response.status_code, time.perf_counter() - started
        )
        response["X-Request-ID"] = request_id
        return response
