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
#: Playlist formats mediamill writes; the other Elastic Transcoder formats are refused.
SUPPORTED_PLAYLIST_FORMATS = ("HLSv3", "HLSv4")
MIN_SEGMENT, MAX_SEGMENT = 1.0, 60.0

_SEGMENTED_CONTAINERS = ("ts", "fmp4")
_METADATA_TEXT = re.compile(r"[0-9A-Za-z _.:/=+\-%@]*")


def check_request(request: JobRequest) -> None:
    """The rules on the request's own values that the model does not state."""
    check_outputs(request.outputs, request.output_key_prefix)
    check_user_metadata(request.user_metadata)


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
    if output.segment_duration and preset.container == "fmp4":
        raise ValidationError(
            f"{where}.SegmentDuration: segmented fmp4 outputs (Smooth, MPEG-DASH) are not "
            f"supported yet ({preset.id}); segmented ts outputs (HLSv3) are"
        )
    if output.segment_duration and not MIN_SEGMENT <= float(output.segment_duration) <= MAX_SEGMENT:
        raise ValidationError(f"{where}.SegmentDuration must be between 1 and 60 seconds")
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


def check_playlists(
    playlists: Sequence[PlaylistRequest],
    outputs: Sequence[RequestedOutput],
    containers: Sequence[str],
) -> None:
    """Elastic Transcoder's playlist rules; ``containers`` are the outputs' preset containers.

    Only HLSv3 is written; HLSv4, Smooth and MPEG-DASH are refused rather than reported
    Complete without their files.
    """
    by_key = {
        output.key: (output, container)
        for output, container in zip(outputs, containers, strict=True)
    }
    names: set[str] = set()
    folders: set[str] = set()
    formats: dict[str, str] = {}  # output key -> the playlist format it is written for
    for i, playlist in enumerate(playlists):
        where = f"Playlists[{i}]"
        if playlist.format not in SUPPORTED_PLAYLIST_FORMATS:
            raise ValidationError(
                f"{where}.Format: {playlist.format} playlists are not supported yet; mediamill "
                f"writes {', '.join(SUPPORTED_PLAYLIST_FORMATS)} playlists"
            )
        if playlist.name in names:
            raise ValidationError(f"{where}.Name: playlist names must be unique within a job")
        names.add(playlist.name)
        folder = playlist.name.rpartition("/")[0]
        if "/" in playlist.name:
            folders.add(folder)
        if len(folders) > 1:
            raise ValidationError(
                f"{where}.Name: the part of playlist names before the last / must be the "
                "same for all playlists in a job"
            )
        if not playlist.output_keys:
            raise ValidationError(f"{where}.OutputKeys: a playlist lists 1 to 30 outputs")
        durations = set()
        for key in playlist.output_keys:
            if key not in by_key:
                raise ValidationError(f"{where}.OutputKeys: {key!r} is not an output of this job")
            output, container = by_key[key]
            if playlist.format == "HLSv4" and container != "ts":
                raise ValidationError(
                    "All output keys in a HLSv4 playlist must have container type of ts."
                )
            if formats.setdefault(key, playlist.format) != playlist.format:
                raise ValidationError(
                    f"{where}.OutputKeys: {key!r} is also in a {formats[key]} playlist; an "
                    "output is written for one HLS version"
                )
            if container != "ts" or not output.segment_duration:
                raise ValidationError(
                    f"Output '{key}' must have a SegmentDuration since it is part of a "
                    "playlist. SegmentDuration is available only for 'ts' containers."
                )
            if folder and not key.startswith(folder + "/"):
                raise ValidationError(
                    "All outputs in a playlist must begin identically to the playlist name "
                    "upto the last / character."
                )
            durations.add(float(output.segment_duration))
        if len(durations) > 1:
            raise ValidationError(
                f"{where}: all outputs in a playlist must have the same SegmentDuration"
            )
