"""Elastic Transcoder's JSON bodies read into the domain's typed requests (``jobs.requests``).

Only the wire's own concerns are handled here: JSON types, the two spellings of one thing
(``Input``/``Inputs``, ``Output``/``Outputs``), and members mediamill cannot honour yet
(watermarks, captions, encryption...), which are refused by name rather than dropped. Every
rule on the values themselves is the domain's, applied to whichever caller asks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mediamill.errors import ValidationError
from mediamill.jobs.constraints import Members
from mediamill.jobs.requests import (
    JobInput,
    JobRequest,
    Notifications,
    OutputConfig,
    Permission,
    PipelineChanges,
    PipelineRequest,
    PlaylistRequest,
    RequestedOutput,
    RoleTestRequest,
)

#: The model's limit on Inputs; mediamill transcodes one input per job (no stitching).
MAX_INPUTS = 200

_INPUT_FIELDS = {"Key", "FrameRate", "Resolution", "AspectRatio", "Interlaced", "Container"}
_INPUT_UNSUPPORTED = {"Encryption", "TimeSpan", "InputCaptions", "DetectedProperties"}
_OUTPUT_FIELDS = {"Key", "PresetId", "ThumbnailPattern", "Rotate", "SegmentDuration"}
_OUTPUT_UNSUPPORTED = {
    "ThumbnailEncryption",
    "Watermarks",
    "AlbumArt",
    "Composition",
    "Captions",
    "Encryption",
}
_PLAYLIST_FIELDS = {"Name", "Format", "OutputKeys"}
_PLAYLIST_UNSUPPORTED = {"HlsContentProtection", "PlayReadyDrm"}


# --- jobs ----------------------------------------------------------------------------------


def job_request(body: Mapping[str, Any]) -> JobRequest:
    """CreateJob's body as a ``JobRequest``."""
    members = Members(body)
    pipeline_id = members.string("PipelineId", required=True)
    prefix = members.string("OutputKeyPrefix")
    members.done()
    assert pipeline_id is not None
    metadata = body.get("UserMetadata")
    if metadata is not None:
        metadata = _mapping(metadata, "UserMetadata")
        if not all(isinstance(v, str) for v in metadata.values()):
            raise ValidationError("UserMetadata values must be strings")
    return JobRequest(
        pipeline_id=pipeline_id,
        input=_input(_single_input(body)),
        outputs=tuple(_output(item, f"Outputs[{i}]") for i, item in enumerate(_outputs(body))),
        output_key_prefix=prefix or "",
        user_metadata=dict(metadata or {}),
        playlists=tuple(_playlist(item, f"Playlists[{i}]") for i, item in _items(body)),
    )


def _single_input(body: Mapping[str, Any]) -> object:
    """``Input``, or ``Inputs`` with one element: the two wire forms of one input."""
    single, several = body.get("Input"), body.get("Inputs")
    if single is not None and several is not None:
        raise ValidationError("Specify either Input or Inputs, not both.")
    if several is None:
        if single is None:
            raise ValidationError("The job has no input: specify Input or Inputs.")
        return single
    if not isinstance(several, list) or not several:
        raise ValidationError("Inputs must be a list of one or more inputs.")
    if len(several) > MAX_INPUTS:
        raise ValidationError(f"Inputs has at most {MAX_INPUTS} elements.")
    if len(several) > 1:
        raise ValidationError(
            "Inputs has more than one input: stitching multiple inputs is not supported."
        )
    return several[0]


def _outputs(body: Mapping[str, Any]) -> list[object]:
    """``Outputs``, or ``Output`` as a list of one."""
    single, several = body.get("Output"), body.get("Outputs")
    if single is not None and several is not None:
        raise ValidationError("Specify either Output or Outputs, not both.")
    if single is not None:
        return [single]
    if several is None:
        raise ValidationError("The job has no output: specify Output or Outputs.")
    if not isinstance(several, list):
        raise ValidationError("Outputs must be a list")
    return several


def _items(body: Mapping[str, Any]) -> list[tuple[int, object]]:
    playlists = body.get("Playlists")
    if playlists is None:
        return []
    if not isinstance(playlists, list):
        raise ValidationError("Playlists must be a list")
    return list(enumerate(playlists))


def _input(wire: object) -> JobInput:
    data = _mapping(wire, "Input")
    _refuse(data, _INPUT_FIELDS, _INPUT_UNSUPPORTED, "Input")
    key = data.get("Key")
    if not isinstance(key, str):
        raise ValidationError("Input.Key must be a string of 1 to 1024 characters")
    return JobInput(
        key=key,
        frame_rate=_string(data, "FrameRate", "Input"),
        resolution=_string(data, "Resolution", "Input"),
        aspect_ratio=_string(data, "AspectRatio", "Input"),
        interlaced=_string(data, "Interlaced", "Input"),
        container=_string(data, "Container", "Input"),
    )


def _output(wire: object, where: str) -> RequestedOutput:
    data = _mapping(wire, where)
    _refuse(data, _OUTPUT_FIELDS, _OUTPUT_UNSUPPORTED, where)
    key = data.get("Key")
    if not isinstance(key, str):
        raise ValidationError(f"{where}.Key must be a string of 1 to 255 characters")
    return RequestedOutput(
        key=key,
        preset_id=_string(data, "PresetId", where) or "",
        thumbnail_pattern=_string(data, "ThumbnailPattern", where) or "",
        rotate=_string(data, "Rotate", where) or "auto",
        segment_duration=_string(data, "SegmentDuration", where) or "",
    )


