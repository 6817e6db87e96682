"""CreateJob's request parts, checked against Elastic Transcoder's rules and made typed.

Each function raises ``ValidationError`` naming the field as the wire does
(``Outputs[1].Key``). Fields Elastic Transcoder accepts but mediamill cannot honour yet
(watermarks, album art, captions, encryption) are refused rather than silently ignored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mediamill import presets
from mediamill.errors import LimitExceededError, ValidationError

MAX_OUTPUTS = 30
MAX_USER_METADATA = 10
KEY_MAX = 255
LONG_KEY_MAX = 1024

_INPUT_FIELDS = {"Key", "FrameRate", "Resolution", "AspectRatio", "Interlaced", "Container"}
_INPUT_UNSUPPORTED = {"Encryption", "TimeSpan", "InputCaptions", "DetectedProperties"}
_INPUT_CONTAINERS = (
    *("auto", "3gp", "asf", "avi", "divx", "flv", "mkv", "mov", "mp4", "mpeg", "mpeg-ps"),
    *("mpeg-ts", "mxf", "ogg", "ts", "vob", "wav", "webm", "mp3", "m4a", "aac"),
)
_OUTPUT_FIELDS = {"Key", "PresetId", "ThumbnailPattern", "Rotate", "SegmentDuration"}
_OUTPUT_UNSUPPORTED = {
    "ThumbnailEncryption",
    "Watermarks",
    "AlbumArt",
    "Composition",
    "Captions",
    "Encryption",
}
_ROTATIONS = ("auto", "0", "90", "180", "270")
_FLOAT_STRING = re.compile(r"\d{1,5}(\.\d{0,5})?")
_SEGMENTED_CONTAINERS = ("ts", "fmp4")
_METADATA_TEXT = re.compile(r"[0-9A-Za-z _.:/=+\-%@]*")
_PLAYLIST_FORMATS = ("HLSv3", "HLSv4", "Smooth", "MPEG-DASH")


@dataclass(frozen=True)
class OutputSpec:
    """One requested output, before it is stored."""

    key: str
    preset_id: str
    thumbnail_pattern: str = ""
    rotate: str = "auto"
    segment_duration: str = ""


def parse_input(wire: object) -> dict[str, Any]:
    """The JobInput, as it will be stored: ``Key`` is required, 1–1024 characters."""
    data = _mapping(wire, "Input")
    _refuse(data, _INPUT_FIELDS, _INPUT_UNSUPPORTED, "Input")
    key = data.get("Key")
    if not isinstance(key, str) or not 1 <= len(key) <= LONG_KEY_MAX:
        raise ValidationError(f"Input.Key must be a string of 1 to {LONG_KEY_MAX} characters")
    container = data.get("Container", "auto")
    if container not in _INPUT_CONTAINERS:
        raise ValidationError(
            f"Input.Container {container!r} is not one of {', '.join(_INPUT_CONTAINERS)}"
        )
    for name in _INPUT_FIELDS - {"Key"}:
        if name in data and not isinstance(data[name], str):
            raise ValidationError(f"Input.{name} must be a string")
    return dict(data)


def parse_prefix(prefix: object) -> str:
    if not isinstance(prefix, str) or len(prefix) > KEY_MAX:
        raise ValidationError(f"OutputKeyPrefix must be a string of at most {KEY_MAX} characters")
    return prefix


def parse_outputs(wire: object, prefix: str) -> list[OutputSpec]:
    """1–30 outputs whose keys are 1–255 characters and, after ``prefix``, unique."""
    if not isinstance(wire, Sequence) or isinstance(wire, str | bytes):
        raise ValidationError("Outputs must be a list")
    if not wire:
        raise ValidationError(f"a job has 1 to {MAX_OUTPUTS} outputs, not 0")
    if len(wire) > MAX_OUTPUTS:
        raise LimitExceededError(f"a job has 1 to {MAX_OUTPUTS} outputs, not {len(wire)}")
    specs: list[OutputSpec] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(wire):
        where = f"Outputs[{i}]"
        data = _mapping(item, where)
        _refuse(data, _OUTPUT_FIELDS, _OUTPUT_UNSUPPORTED, where)
        key = data.get("Key")
        if not isinstance(key, str) or not 1 <= len(key) <= KEY_MAX:
            raise ValidationError(f"{where}.Key must be a string of 1 to {KEY_MAX} characters")
        full = prefix + key
        if full in seen:
            raise ValidationError(
                f"{where}.Key: {full!r} is also the key of Outputs[{seen[full]}]; "
                "output keys must be unique within a job"
            )
        seen[full] = i
        preset_id = data.get("PresetId")
        if not isinstance(preset_id, str) or not preset_id:
            raise ValidationError(f"{where}.PresetId is required")
        pattern = _string(data, "ThumbnailPattern", "", where)
        if pattern and "{count}" not in pattern:
            raise ValidationError(f"{where}.ThumbnailPattern must contain {{count}}, or be empty")
        rotate = _string(data, "Rotate", "auto", where)
        if rotate not in _ROTATIONS:
            raise ValidationError(f"{where}.Rotate must be one of {', '.join(_ROTATIONS)}")
        segment = _string(data, "SegmentDuration", "", where)
        if segment and not _FLOAT_STRING.fullmatch(segment):
            raise ValidationError(f"{where}.SegmentDuration {segment!r} is not a number of seconds")
        specs.append(OutputSpec(key, preset_id, pattern, rotate, segment))
    return specs


def check_against_preset(spec: OutputSpec, preset: presets.Preset, index: int) -> None:
    """The rules that need the preset: segments only for ts/fmp4, thumbnails only if it has them."""
    where = f"Outputs[{index}]"
    if spec.segment_duration and preset.container not in _SEGMENTED_CONTAINERS:
        raise ValidationError(
            f"{where}.SegmentDuration applies to ts and fmp4 presets, "
            f"not to {preset.container} ({preset.id})"
        )
    if spec.thumbnail_pattern and preset.thumbnails is None:
        raise ValidationError(
            f"{where}.ThumbnailPattern is set but preset {preset.id} makes no thumbnails"
        )


def parse_user_metadata(wire: object) -> dict[str, str]:
    if wire is None:
        return {}
    data = _mapping(wire, "UserMetadata")
    if len(data) > MAX_USER_METADATA:
        raise ValidationError(f"UserMetadata has {len(data)} pairs; at most 10 are allowed")
    for key, value in data.items():
        for text in (key, value):
            if not isinstance(text, str) or not _METADATA_TEXT.fullmatch(text):
                raise ValidationError(
                    f"UserMetadata {key!r}: keys and values may use only letters, digits, "
                    "space and _.:/=+-%@"
                )
    return {str(k): str(v) for k, v in data.items()}


def parse_playlists(wire: object, output_keys: Sequence[str]) -> list[dict[str, Any]]:
    """Playlists name outputs of this job by key (without the prefix)."""
    if wire is None:
        return []
    if not isinstance(wire, Sequence) or isinstance(wire, str | bytes):
        raise ValidationError("Playlists must be a list")
    result = []
    for i, item in enumerate(wire):
        where = f"Playlists[{i}]"
        data = _mapping(item, where)
        _refuse(
            data, {"Name", "Format", "OutputKeys"}, {"HlsContentProtection", "PlayReadyDrm"}, where
        )
        name = data.get("Name")
        if not isinstance(name, str) or not 1 <= len(name) <= KEY_MAX:
            raise ValidationError(f"{where}.Name must be a string of 1 to {KEY_MAX} characters")
        if data.get("Format") not in _PLAYLIST_FORMATS:
            raise ValidationError(f"{where}.Format must be one of {', '.join(_PLAYLIST_FORMATS)}")
        keys = data.get("OutputKeys")
        if not isinstance(keys, list) or not 1 <= len(keys) <= MAX_OUTPUTS:
            raise ValidationError(f"{where}.OutputKeys must list 1 to {MAX_OUTPUTS} output keys")
        unknown = [k for k in keys if k not in output_keys]
        if unknown:
            raise ValidationError(f"{where}.OutputKeys names keys no output has: {unknown}")
        result.append(
            {
                "Name": name,
                "Format": data["Format"],
                "OutputKeys": list(keys),
                "Status": "Submitted",
                "StatusDetail": "",
            }
        )
    return result


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


def _string(data: Mapping[str, Any], name: str, default: str, where: str) -> str:
    value = data.get(name, default)
    if value is None:
        return default
    if not isinstance(value, str):
        raise ValidationError(f"{where}.{name} must be a string")
    return value
