"""Pipelines, presets and jobs in Elastic Transcoder's JSON shapes.

Every scalar is a string except the measures the model types as numbers (output Width,
Height, Duration, FileSize, DurationMillis; Timing's epoch milliseconds). Members with no
value are left out rather than sent as null. ``Job.Progress`` (an integer percent) is
mediamill's addition; clients that do not know it ignore it.

ARNs name the region the caller signed for and an account: the owner's (a 12-digit number
made from the user ID), or the caller's for system presets and objects without an owner.
"""

from __future__ import annotations

from typing import Any

from mediamill import presets
from mediamill.api.http import Caller, account_id
from mediamill.jobs.models import CustomPreset, Job, JobOutput, Pipeline


def arn(caller: Caller, owner_id: int | None, kind: str, object_id: str) -> str:
    account = caller.account if owner_id is None else account_id(owner_id)
    return f"arn:aws:elastictranscoder:{caller.region}:{account}:{kind}/{object_id}"


def pipeline(row: Pipeline, caller: Caller) -> dict[str, Any]:
    default_config = {"Bucket": row.output_bucket, "Permissions": []}
    wire: dict[str, Any] = {
        "Id": row.id,
        "Arn": arn(caller, row.owner_id, "pipeline", row.id),
        "Name": row.name,
        "Status": row.status,
        "InputBucket": row.input_bucket,
    }
    if row.output_bucket:
        wire["OutputBucket"] = row.output_bucket
    wire["Role"] = row.role
    if row.aws_kms_key_arn:
        wire["AwsKmsKeyArn"] = row.aws_kms_key_arn
    wire["Notifications"] = row.notifications
    wire["ContentConfig"] = row.content_config or default_config
    wire["ThumbnailConfig"] = row.thumbnail_config or default_config
    return wire


def system_preset(preset: presets.Preset, caller: Caller) -> dict[str, Any]:
    return presets.to_wire(preset, arn=arn(caller, None, "preset", preset.id))


def custom_preset(row: CustomPreset, caller: Caller) -> dict[str, Any]:
    return presets.to_wire(row.to_preset(), arn=arn(caller, row.owner_id, "preset", row.id))


def job(row: Job, caller: Caller) -> dict[str, Any]:
    """The Job; ``row.outputs`` should be prefetched when serializing many."""
    outputs = [job_output(o) for o in row.outputs.all()]
    timing = {"SubmitTimeMillis": row.submit_time_millis}
    if row.start_time_millis is not None:
        timing["StartTimeMillis"] = row.start_time_millis
    if row.finish_time_millis is not None:
        timing["FinishTimeMillis"] = row.finish_time_millis
    wire: dict[str, Any] = {
        "Id": row.id,
        "Arn": arn(caller, row.owner_id, "job", row.id),
        "PipelineId": row.pipeline_id,
        "Input": row.input,
        "Inputs": [row.input],
    }
    if outputs:
        wire["Output"] = outputs[0]
    wire["Outputs"] = outputs
    if row.output_key_prefix:
        wire["OutputKeyPrefix"] = row.output_key_prefix
    wire["Playlists"] = row.playlists
    wire["Status"] = row.status
    wire["UserMetadata"] = row.user_metadata
    wire["Timing"] = timing
    wire["Progress"] = row.progress
    return wire


def job_output(row: JobOutput) -> dict[str, Any]:
    wire: dict[str, Any] = {
        "Id": row.wire_id,
        "Key": row.key,
        "PresetId": row.preset_id,
        "Rotate": row.rotate,
        "Status": row.status,
    }
    if row.thumbnail_pattern:
        wire["ThumbnailPattern"] = row.thumbnail_pattern
    if row.segment_duration:
        wire["SegmentDuration"] = row.segment_duration
    if row.status_detail:
        wire["StatusDetail"] = row.status_detail
    for name, value in (
        ("Duration", row.duration),
        ("Width", row.width),
        ("Height", row.height),
        ("FileSize", row.file_size),
        ("DurationMillis", row.duration_millis),
    ):
        if value is not None:
            wire[name] = value
    if row.frame_rate:
        wire["FrameRate"] = row.frame_rate
    wire["Watermarks"] = []
    return wire
