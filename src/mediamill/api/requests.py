"""Elastic Transcoder's JSON bodies read into the domain's typed requests (``jobs.requests``).

Bodies reach these functions once they have passed the service model's checks
(``http.check_input``), so every member the model knows has its JSON type. Only the wire's
own concerns are handled here: the two spellings of one thing (``Input``/``Inputs``,
``Output``/``Outputs``), and members mediamill cannot honour yet (watermarks, captions,
encryption...), which are refused by name rather than dropped. Every rule on the values
themselves is the domain's, applied to whichever caller asks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mediamill.errors import ValidationError
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
    return JobRequest(
        pipeline_id=body["PipelineId"],
        input=_input(_single_input(body)),
        outputs=tuple(_output(item, f"Outputs[{i}]") for i, item in enumerate(_outputs(body))),
        output_key_prefix=body.get("OutputKeyPrefix") or "",
        user_metadata=dict(body.get("UserMetadata") or {}),
        playlists=tuple(
            _playlist(item, f"Playlists[{i}]") for i, item in enumerate(body.get("Playlists") or [])
        ),
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
    if not several:
        raise ValidationError("Inputs must be a list of one or more inputs.")
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
    return list(several)


def _input(wire: object) -> JobInput:
    data = _mapping(wire, "Input")
    _refuse(data, _INPUT_FIELDS, _INPUT_UNSUPPORTED, "Input")
    return JobInput(
        key=data.get("Key") or "",
        frame_rate=data.get("FrameRate"),
        resolution=data.get("Resolution"),
        aspect_ratio=data.get("AspectRatio"),
        interlaced=data.get("Interlaced"),
        container=data.get("Container"),
    )


def _output(wire: object, where: str) -> RequestedOutput:
    data = _mapping(wire, where)
    _refuse(data, _OUTPUT_FIELDS, _OUTPUT_UNSUPPORTED, where)
    return RequestedOutput(
        key=data.get("Key") or "",
        preset_id=data.get("PresetId") or "",
        thumbnail_pattern=data.get("ThumbnailPattern") or "",
        rotate=data.get("Rotate") or "auto",
        segment_duration=data.get("SegmentDuration") or "",
    )


def _playlist(wire: object, where: str) -> PlaylistRequest:
    data = _mapping(wire, where)
    _refuse(data, _PLAYLIST_FIELDS, _PLAYLIST_UNSUPPORTED, where)
    return PlaylistRequest(
        name=data.get("Name") or "",
        format=data.get("Format") or "",
        output_keys=tuple(data.get("OutputKeys") or ()),
    )


# --- pipelines -----------------------------------------------------------------------------


def pipeline_request(body: Mapping[str, Any]) -> PipelineRequest:
    """CreatePipeline's body as a ``PipelineRequest``."""
    return PipelineRequest(
        name=body["Name"],
        input_bucket=body["InputBucket"],
        role=body.get("Role") or "",
        output_bucket=body.get("OutputBucket"),
        aws_kms_key_arn=body.get("AwsKmsKeyArn"),
        notifications=notifications(body.get("Notifications")),
        content_config=_output_config(body.get("ContentConfig")),
        thumbnail_config=_output_config(body.get("ThumbnailConfig")),
    )


def pipeline_changes(body: Mapping[str, Any]) -> PipelineChanges:
    """UpdatePipeline's body as ``PipelineChanges``."""
    return PipelineChanges(
        name=body.get("Name"),
        input_bucket=body.get("InputBucket"),
        role=body.get("Role"),
        aws_kms_key_arn=body.get("AwsKmsKeyArn"),
        notifications=notifications(body.get("Notifications")),
        content_config=_output_config(body.get("ContentConfig")),
        thumbnail_config=_output_config(body.get("ThumbnailConfig")),
    )


def notifications(wire: Mapping[str, Any] | None) -> Notifications | None:
    """A ``Notifications`` object; a key left out means "no topic" for that state."""
    if wire is None:
        return None
    return Notifications(
        progressing=wire.get("Progressing") or "",
        completed=wire.get("Completed") or "",
        warning=wire.get("Warning") or "",
        error=wire.get("Error") or "",
    )


def role_test_request(body: Mapping[str, Any]) -> RoleTestRequest:
    """TestRole's body as a ``RoleTestRequest``."""
    return RoleTestRequest(
        role=body.get("Role") or "",
        input_bucket=body["InputBucket"],
        output_bucket=body["OutputBucket"],
        topics=tuple(body["Topics"]),
    )


def _output_config(wire: Mapping[str, Any] | None) -> OutputConfig | None:
    if wire is None:
        return None
    permissions = tuple(
        Permission(item.get("GranteeType"), item.get("Grantee"), tuple(item.get("Access") or ()))
        for item in wire.get("Permissions") or ()
    )
    return OutputConfig(wire.get("Bucket"), wire.get("StorageClass"), permissions)


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
