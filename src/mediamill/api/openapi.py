"""The OpenAPI 3 document served at ``/2012-09-25/openapi.json``, generated from the model.

Nothing here is written by hand that the service model already says: every operation (method,
path, success code, the errors it may answer and their statuses), every member with its
shape, pattern, lengths and sizes, and the documentation come from Elastic Transcoder's own
service description (``servicemodel``), which is also what the server validates requests
against. What mediamill adds is listed once, in ``ADDITIONS``, and documented in the README:

- ``Job.Progress``: how far a job is, an integer percent.

and where a response is known to differ from the model, in ``LOOSENED``:

- ``Preset.Name`` may be longer than 40 characters: three of AWS's own system presets have
  longer names (the model's limit is CreatePreset's).

Two things come from the protocol rather than from shapes: error bodies (``{"message": ...}``
with the ``x-amzn-ErrorType`` header) and the ``x-amzn-RequestId`` header on every answer.
Patterns are rewritten with ASCII classes (``[0-9]`` for ``\\d``), which is what the model's
Java patterns meant and what the server checks. Requests must be signed with AWS Signature
Version 4; OpenAPI cannot express that, so the security scheme names the ``Authorization``
header and says so.
"""

from __future__ import annotations

import html
import re
from typing import Any

from mediamill import servicemodel

Schema = dict[str, Any]

#: mediamill's members beyond the model's, per shape: name -> JSON schema.
ADDITIONS: dict[str, dict[str, Schema]] = {
    "Job": {
        "Progress": {
            "type": "integer",
            "minimum": 0,
            "maximum": 100,
            "description": "mediamill's addition: how far the job is, as a whole percent.",
        }
    },
}

#: Members whose schema in responses is looser than the model's shape, and why.
LOOSENED: dict[tuple[str, str], Schema] = {
    ("Preset", "Name"): {
        "type": "string",
        "minLength": 1,
        "description": "Up to 40 characters for custom presets; AWS's own system presets have "
        "longer names, and keep them.",
    },
}

_ERROR_SCHEMA = "ErrorResponse"
_TAG = re.compile(r"<[^>]+>")


def document() -> dict[str, Any]:
    """The OpenAPI 3.0 document, as a JSON-ready dict."""
    schemas: dict[str, Schema] = {
        _ERROR_SCHEMA: {
            "type": "object",
            "properties": {"message": {"type": "string"}},
            "required": ["message"],
        }
    }
    paths: dict[str, dict[str, Schema]] = {}
    for name, spec in servicemodel.operations().items():
        path = spec["http"]["requestUri"]
        paths.setdefault(path, {})[spec["http"]["method"].lower()] = _operation(name, spec, schemas)
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "mediamill: Elastic Transcoder API",
            "version": servicemodel.API_VERSION,
            "description": (
                "The AWS Elastic Transcoder REST API (2012-09-25) as mediamill serves it, "
                "generated from the service's own description (botocore 1.42.17) plus "
                "mediamill's documented additions (Job.Progress). Sign every request with AWS "
                "Signature Version 4 (service elastictranscoder, any region) using a key from "
                "`mediamill keys create`. Errors carry their type in the x-amzn-ErrorType "
                'header and a JSON body {"message": ...}.'
            ),
        },
        "servers": [{"url": "/"}],
        "security": [{"sigv4": []}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "sigv4": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "Authorization",
                    "description": (
                        "AWS Signature Version 4: AWS4-HMAC-SHA256 Credential=<key id>/<date>/"
                        "<region>/elastictranscoder/aws4_request, SignedHeaders=..., "
                        "Signature=... (with X-Amz-Date)."
                    ),
                }
            },
        },
    }


