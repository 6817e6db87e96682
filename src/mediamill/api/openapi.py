"""The OpenAPI 3 description of the API, served at ``/2012-09-25/openapi.json``.

Built here from the same facts as the views (paths, success codes, which errors each operation
may answer, the JSON shapes of ``wire``), and checked against the running server by
schemathesis in the test suite. Patterns are written with ASCII classes (``[0-9]`` rather than
``\\d``) because that is what AWS's Java patterns meant, and what the server checks.

Requests must be signed with AWS Signature Version 4 (service ``elastictranscoder``, any
region); OpenAPI cannot express that, so the security scheme names the ``Authorization``
header and says so.
"""

from __future__ import annotations

from typing import Any

from mediamill.presets import wire
from mediamill.presets.rules import CONTAINERS

Schema = dict[str, Any]

ID = "^[0-9]{13}-[A-Za-z0-9_]{6}$"
BUCKET_NAME = "^[A-Za-z0-9_.-]{1,255}$"
JOB_STATUSES = ["Submitted", "Progressing", "Complete", "Canceled", "Error"]

_ERRORS = {
    400: "ValidationException or IncompatibleVersionException",
    403: "AccessDeniedException, or a request not signed with a valid key",
    404: "ResourceNotFoundException",
    409: "ResourceInUseException",
    429: "LimitExceededException",
    500: "InternalServiceException",
}


def _string(**extra: Any) -> Schema:
    return {"type": "string", **extra}


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict[str, Schema], required: tuple[str, ...] = ()) -> Schema:
    schema: Schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    return schema


def _strings(*names: str) -> dict[str, Schema]:
    return {name: _string() for name in names}


def _array(items: Schema, **extra: Any) -> Schema:
    return {"type": "array", "items": items, **extra}


_STRING_MAP: Schema = {"type": "object", "additionalProperties": {"type": "string"}}
_INTEGER: Schema = {"type": "integer", "format": "int64"}

