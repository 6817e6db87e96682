"""One HTTP resource = one view that picks the operation by method, and the rules all share.

For every request, in this order: the method must be one the resource has (else 405 with
``Allow``); the caller is authenticated (SigV4); the path, query and body members are checked
against the service model (``servicemodel``: every violation at once, in AWS's words); the
operation runs; its result becomes a JSON response with ``x-amzn-RequestId``. Errors become
Elastic Transcoder's error responses in one place (``ApiError.response``): domain errors are
mapped by ``api_error``, and anything unexpected is logged and answered with a generic 500
``InternalServiceException`` — never a traceback or an HTML page.
"""

from __future__ import annotations

import json
import logging
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from mediamill import logs, servicemodel
from mediamill.api import auth
from mediamill.api.errors import ApiError
from mediamill.errors import (
    BucketError,
    ConfigurationError,
    InvalidKeyError,
    LimitExceededError,
    MediamillError,
    PermissionDeniedError,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

log = logging.getLogger("mediamill.api")

DEFAULT_REGION = "us-east-1"
INTERNAL_MESSAGE = "The service failed to process the request. It has been logged; try again."


@dataclass(frozen=True)
class Caller:
    """Who is calling, and for which region they signed."""

    user: User
    region: str

    @property
    def account(self) -> str:
        return account_id(self.user.pk)


def account_id(user_id: int) -> str:
    """The 12-digit account ID ARNs show for a user: their user ID, zero-padded."""
    return f"{user_id:012d}"


Reply = tuple[int, dict[str, Any]]
Handler = Callable[..., Reply]


@dataclass(frozen=True)
class Operation:
    """A handler and the name of the service model's operation it serves."""

    name: str
    handler: Handler
    check_body: bool = True


def operation(name: str, *, check_body: bool = True) -> Callable[[Handler], Operation]:
    """Mark a handler as the model's operation ``name`` (``@operation("ReadJob")``).

    ``check_body=False`` leaves the body to a parser that applies the model's constraints
    together with rules of its own, so that every violation is still reported at once.
    """
    if name not in servicemodel.operations():
        raise ValueError(f"the service model has no operation {name!r}")

    def mark(handler: Handler) -> Operation:
        return Operation(name, handler, check_body)

    return mark


def resource(**operations: Operation) -> Callable[..., HttpResponse]:
    """A view serving ``operations`` by HTTP method: ``resource(GET=read, DELETE=delete)``.

    Each handler is called as ``handler(request, caller, **path_parameters)``, once its
    input has passed the model's checks, and returns ``(status, body)``.
    """
    allowed = ", ".join(sorted(operations))

    @csrf_exempt
    def view(request: HttpRequest, **path: str) -> HttpResponse:
        operation = operations.get(request.method or "")
        if operation is None:
            return method_not_allowed(request, allowed)
        try:
            user = auth.authenticate(request)
            caller = Caller(user, getattr(request, "mediamill_region", None) or DEFAULT_REGION)
            logs.bind(user=user.get_username())
            check_input(operation, request, path)
            status, body = operation.handler(request, caller, **path)
        except ApiError as exc:
            return exc.response()
        except MediamillError as exc:
            return api_error(exc, request).response()
        except SuspiciousOperation as exc:  # e.g. a body over DATA_UPLOAD_MAX_MEMORY_SIZE
            return ApiError("ValidationException", f"The request was refused: {exc}").response()
        except Exception:
            log.exception("%s %s failed", request.method, request.path)
            return ApiError("InternalServiceException", INTERNAL_MESSAGE).response()
        return json_response(body, status)

    return view


def check_input(operation: Operation, request: HttpRequest, path: dict[str, str]) -> None:
    """The operation's input members, wherever they travel, checked against the model."""
    members: dict[str, Any] = {}
    inputs = servicemodel.input_members(operation.name)
    if not operation.check_body:
        inputs = [m for m in inputs if m.location != "body"]
    body = json_body(request) if any(m.location == "body" for m in inputs) else {}
    for member in inputs:
        if member.location == "uri":
            # Each operation has at most one path parameter: whatever the URL called it.
            members[member.name] = next(iter(path.values()), None)
        elif member.location == "querystring":
            members[member.name] = request.GET.get(member.name)
        else:
            members[member.name] = body.get(member.name)
    servicemodel.check_operation(operation.name, members, only=[m.name for m in inputs])


def api_error(exc: MediamillError, request: HttpRequest | None = None) -> ApiError:
    """The API error for a domain error; server-side failures are logged."""
    if isinstance(exc, LimitExceededError):
        return ApiError("LimitExceededException", exc.message)
    if isinstance(exc, PermissionDeniedError):
        return ApiError("AccessDeniedException", exc.message)
    if isinstance(exc, ConfigurationError | BucketError) and not isinstance(exc, InvalidKeyError):
        # The server cannot reach its storage or is misconfigured: not the caller's fault.
        # The detail (server paths, endpoints, setting names) goes to the log, not the caller.
        where = f"{request.method} {request.path}" if request is not None else "request"
        log.error("%s failed: %s", where, exc.message)
        return ApiError("InternalServiceException", INTERNAL_MESSAGE)
    return ApiError.from_domain(exc)


def json_response(body: dict[str, Any], status: int = 200) -> HttpResponse:
    response = HttpResponse(
        json.dumps(body, separators=(",", ":")), status=status, content_type="application/json"
    )
    response["x-amzn-RequestId"] = str(uuid.uuid4())
    return response


def method_not_allowed(request: HttpRequest, allowed: str) -> HttpResponse:
    """405 with ``Allow``. The model has no error for this, so the type is ValidationException."""
    response = ApiError(
        "ValidationException", f"{request.method} is not allowed on {request.path}; use {allowed}"
    ).response()
    response.status_code = 405
    response["Allow"] = allowed
    return response


def json_body(request: HttpRequest) -> dict[str, Any]:
    """The request body as a JSON object; an empty body is ``{}``.

    Refused here, once for every operation (400 ``ValidationException``): text that is not
    JSON, a number Python will not convert (over 4,300 digits: ``ValueError``), and strings
    holding NUL or a lone surrogate anywhere — JSON's ``\\u`` escapes let both through, and
    databases refuse them later (PostgreSQL rejects NUL in text, SQLite cannot encode a
    surrogate), which would be a 500 after part of the work was done.
    """
    if not request.body:
        return {}
    try:
        data = json.loads(request.body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ApiError("ValidationException", f"The request body is not valid JSON: {exc}") from exc
    except ValueError as exc:
        # Python refuses to convert integers of more than sys.get_int_max_str_digits() digits.
        raise ApiError(
            "ValidationException",
            f"The request body is not valid JSON: it holds a number of more than "
            f"{sys.get_int_max_str_digits()} digits",
        ) from exc
    if not isinstance(data, dict):
        raise ApiError("ValidationException", "The request body must be a JSON object")
    problem = unstorable_text(data)
    if problem is not None:
        raise ApiError("ValidationException", f"The request body is not acceptable: {problem}")
    return data


def unstorable_text(data: object) -> str | None:
    """Where parsed JSON holds a string with NUL or a lone surrogate, and which; else None.

    Walks the data without recursion (``json.loads`` already bounds its depth, but this
    should not depend on it). Keys are checked as well as values.
    """
    pending: list[tuple[str, object]] = [("", data)]
    while pending:
        where, value = pending.pop()
        if isinstance(value, str):
            problem = _bad_character(value)
            if problem is not None:
                return f"{where or 'the body'} contains {problem}"
        elif isinstance(value, dict):
            for key, item in value.items():
                member = f"{where}.{key}" if where else str(key)
                problem = _bad_character(key)
                if problem is not None:
                    return f"a member name in {where or 'the body'} contains {problem}"
                pending.append((member, item))
        elif isinstance(value, list):
            pending.extend((f"{where}[{i}]", item) for i, item in enumerate(value))
    return None


def _bad_character(text: str) -> str | None:
    if "\x00" in text:
        return "the character U+0000 (NUL), which cannot be stored"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        code = ord(text[exc.start])
        return f"a lone surrogate U+{code:04X}, which is not a character (invalid Unicode)"
    return None
