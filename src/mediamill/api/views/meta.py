"""What is not an operation: the OpenAPI description, unknown routes, other API versions."""

from __future__ import annotations

import functools

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from mediamill.api import openapi
from mediamill.api.errors import ApiError
from mediamill.api.http import json_response, method_not_allowed

API_VERSION = "2012-09-25"


@csrf_exempt
def openapi_json(request: HttpRequest) -> HttpResponse:
    """The OpenAPI 3 description of this API. Public: it describes, it holds no data."""
    if request.method not in ("GET", "HEAD"):
        return method_not_allowed(request, "GET, HEAD")
    return json_response(_document())


@functools.cache
def _document() -> dict[str, object]:
    return openapi.document()


@csrf_exempt
def unknown_route(request: HttpRequest, rest: str = "") -> HttpResponse:
    """404 for a path under /2012-09-25/ that no operation has."""
    return ApiError(
        "ResourceNotFoundException",
        f"No Elastic Transcoder operation has the path {request.path}.",
    ).response()


@csrf_exempt
def other_version(request: HttpRequest, version: str, rest: str = "") -> HttpResponse:
    """A client built for another API version: AWS's IncompatibleVersionException."""
    return ApiError(
        "IncompatibleVersionException",
        f"This server speaks Elastic Transcoder API version {API_VERSION}, not {version}.",
    ).response()
