"""API errors as Elastic Transcoder sent them: an ``x-amzn-ErrorType`` header and a JSON body.

    ApiError(type, status, message)
    ├── ValidationException           400
    ├── IncompatibleVersionException  400
    ├── AccessDeniedException         403  (and the SigV4 failures below, also 403)
    ├── ResourceNotFoundException     404
    ├── ResourceInUseException        409
    ├── LimitExceededException        429
    └── InternalServiceException      500

botocore reads the error code from the header and the message from the body's ``message``
(or ``Message``), so ``ClientError.response["Error"]`` shows both.
"""

from __future__ import annotations

import json
import uuid

from django.http import HttpResponse

from mediamill.errors import (
    InvalidStateError,
    MediamillError,
    NotFoundError,
    ValidationError,
)

STATUS = {
    "ValidationException": 400,
    "IncompatibleVersionException": 400,
    "AccessDeniedException": 403,
    "MissingAuthenticationTokenException": 403,
    "UnrecognizedClientException": 403,
    "InvalidSignatureException": 403,
    "IncompleteSignatureException": 403,
    "ResourceNotFoundException": 404,
    "ResourceInUseException": 409,
    "LimitExceededException": 429,
    "InternalServiceException": 500,
}


class ApiError(Exception):
    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        if error_type not in STATUS:
            raise ValueError(f"unknown API error type {error_type!r}")
        self.error_type = error_type
        self.status = STATUS[error_type]
        self.message = message

    @classmethod
    def from_domain(cls, exc: MediamillError) -> ApiError:
        """The API error for a domain error (raised by the job service and friends)."""
        if isinstance(exc, NotFoundError):
            return cls("ResourceNotFoundException", exc.message)
        if isinstance(exc, InvalidStateError):
            return cls("ResourceInUseException", exc.message)
        if isinstance(exc, ValidationError) or exc.code == 1000:
            return cls("ValidationException", exc.message)
        return cls("ValidationException", exc.message)

    def response(self) -> HttpResponse:
        body = json.dumps({"message": self.message})
        response = HttpResponse(body, status=self.status, content_type="application/json")
        response["x-amzn-ErrorType"] = self.error_type
        response["x-amzn-RequestId"] = str(uuid.uuid4())
        return response
