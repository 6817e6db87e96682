"""The one endpoint: POST /events/s3.

    401  no or an unknown secret, a bad or replayed signature (nothing is recorded)
    400  the body is not an S3 event notification (nothing could be recorded)
    200  every record is in the event history: the jobs made, or why none

An answer of 200 is sent only after the records are committed, so an event that was
acknowledged is never lost; a sender that gets anything else may send it again, and an
object version fires each trigger once however often it arrives.
"""

from __future__ import annotations

import json
import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from mediamill.errors import AuthenticationError, ValidationError
from mediamill.triggers import receiving, s3events, sources

log = logging.getLogger(__name__)


@csrf_exempt  # posted by servers, authenticated by the event source's secret
@require_POST
def s3_events(request: HttpRequest) -> HttpResponse:
    body = request.body
    try:
        source = sources.authenticate(request.headers, body)
    except AuthenticationError as exc:
        return _error(401, exc.kind, exc.message)
    try:
        notification = s3events.parse(body)
    except ValidationError as exc:
        return _error(400, "InvalidEvent", exc.message)
    if notification.kind == "test":
        return JsonResponse({"received": "s3:TestEvent", "records": []})
    if notification.kind in ("subscribe", "unsubscribe"):
        note = receiving.subscription(notification, source)
        return JsonResponse({"received": notification.kind, "note": note, "records": []})
    results = receiving.receive(notification, source)
    return JsonResponse(
        {"received": "records", "records": [result.to_json() for result in results]}
    )


def _error(status: int, kind: str, message: str) -> HttpResponse:
    response = HttpResponse(
        json.dumps({"error": kind, "message": message}),
        status=status,
        content_type="application/json",
    )
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="mediamill events"'
    return response