def _operation(name: str, spec: dict[str, Any], schemas: dict[str, Schema]) -> Schema:
    operation: Schema = {"operationId": name, "summary": name}
    if "documentation" in spec:
        operation["description"] = _text(spec["documentation"])
    if spec.get("deprecated"):
        operation["deprecated"] = True
    parameters = []
    body: list[servicemodel.Member] = []
    for member in servicemodel.input_members(name):
        if member.location == "body":
            body.append(member)
            continue
        parameters.append(
            {
                "name": member.name,
                "in": "path" if member.location == "uri" else "query",
                "required": member.location == "uri" or member.required,
                "schema": _ref(member.shape, schemas),
            }
        )
    if parameters:
        operation["parameters"] = parameters
    if body:
        request_shape = spec["input"]["shape"]
        _add(request_shape, schemas)
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(request_shape, schemas)}},
        }
    request_id = {"x-amzn-RequestId": {"schema": {"type": "string"}, "required": True}}
    output: Schema = (
        _ref(spec["output"]["shape"], schemas) if "output" in spec else {"type": "object"}
    )
    responses: dict[str, Schema] = {
        str(spec["http"].get("responseCode", 200)): {
            "description": "Success",
            "headers": request_id,
            "content": {"application/json": {"schema": output}},
        }
    }
    for error in spec.get("errors", ()):
        shape = servicemodel.shape(error["shape"])
        status = str(shape.get("error", {}).get("httpStatusCode", 500))
        entry = responses.setdefault(
            status,
            {
                "description": "",
                "headers": {
                    **request_id,
                    "x-amzn-ErrorType": {"schema": {"type": "string"}, "required": True},
                },
                "content": {"application/json": {"schema": _ref(_ERROR_SCHEMA, schemas)}},
            },
        )
        entry["description"] = " or ".join(filter(None, (entry["description"], error["shape"])))
    operation["responses"] = responses
    return operation


def _ref(shape_name: str, schemas: dict[str, Schema]) -> Schema:
    _add(shape_name, schemas)
    return {"$ref": f"#/components/schemas/{shape_name}"}


def _add(shape_name: str, schemas: dict[str, Schema]) -> None:
    """Put ``shape_name`` (and every shape it refers to) into ``schemas``."""
    if shape_name in schemas:
        return
    spec = servicemodel.shape(shape_name)
    schema: Schema = {}
    schemas[shape_name] = schema  # before recursing: shapes may refer to themselves
    kind = spec["type"]
    if kind == "structure":
        schema["type"] = "object"
        properties: dict[str, Schema] = {}
        for name, member in spec["members"].items():
            if "location" in member:  # travels in the path or query string, not the body
                continue
            reference = LOOSENED.get((shape_name, name)) or _ref(member["shape"], schemas)
            if "documentation" in member:
                # OpenAPI 3.0 ignores siblings of $ref; allOf keeps the description.
                reference = {"allOf": [reference], "description": _text(member["documentation"])}
            properties[name] = reference
        properties.update(ADDITIONS.get(shape_name, {}))
        schema["properties"] = properties
        required = [n for n in spec.get("required", ()) if "location" not in spec["members"][n]]
        if required:
            schema["required"] = required
    elif kind == "list":
        schema.update(type="array", items=_ref(spec["member"]["shape"], schemas))
        _limits(spec, schema, "minItems", "maxItems")
    elif kind == "map":
        schema.update(type="object", additionalProperties=_ref(spec["value"]["shape"], schemas))
        _limits(spec, schema, "minProperties", "maxProperties")
    elif kind == "string":
        schema["type"] = "string"
        _limits(spec, schema, "minLength", "maxLength")
        if "pattern" in spec:
            schema["pattern"] = ascii_pattern(spec["pattern"])
    elif kind in ("integer", "long"):
        schema["type"] = "integer"
        if kind == "long":
            schema["format"] = "int64"
    else:
        raise ValueError(f"shape {shape_name} has a type OpenAPI is not given for: {kind}")
    if spec.get("deprecated"):
        schema["deprecated"] = True


def ascii_pattern(pattern: str) -> str:
    """The model's Java pattern for ECMA-262 and Python: ``\\d`` and ``\\w`` made ASCII."""
    return pattern.replace("\\d", "[0-9]").replace("\\w", "[A-Za-z0-9_]")


def _limits(spec: dict[str, Any], schema: Schema, low: str, high: str) -> None:
    if "min" in spec:
        schema[low] = spec["min"]
    if "max" in spec:
        schema[high] = spec["max"]


def _text(documentation: str) -> str:
    """The model's HTML documentation as plain text."""
    return " ".join(html.unescape(_TAG.sub("", documentation)).split())
