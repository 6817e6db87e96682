"""Path and query parameters, checked against the model's patterns before any lookup."""

from __future__ import annotations

from django.http import HttpRequest

from mediamill.api.errors import ApiError
from mediamill.jobs import constraints
from mediamill.jobs.models import JobStatus


def path_id(value: str, member: str = "id") -> str:
    """An ``Id`` path segment; ValidationException in AWS's words if malformed."""
    if not constraints.matches(constraints.ID, value):
        raise _invalid(value, member, f"satisfy regular expression pattern: {constraints.ID}")
    return value


def job_status(value: str) -> str:
    if value not in JobStatus.values:
        choices = ", ".join(JobStatus.values)
        raise _invalid(value, "status", f"satisfy enum value set: [{choices}]")
    return value


def ascending(request: HttpRequest) -> bool:
    """The ``Ascending`` query parameter: "true" (the default, oldest first) or "false"."""
    value = request.GET.get("Ascending")
    if value is None or value == "true":
        return True
    if value == "false":
        return False
    raise _invalid(value, "ascending", "satisfy regular expression pattern: (^true$)|(^false$)")


def page_token(request: HttpRequest) -> str | None:
    value = request.GET.get("PageToken")
    if value is None:
        return None
    return path_id(value, "pageToken")


def _invalid(value: str, member: str, constraint: str) -> ApiError:
    message = "1 validation error detected: " + constraints.violation(value, member, constraint)
    return ApiError("ValidationException", message)