_SCHEMAS: dict[str, Schema] = {
    "Error": _object({"message": _string()}, ("message",)),
    # --- pipelines ---
    "Notifications": _object(
        {key: _string() for key in ("Progressing", "Completed", "Warning", "Error")}
    ),
    "Permission": _object(
        {
            "GranteeType": _string(enum=["Canonical", "Email", "Group"]),
            "Grantee": _string(minLength=1, maxLength=255),
            "Access": _array(_string(enum=["FullControl", "Read", "ReadAcp", "WriteAcp"])),
        }
    ),
    "PipelineOutputConfig": _object(
        {
            "Bucket": _string(pattern=BUCKET_NAME),
            "StorageClass": _string(enum=["Standard", "ReducedRedundancy"]),
            "Permissions": _array(_ref("Permission"), maxItems=30),
        }
    ),
    "Pipeline": _object(
        {
            "Id": _string(pattern=ID),
            "Arn": _string(),
            "Name": _string(),
            "Status": _string(enum=["Active", "Paused"]),
            "InputBucket": _string(),
            "OutputBucket": _string(),
            "Role": _string(),
            "AwsKmsKeyArn": _string(),
            "Notifications": _ref("Notifications"),
            "ContentConfig": _ref("PipelineOutputConfig"),
            "ThumbnailConfig": _ref("PipelineOutputConfig"),
        },
        ("Id", "Arn", "Name", "Status", "InputBucket", "Role", "Notifications"),
    ),
    "Warning": _object(_strings("Code", "Message")),
    # --- presets ---
    "AudioParameters": _object(
        {
            **_strings(*(f for f in wire.AUDIO_FIELDS if f != "CodecOptions")),
            "CodecOptions": _object(_strings(*wire.AUDIO_OPTIONS)),
        }
    ),
    "PresetWatermark": _object(_strings(*wire.WATERMARK_FIELDS)),
    "VideoParameters": _object(
        {
            **_strings(*(f for f in wire.VIDEO_FIELDS if f not in ("CodecOptions", "Watermarks"))),
            "CodecOptions": _STRING_MAP,
            "Watermarks": _array(_ref("PresetWatermark")),
        }
    ),
    "Thumbnails": _object(_strings(*wire.THUMBNAIL_FIELDS)),
    "Preset": _object(
        {
            "Id": _string(pattern=ID),
            "Arn": _string(),
            "Name": _string(),
            "Description": _string(),
            "Container": _string(),
            "Audio": _ref("AudioParameters"),
            "Video": _ref("VideoParameters"),
            "Thumbnails": _ref("Thumbnails"),
            "Type": _string(enum=["System", "Custom"]),
        },
        ("Id", "Arn", "Name", "Container", "Type"),
    ),
    # --- jobs ---
    "JobInput": _object(
        {
            "Key": _string(minLength=1, maxLength=1024),
            **_strings("FrameRate", "Resolution", "AspectRatio", "Interlaced", "Container"),
        }
    ),
    "CreateJobOutput": _object(
        {
            "Key": _string(minLength=1, maxLength=255),
            "PresetId": _string(pattern=ID),
            **_strings("ThumbnailPattern", "Rotate", "SegmentDuration"),
        }
    ),
    "JobOutput": _object(
        {
            **_strings(
                "Id",
                "Key",
                "PresetId",
                "ThumbnailPattern",
                "Rotate",
                "SegmentDuration",
                "StatusDetail",
                "FrameRate",
                "AppliedColorSpaceConversion",
            ),
            "Status": _string(enum=JOB_STATUSES),
            "Duration": _INTEGER,
            "Width": {"type": "integer"},
            "Height": {"type": "integer"},
            "FileSize": _INTEGER,
            "DurationMillis": _INTEGER,
            "Watermarks": _array({"type": "object"}),
        },
        ("Id", "Key", "PresetId", "Status"),
    ),
    "CreateJobPlaylist": _object(
        {
            "Name": _string(minLength=1, maxLength=255),
            "Format": _string(enum=["HLSv3", "HLSv4", "Smooth", "MPEG-DASH"]),
            "OutputKeys": _array(_string(minLength=1, maxLength=255), maxItems=30),
        }
    ),
    "Playlist": _object(
        {
            **_strings("Name", "Format", "StatusDetail"),
            "OutputKeys": _array(_string()),
            "Status": _string(enum=JOB_STATUSES),
        }
    ),
    "Timing": _object(
        {
            "SubmitTimeMillis": _INTEGER,
            "StartTimeMillis": _INTEGER,
            "FinishTimeMillis": _INTEGER,
        }
    ),
    "Job": _object(
        {
            "Id": _string(pattern=ID),
            "Arn": _string(),
            "PipelineId": _string(pattern=ID),
            "Input": _ref("JobInput"),
            "Inputs": _array(_ref("JobInput")),
            "Output": _ref("JobOutput"),
            "Outputs": _array(_ref("JobOutput")),
            "OutputKeyPrefix": _string(),
            "Playlists": _array(_ref("Playlist")),
            "Status": _string(enum=JOB_STATUSES),
            "UserMetadata": _STRING_MAP,
            "Timing": _ref("Timing"),
            "Progress": {
                "type": "integer",
                "minimum": 0,
                "maximum": 100,
                "description": "mediamill's addition: how far the job is, in percent.",
            },
        },
        ("Id", "Arn", "PipelineId", "Outputs", "Status", "Timing", "Progress"),
    ),
}

_PIPELINE_SETTINGS: dict[str, Schema] = {
    "Name": _string(minLength=1, maxLength=40),
    "InputBucket": _string(pattern=BUCKET_NAME),
    "Role": _string(description="An IAM role ARN, arn:aws:iam::<12 digits>:role/<name>"),
    "AwsKmsKeyArn": _string(maxLength=255),
    "Notifications": _ref("Notifications"),
    "ContentConfig": _ref("PipelineOutputConfig"),
    "ThumbnailConfig": _ref("PipelineOutputConfig"),
}