def _playlist(wire: object, where: str) -> PlaylistRequest:
    data = _mapping(wire, where)
    _refuse(data, _PLAYLIST_FIELDS, _PLAYLIST_UNSUPPORTED, where)
    keys = data.get("OutputKeys")
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise ValidationError(f"{where}.OutputKeys must be a list of output keys")
    return PlaylistRequest(
        name=_string(data, "Name", where) or "",
        format=_string(data, "Format", where) or "",
        output_keys=tuple(keys),
    )


# --- pipelines -----------------------------------------------------------------------------


def pipeline_request(body: Mapping[str, Any]) -> PipelineRequest:
    """CreatePipeline's body as a ``PipelineRequest``."""
    members = Members(body)
    name = members.string("Name", required=True)
    input_bucket = members.string("InputBucket", required=True)
    role = members.string("Role")
    output_bucket = members.string("OutputBucket")
    kms = members.string("AwsKmsKeyArn")
    members.done()
    return PipelineRequest(
        name=str(name),
        input_bucket=str(input_bucket),
        role=role or "",
        output_bucket=output_bucket,
        aws_kms_key_arn=kms,
        notifications=notifications(body.get("Notifications")),
        content_config=_output_config(body.get("ContentConfig"), "ContentConfig"),
        thumbnail_config=_output_config(body.get("ThumbnailConfig"), "ThumbnailConfig"),
    )


def pipeline_changes(body: Mapping[str, Any]) -> PipelineChanges:
    """UpdatePipeline's body as ``PipelineChanges``."""
    members = Members(body)
    name = members.string("Name")
    input_bucket = members.string("InputBucket")
    role = members.string("Role")
    kms = members.string("AwsKmsKeyArn")
    members.done()
    return PipelineChanges(
        name=name,
        input_bucket=input_bucket,
        role=role,
        aws_kms_key_arn=kms,
        notifications=notifications(body.get("Notifications")),
        content_config=_output_config(body.get("ContentConfig"), "ContentConfig"),
        thumbnail_config=_output_config(body.get("ThumbnailConfig"), "ThumbnailConfig"),
    )


def pipeline_status(body: Mapping[str, Any]) -> str:
    """UpdatePipelineStatus's ``Status``."""
    members = Members(body)
    status = members.string("Status", required=True)
    members.done()
    return str(status)


def notifications(wire: object, *, required: bool = False) -> Notifications | None:
    """A ``Notifications`` object; a key left out means "no topic" for that state."""
    members = Members({"Notifications": wire})
    section = members.object("Notifications", required=required)
    topics = {}
    if section is not None:
        for key in ("Progressing", "Completed", "Warning", "Error"):
            topics[key.lower()] = section.string(key) or ""
    members.done()
    return None if section is None else Notifications(**topics)


def role_test_request(body: Mapping[str, Any]) -> RoleTestRequest:
    """TestRole's body as a ``RoleTestRequest``."""
    members = Members(body)
    role = members.string("Role", required=True)
    input_bucket = members.string("InputBucket", required=True)
    output_bucket = members.string("OutputBucket", required=True)
    topics = members.array("Topics", required=True) or []
    for i, topic in enumerate(topics):
        if not isinstance(topic, str):
            members.fail(f"Topics.{i + 1}.member", topic, "be a string")
    members.done()
    return RoleTestRequest(
        role=str(role),
        input_bucket=str(input_bucket),
        output_bucket=str(output_bucket),
        topics=tuple(topics),
    )


def _output_config(wire: object, name: str) -> OutputConfig | None:
    members = Members({name: wire})
    section = members.object(name)
    if section is None:
        members.done()
        return None
    bucket = section.string("Bucket")
    storage_class = section.string("StorageClass")
    permissions = []
    for i, item in enumerate(section.array("Permissions") or []):
        grant = Members(item, f"{section.where('Permissions')}.{i + 1}.member", members.violations)
        grantee_type = grant.string("GranteeType")
        grantee = grant.string("Grantee")
        access = grant.array("Access") or []
        for j, value in enumerate(access):
            if not isinstance(value, str):
                grant.fail(f"Access.{j + 1}.member", value, "be a string")
        permissions.append(Permission(grantee_type, grantee, tuple(access)))
    members.done()
    return OutputConfig(bucket, storage_class, tuple(permissions))


# --- helpers -------------------------------------------------------------------------------


def _mapping(wire: object, where: str) -> Mapping[str, Any]:
    if not isinstance(wire, Mapping):
        raise ValidationError(f"{where} must be an object")
    return wire


def _refuse(data: Mapping[str, Any], known: set[str], unsupported: set[str], where: str) -> None:
    for name, value in data.items():
        if name in unsupported and value not in (None, "", [], {}):
            raise ValidationError(f"{where}.{name} is not supported by mediamill")
        if name not in known and name not in unsupported:
            raise ValidationError(f"{where}.{name} is not a known field")


def _string(data: Mapping[str, Any], name: str, where: str) -> str | None:
    value = data.get(name)
    if value is not None and not isinstance(value, str):
        raise ValidationError(f"{where}.{name} must be a string")
    return value
