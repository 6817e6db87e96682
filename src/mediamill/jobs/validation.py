"""CreateJob's rules beyond the service model's constraints, on a typed ``JobRequest``.

The model's constraints (lengths, patterns, required members) are checked first, for every
caller, by ``servicemodel``; these are the rules it does not state: Elastic Transcoder's
documented limits, keys unique within a job, settings that need the preset, and what
mediamill cannot do yet. Each function raises ``ValidationError`` naming the field as the
wire does (``Outputs[1].Key``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from mediamill import presets
from mediamill.errors import ValidationError
from mediamill.jobs.requests import JobRequest, PlaylistRequest, RequestedOutput

MAX_USER_METADATA = 10

_SEGMENTED_CONTAINERS = ("ts", "fmp4")
_METADATA_TEXT = re.compile(r"[0-9A-Za-z _.:/=+\-%@]*")


def check_request(request: JobRequest) -> None:
    """The rules on the request's own values that the model does not state."""
    check_outputs(request.outputs, request.output_key_prefix)
    check_user_metadata(request.user_metadata)
    refuse_playlists(request.playlists)


def check_outputs(outputs: Sequence[RequestedOutput], prefix: str) -> None:
    """At least one output (the model's limit of 30 is checked with it), and keys that are
    unique after ``prefix``."""
    if not outputs:
        raise ValidationError("a job has 1 to 30 outputs, not 0")
    seen: dict[str, int] = {}
    for i, output in enumerate(outputs):
        full = prefix + output.key
        if full in seen:
            raise ValidationError(
                f"Outputs[{i}].Key: {full!r} is also the key of Outputs[{seen[full]}]; "
                "output keys must be unique within a job"
            )
        seen[full] = i


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