_REQUESTS: dict[str, Schema] = {
    "CreatePipeline": _object(
        {**_PIPELINE_SETTINGS, "OutputBucket": _string(pattern=BUCKET_NAME)},
        ("Name", "InputBucket", "Role"),
    ),
    "UpdatePipeline": _object(_PIPELINE_SETTINGS),
    "UpdatePipelineStatus": _object({"Status": _string(enum=["Active", "Paused"])}, ("Status",)),
    "UpdatePipelineNotifications": _object(
        {"Notifications": _ref("Notifications")}, ("Notifications",)
    ),
    "TestRole": _object(
        {
            "Role": _string(),
            "InputBucket": _string(pattern=BUCKET_NAME),
            "OutputBucket": _string(pattern=BUCKET_NAME),
            "Topics": _array(_string(), maxItems=30),
        },
        ("Role", "InputBucket", "OutputBucket", "Topics"),
    ),
    "CreatePreset": _object(
        {
            "Name": _string(minLength=1, maxLength=40),
            "Description": _string(maxLength=255),
            "Container": _string(enum=list(CONTAINERS)),
            "Audio": _ref("AudioParameters"),
            "Video": _ref("VideoParameters"),
            "Thumbnails": _ref("Thumbnails"),
        },
        ("Name", "Container"),
    ),
    "CreateJob": _object(
        {
            "PipelineId": _string(pattern=ID),
            "Input": _ref("JobInput"),
            "Inputs": _array(_ref("JobInput"), minItems=1, maxItems=200),
            "Output": _ref("CreateJobOutput"),
            "Outputs": _array(_ref("CreateJobOutput"), minItems=1, maxItems=30),
            "OutputKeyPrefix": _string(minLength=1, maxLength=255),
            "Playlists": _array(_ref("CreateJobPlaylist"), maxItems=30),
            "UserMetadata": _STRING_MAP,
        },
        ("PipelineId",),
    ),
}


def _path_id(name: str) -> Schema:
    return {"name": name, "in": "path", "required": True, "schema": _string(pattern=ID)}


_LIST_QUERY = [
    {
        "name": "Ascending",
        "in": "query",
        "required": False,
        "description": '"true" (the default): oldest first; "false": newest first.',
        "schema": _string(enum=["true", "false"]),
    },
    {
        "name": "PageToken",
        "in": "query",
        "required": False,
        "description": "NextPageToken from the previous page.",
        "schema": _string(pattern=ID),
    },
]


def _operation(
    name: str,
    success: int,
    response: dict[str, Schema],
    errors: tuple[int, ...],
    *,
    parameters: list[Schema] | None = None,
    body: str | None = None,
    summary: str = "",
    required_response: tuple[str, ...] = (),
) -> Schema:
    operation: Schema = {"operationId": name, "summary": summary or name}
    if parameters:
        operation["parameters"] = parameters
    if body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(f"{body}Request")}},
        }
    request_id = {"x-amzn-RequestId": {"schema": _string(), "required": True}}
    responses: dict[str, Schema] = {
        str(success): {
            "description": "Success",
            "headers": request_id,
            "content": {"application/json": {"schema": _object(response, required_response)}},
        }
    }
    for status in (*errors, 500):
        responses[str(status)] = {
            "description": _ERRORS[status],
            "headers": {**request_id, "x-amzn-ErrorType": {"schema": _string(), "required": True}},
            "content": {"application/json": {"schema": _ref("Error")}},
        }
    operation["responses"] = responses
    return operation


_PIPELINE_ERRORS = (400, 403, 404, 409)
_READ_ERRORS = (400, 403, 404)


