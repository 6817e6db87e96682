"""CreateJob's rules on a typed ``JobRequest``, for every caller.

Each function raises ``ValidationError`` naming the field as the wire does
(``Outputs[1].Key``). Members Elastic Transcoder accepts but mediamill cannot honour yet
(watermarks, album art, captions, encryption) have no place in the typed request: the API
refuses them when it reads the wire (``api/requests.py``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from mediamill import presets
from mediamill.errors import LimitExceededError, ValidationError
from mediamill.jobs.requests import JobInput, JobRequest, PlaylistRequest, RequestedOutput

MAX_OUTPUTS = 30
MAX_USER_METADATA = 10
KEY_MAX = 255
LONG_KEY_MAX = 1024

_INPUT_CONTAINERS = (
    *("auto", "3gp", "asf", "avi", "divx", "flv", "mkv", "mov", "mp4", "mpeg", "mpeg-ps"),
    *("mpeg-ts", "mxf", "ogg", "ts", "vob", "wav", "webm", "mp3", "m4a", "aac"),
)
_ROTATIONS = ("auto", "0", "90", "180", "270")
_FLOAT_STRING = re.compile(r"\d{1,5}(\.\d{0,5})?")
_SEGMENTED_CONTAINERS = ("ts", "fmp4")
_METADATA_TEXT = re.compile(r"[0-9A-Za-z _.:/=+\-%@]*")


def check_request(request: JobRequest) -> None:
    """Every rule on the request's own values: lengths, limits, enums and unique keys."""
    check_input(request.input)
    check_prefix(request.output_key_prefix)
    check_outputs(request.outputs, request.output_key_prefix)
    check_user_metadata(request.user_metadata)
    refuse_playlists(request.playlists)


def check_input(job_input: JobInput) -> None:
    """``Key`` is required, 1–1024 characters; ``Container`` one Elastic Transcoder knew."""
    key = job_input.key
    if not isinstance(key, str) or not 1 <= len(key) <= LONG_KEY_MAX:
        raise ValidationError(f"Input.Key must be a string of 1 to {LONG_KEY_MAX} characters")
    container = job_input.container or "auto"
    if container not in _INPUT_CONTAINERS:
        raise ValidationError(
            f"Input.Container {container!r} is not one of {', '.join(_INPUT_CONTAINERS)}"
        )


def check_prefix(prefix: str) -> None:
    if not isinstance(prefix, str) or len(prefix) > KEY_MAX:
        raise ValidationError(f"OutputKeyPrefix must be a string of at most {KEY_MAX} characters")


def check_outputs(outputs: Sequence[RequestedOutput], prefix: str) -> None:
    """1–30 outputs whose keys are 1–255 characters and, after ``prefix``, unique."""
    if not outputs:
        raise ValidationError(f"a job has 1 to {MAX_OUTPUTS} outputs, not 0")
    if len(outputs) > MAX_OUTPUTS:
        raise LimitExceededError(f"a job has 1 to {MAX_OUTPUTS} outputs, not {len(outputs)}")
    seen: dict[str, int] = {}
    for i, output in enumerate(outputs):
        where = f"Outputs[{i}]"
        key = output.key
        if not isinstance(key, str) or not 1 <= len(key) <= KEY_MAX:
            raise ValidationError(f"{where}.Key must be a string of 1 to {KEY_MAX} characters")
        full = prefix + key
        if full in seen:
            raise ValidationError(
                f"{where}.Key: {full!r} is also the key of Outputs[{seen[full]}]; "
                "output keys must be unique within a job"
            )
        seen[full] = i
        if not output.preset_id:
            raise ValidationError(f"{where}.PresetId is required")
        pattern = output.thumbnail_pattern
        if pattern and "{count}" not in pattern:
            raise ValidationError(f"{where}.ThumbnailPattern must contain {{count}}, or be empty")
        if output.rotate not in _ROTATIONS:
            raise ValidationError(f"{where}.Rotate must be one of {', '.join(_ROTATIONS)}")
        segment = output.segment_duration
        if segment and not _FLOAT_STRING.fullmatch(segment):
            raise ValidationError(f"{where}.SegmentDuration {segment!r} is not a number of seconds")


def check_against_preset(output: RequestedOutput, preset: presets.Preset, index: int) -> None:
    """The rules that need the preset: segments only for ts/fmp4, thumbnails only if it has them."""
    where = f"Outputs[{index}]"
    if output.segment_duration and preset.container not in _SEGMENTED_CONTAINERS:
        raise ValidationError(
            f"{where}.SegmentDuration applies to ts and fmp4 presets, "
            f"not to {preset.container} ({preset.id})"
        )
    if output.thumbnail_pattern and preset.thumbnails is None:
        raise ValidationError(
            f"{where}.ThumbnailPattern is set but preset {preset.id} makes no thumbnails"
        )


def check_user_metadata(metadata: Mapping[str, str]) -> None:
    if len(metadata) > MAX_USER_METADATA:
        raise ValidationError(f"UserMetadata has {len(metadata)} pairs; at most 10 are allowed")
    for key, value in metadata.items():
        for text in (key, value):
            if not isinstance(text, str) or not _METADATA_TEXT.fullmatch(text):
                raise ValidationError(
                    f"UserMetadata {key!r}: keys and values may use only letters, digits, "
                    "space and _.:/=+-%@"
                )


def refuse_playlists(playlists: Sequence[PlaylistRequest]) -> None:
    """Refused until mediamill writes streaming outputs: nothing would write the playlist, and
    a job reported Complete with a playlist that does not exist would be a silent lie."""
    if playlists:
        raise ValidationError(
            "Playlists are not supported yet: mediamill does not write HLS, Smooth or "
            "MPEG-DASH playlists, so a job asking for one is refused rather than reported "
            "Complete without it. Leave Playlists out."
        )
