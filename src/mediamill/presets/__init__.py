"""Presets: Elastic Transcoder's system catalogue, and wire settings parsed into typed objects.

    >>> from mediamill import presets
    >>> presets.get_system("1351620000001-100110").audio.bit_rate
    256

Modules: ``model`` (the typed objects the engine reads), ``rules`` (the allowed values and
combinations), ``wire`` (``parse``/``to_wire``), ``catalogue`` (the system presets).
"""

from mediamill.presets.catalogue import DEPRECATED_PRESET_IDS, SYSTEM_PRESETS, get_system
from mediamill.presets.model import (
    CONTAINER_EXTENSIONS,
    AudioSettings,
    Preset,
    PresetType,
    ThumbnailSettings,
    VideoSettings,
    Watermark,
)
from mediamill.presets.serialization import parse, preset_arn, to_wire

__all__ = [
    "CONTAINER_EXTENSIONS",
    "DEPRECATED_PRESET_IDS",
    "SYSTEM_PRESETS",
    "AudioSettings",
    "Preset",
    "PresetType",
    "ThumbnailSettings",
    "VideoSettings",
    "Watermark",
    "get_system",
    "parse",
    "preset_arn",
    "to_wire",
]