def _paths() -> dict[str, Schema]:
    pipeline = {"Pipeline": _ref("Pipeline")}
    with_warnings = {**pipeline, "Warnings": _array(_ref("Warning"))}
    job = {"Job": _ref("Job")}
    next_token = {"NextPageToken": _string(pattern=ID)}
    return {
        "/2012-09-25/jobs": {
            "post": _operation(
                "CreateJob",
                201,
                job,
                (400, 403, 404, 429),
                body="CreateJob",
                required_response=("Job",),
            ),
        },
        "/2012-09-25/jobs/{Id}": {
            "get": _operation(
                "ReadJob",
                200,
                job,
                _READ_ERRORS,
                parameters=[_path_id("Id")],
                required_response=("Job",),
            ),
            "delete": _operation(
                "CancelJob", 202, {}, (400, 403, 404, 409), parameters=[_path_id("Id")]
            ),
        },
        "/2012-09-25/jobsByPipeline/{PipelineId}": {
            "get": _operation(
                "ListJobsByPipeline",
                200,
                {"Jobs": _array(_ref("Job")), **next_token},
                _READ_ERRORS,
                parameters=[_path_id("PipelineId"), *_LIST_QUERY],
                required_response=("Jobs",),
            ),
        },
        "/2012-09-25/jobsByStatus/{Status}": {
            "get": _operation(
                "ListJobsByStatus",
                200,
                {"Jobs": _array(_ref("Job")), **next_token},
                _READ_ERRORS,
                parameters=[
                    {
                        "name": "Status",
                        "in": "path",
                        "required": True,
                        "schema": _string(enum=JOB_STATUSES),
                    },
                    *_LIST_QUERY,
                ],
                required_response=("Jobs",),
            ),
        },
        "/2012-09-25/pipelines": {
            "get": _operation(
                "ListPipelines",
                200,
                {"Pipelines": _array(_ref("Pipeline")), **next_token},
                (400, 403),
                parameters=_LIST_QUERY,
                required_response=("Pipelines",),
            ),
            "post": _operation(
                "CreatePipeline",
                201,
                with_warnings,
                (400, 403, 404, 429),
                body="CreatePipeline",
                required_response=("Pipeline",),
            ),
        },
        "/2012-09-25/pipelines/{Id}": {
            "get": _operation(
                "ReadPipeline",
                200,
                with_warnings,
                _READ_ERRORS,
                parameters=[_path_id("Id")],
                required_response=("Pipeline",),
            ),
            "put": _operation(
                "UpdatePipeline",
                200,
                with_warnings,
                _PIPELINE_ERRORS,
                parameters=[_path_id("Id")],
                body="UpdatePipeline",
                required_response=("Pipeline",),
            ),
            "delete": _operation(
                "DeletePipeline", 202, {}, _PIPELINE_ERRORS, parameters=[_path_id("Id")]
            ),
        },
        "/2012-09-25/pipelines/{Id}/notifications": {
            "post": _operation(
                "UpdatePipelineNotifications",
                200,
                pipeline,
                _PIPELINE_ERRORS,
                parameters=[_path_id("Id")],
                body="UpdatePipelineNotifications",
                required_response=("Pipeline",),
            ),
        },
        "/2012-09-25/pipelines/{Id}/status": {
            "post": _operation(
                "UpdatePipelineStatus",
                200,
                pipeline,
                _PIPELINE_ERRORS,
                parameters=[_path_id("Id")],
                body="UpdatePipelineStatus",
                required_response=("Pipeline",),
            ),
        },
        "/2012-09-25/presets": {
            "get": _operation(
                "ListPresets",
                200,
                {"Presets": _array(_ref("Preset")), **next_token},
                (400, 403),
                parameters=_LIST_QUERY,
                required_response=("Presets",),
            ),
            "post": _operation(
                "CreatePreset",
                201,
                {"Preset": _ref("Preset"), "Warning": _string()},
                (400, 403, 429),
                body="CreatePreset",
                required_response=("Preset",),
            ),
        },
        "/2012-09-25/presets/{Id}": {
            "get": _operation(
                "ReadPreset",
                200,
                {"Preset": _ref("Preset")},
                _READ_ERRORS,
                parameters=[_path_id("Id")],
                required_response=("Preset",),
            ),
            "delete": _operation(
                "DeletePreset", 202, {}, _READ_ERRORS, parameters=[_path_id("Id")]
            ),
        },
        "/2012-09-25/roleTests": {
            "post": _operation(
                "TestRole",
                200,
                {"Success": _string(enum=["true", "false"]), "Messages": _array(_string())},
                _READ_ERRORS,
                body="TestRole",
                required_response=("Success", "Messages"),
            ),
        },
    }


def document() -> dict[str, Any]:
    """The OpenAPI 3.0 document, as a JSON-ready dict."""
    schemas = dict(_SCHEMAS)
    schemas.update({f"{name}Request": schema for name, schema in _REQUESTS.items()})
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "mediamill: Elastic Transcoder API",
            "version": "2012-09-25",
            "description": (
                "The AWS Elastic Transcoder REST API (2012-09-25) as mediamill serves it. "
                "Sign every request with AWS Signature Version 4 (service elastictranscoder, "
                "any region) using a key from `mediamill keys create`. Errors carry their type "
                'in the x-amzn-ErrorType header and a JSON body {"message": ...}.'
            ),
        },
        "servers": [{"url": "/"}],
        "security": [{"sigv4": []}],
        "paths": _paths(),
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
