"""Elastic Transcoder's own service description, and the one validator drawn from it.

    >>> from mediamill import servicemodel
    >>> servicemodel.matches("Id", "1351620000001-300300")
    True
    >>> servicemodel.check_operation("ReadJob", {"Id": "nope"})
    Traceback (most recent call last):
    ...
    mediamill.errors.ValidationError: 1 validation error detected: Value 'nope' at 'id' ...

Modules: ``model`` (the vendored ``service-2.json`` of botocore 1.42.17, read once),
``validate`` (structural checks with AWS's messages). The OpenAPI document the API serves is
generated from the same description (``api/openapi.py``).
"""

from mediamill.servicemodel.model import (
    API_VERSION,
    Member,
    description,
    input_members,
    matches,
    operations,
    pattern,
    shape,
)
from mediamill.servicemodel.validate import (
    check_operation,
    check_shape,
    member_name,
    raise_violations,
    violation,
    violations,
)

__all__ = [
    "API_VERSION",
    "Member",
    "check_operation",
    "check_shape",
    "description",
    "input_members",
    "matches",
    "member_name",
    "operations",
    "pattern",
    "raise_violations",
    "shape",
    "violation",
    "violations",
]
