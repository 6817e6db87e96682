"""What callers ask the domain for: typed, immutable requests.

The API parses Elastic Transcoder's JSON into these (``api/requests.py``); the admin, the CLI
and Python callers build them directly. The domain (``service.create_job``,
``pipelines.create_pipeline`` ...) takes nothing else and enforces every rule on them itself,
so whoever asks gets the same answer. Presets need no class here: a preset request is a
``presets.Preset`` (``presets.parse`` builds one from the wire).

``to_wire()`` gives each request back in Elastic Transcoder's shape: what is stored and shown
(``Job.Input``, ``Pipeline.ContentConfig``) and what the service model's constraints are
checked against (``servicemodel``), whichever way the request was made.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

# --- jobs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class JobInput:
    """The input file. Settings left ``None`` are "auto": detected from the file."""

    key: str
    frame_rate: str | None = None
    resolution: str | None = None
    aspect_ratio: str | None = None
    interlaced: str | None = None
    container: str | None = None

    def to_wire(self) -> dict[str, str]:
        wire = {"Key": self.key}
        for name, value in (
            ("FrameRate", self.frame_rate),
            ("Resolution", self.resolution),
            ("AspectRatio", self.aspect_ratio),
            ("Interlaced", self.interlaced),
            ("Container", self.container),
        ):
            if value is not None:
                wire[name] = value
        return wire


@dataclass(frozen=True)
class RequestedOutput:
    """One output: its key (under the job's prefix) and the preset that makes it."""

    key: str
    preset_id: str
    thumbnail_pattern: str = ""
    rotate: str = "auto"
    segment_duration: str = ""

    def to_wire(self) -> dict[str, str]:
        wire = {"Key": self.key, "PresetId": self.preset_id, "Rotate": self.rotate}
        if self.thumbnail_pattern:
            wire["ThumbnailPattern"] = self.thumbnail_pattern
        if self.segment_duration:
            wire["SegmentDuration"] = self.segment_duration
        return wire


@dataclass(frozen=True)
class PlaylistRequest:
    """A master playlist over some of the job's outputs (named by key, without the prefix)."""

    name: str
    format: str
    output_keys: tuple[str, ...]

    def to_wire(self) -> dict[str, Any]:
        return {"Name": self.name, "Format": self.format, "OutputKeys": list(self.output_keys)}


@dataclass(frozen=True)
class JobRequest:
    """CreateJob: one input, 1 to 30 outputs, on a pipeline."""

    pipeline_id: str
    input: JobInput
    outputs: tuple[RequestedOutput, ...]
    output_key_prefix: str = ""
    user_metadata: Mapping[str, str] = field(default_factory=dict)
    playlists: tuple[PlaylistRequest, ...] = ()

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {
            "PipelineId": self.pipeline_id,
            "Input": self.input.to_wire(),
            "Outputs": [output.to_wire() for output in self.outputs],
        }
        if self.output_key_prefix:
            wire["OutputKeyPrefix"] = self.output_key_prefix
        if self.user_metadata:
            wire["UserMetadata"] = dict(self.user_metadata)
        if self.playlists:
            wire["Playlists"] = [playlist.to_wire() for playlist in self.playlists]
        return wire


# --- pipelines -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Notifications:
    """The SNS topic ARN announced to for each job state; "" means no topic."""

    progressing: str = ""
    completed: str = ""
    warning: str = ""
    error: str = ""

    def to_wire(self) -> dict[str, str]:
        # Note "Completed", not "Complete": the wire's own spelling.
        return {
            "Progressing": self.progressing,
            "Completed": self.completed,
            "Warning": self.warning,
            "Error": self.error,
        }

    @property
    def topics(self) -> list[str]:
        return [arn for arn in self.to_wire().values() if arn]


@dataclass(frozen=True)
class Permission:
    """Kept and shown back; mediamill's buckets have no per-object ACLs to apply it to."""

    grantee_type: str | None = None
    grantee: str | None = None
    access: tuple[str, ...] = ()

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {}
        if self.grantee_type is not None:
            wire["GranteeType"] = self.grantee_type
        if self.grantee is not None:
            wire["Grantee"] = self.grantee
        wire["Access"] = list(self.access)
        return wire


@dataclass(frozen=True)
class OutputConfig:
    """A PipelineOutputConfig: where outputs (or thumbnails) go."""

    bucket: str | None = None
    storage_class: str | None = None
    permissions: tuple[Permission, ...] = ()

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {}
        if self.bucket is not None:
            wire["Bucket"] = self.bucket
        if self.storage_class is not None:
            wire["StorageClass"] = self.storage_class
        wire["Permissions"] = [permission.to_wire() for permission in self.permissions]
        return wire


@dataclass(frozen=True)
class PipelineRequest:
    """CreatePipeline: ``output_bucket`` or ``content_config`` (with ``thumbnail_config``)."""

    name: str
    input_bucket: str
    role: str
    output_bucket: str | None = None
    aws_kms_key_arn: str | None = None
    notifications: Notifications | None = None
    content_config: OutputConfig | None = None
    thumbnail_config: OutputConfig | None = None

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {
            "Name": self.name,
            "InputBucket": self.input_bucket,
            "Role": self.role,
        }
        _put(wire, "OutputBucket", self.output_bucket)
        _put(wire, "AwsKmsKeyArn", self.aws_kms_key_arn)
        _put_wire(wire, "Notifications", self.notifications)
        _put_wire(wire, "ContentConfig", self.content_config)
        _put_wire(wire, "ThumbnailConfig", self.thumbnail_config)
        return wire


@dataclass(frozen=True)
class PipelineChanges:
    """UpdatePipeline: the members given replace the stored ones; ``None`` leaves them."""

    name: str | None = None
    input_bucket: str | None = None
    role: str | None = None
    aws_kms_key_arn: str | None = None
    notifications: Notifications | None = None
    content_config: OutputConfig | None = None
    thumbnail_config: OutputConfig | None = None

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {}
        _put(wire, "Name", self.name)
        _put(wire, "InputBucket", self.input_bucket)
        _put(wire, "Role", self.role)
        _put(wire, "AwsKmsKeyArn", self.aws_kms_key_arn)
        _put_wire(wire, "Notifications", self.notifications)
        _put_wire(wire, "ContentConfig", self.content_config)
        _put_wire(wire, "ThumbnailConfig", self.thumbnail_config)
        return wire


@dataclass(frozen=True)
class RoleTestRequest:
    """TestRole: could a pipeline with these buckets and topics work?"""

    role: str
    input_bucket: str
    output_bucket: str
    topics: tuple[str, ...] = ()

    def to_wire(self) -> dict[str, Any]:
        return {
            "Role": self.role,
            "InputBucket": self.input_bucket,
            "OutputBucket": self.output_bucket,
            "Topics": list(self.topics),
        }


def _put(wire: dict[str, Any], name: str, value: str | None) -> None:
    if value is not None:
        wire[name] = value


def _put_wire(wire: dict[str, Any], name: str, value: Notifications | OutputConfig | None) -> None:
    if value is not None:
        wire[name] = value.to_wire()
