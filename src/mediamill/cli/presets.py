"""``mediamill presets [list|show ID] [--json]``: browse the system preset catalogue."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from typing import Any

from mediamill.cli.output import add_json_flag, print_json, table
from mediamill.presets import (
    DEPRECATED_PRESET_IDS,
    SYSTEM_PRESETS,
    AudioSettings,
    Preset,
    VideoSettings,
    get_system,
    to_wire,
)
from mediamill.presets.rules import frame_rate_to_wire

_NAME_PREFIX = "System preset: "


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "presets",
        help="list or show the Elastic Transcoder system presets",
        description="Browse the system presets. With no subcommand, lists them.",
    )
    _add_json_flag(parser, default=False)
    parser.set_defaults(handler=list_presets)
    verbs = parser.add_subparsers(dest="presets_command", metavar="SUBCOMMAND")

    list_parser = verbs.add_parser(
        "list",
        help="list every system preset (the default)",
        description="List every system preset: ID, container, name and a short summary.",
    )
    _add_json_flag(list_parser, default=argparse.SUPPRESS)
    list_parser.set_defaults(handler=list_presets)

    show_parser = verbs.add_parser(
        "show",
        help="show one preset's settings",
        description="Show every setting of one system preset. A deprecated ID shows the "
        "preset that replaces it.",
    )
    show_parser.add_argument(
        "preset_id", metavar="ID", help="a preset ID, e.g. 1351620000001-100110"
    )
    _add_json_flag(show_parser, default=argparse.SUPPRESS)
    show_parser.set_defaults(handler=show_preset)


def _add_json_flag(parser: argparse.ArgumentParser, *, default: Any) -> None:
    # Accepted before and after the subcommand; the subcommand's copy must not reset the
    # value given before it, hence SUPPRESS there.
    add_json_flag(parser, default=default)


def list_presets(args: argparse.Namespace) -> int:
    presets = list(SYSTEM_PRESETS.values())
    if args.json:
        print_json([to_wire(p) for p in presets])
        return 0
    rows = [(p.id, p.container, _label(p), summary(p)) for p in presets]
    print(table(["ID", "CONTAINER", "NAME", "SETTINGS"], rows))
    return 0


def show_preset(args: argparse.Namespace) -> int:
    preset = get_system(args.preset_id)
    if preset.id != args.preset_id and args.preset_id in DEPRECATED_PRESET_IDS:
        print(
            f"note: {args.preset_id} is deprecated; showing its replacement {preset.id}",
            file=sys.stderr,
        )
    wire = to_wire(preset)
    if args.json:
        print_json(wire)
        return 0
    print(f"{preset.id}  {preset.name}")
    print(summary(preset))
    print()
    fields = list(_flatten(wire))
    width = max(len(key) for key, _ in fields)
    for key, value in fields:
        print(f"{key:<{width}}  {value}")
    return 0


def summary(preset: Preset) -> str:
    """A one-line description of what a preset produces, e.g. for the list table."""
    parts = []
    if preset.video is not None:
        parts.append(_video_summary(preset.video))
    if preset.audio is not None:
        parts.append(_audio_summary(preset.audio))
    return "; ".join(parts)


def _video_summary(video: VideoSettings) -> str:
    words = [video.codec]
    if video.codec == "H.264":
        words += [w for w in (video.profile, video.level and f"L{video.level}") if w]
    if video.max_width is None and video.max_height is None:
        words.append("size auto")
    else:
        width = "auto" if video.max_width is None else str(video.max_width)
        height = "auto" if video.max_height is None else str(video.max_height)
        words.append(f"{width}x{height}")
    if video.bit_rate is not None:
        words.append(f"{video.bit_rate}k")
    fps = "auto" if video.frame_rate is None else frame_rate_to_wire(video.frame_rate)
    words.append(f"{fps} fps")
    return " ".join(words)


def _audio_summary(audio: AudioSettings) -> str:
    named_profile = audio.codec == "AAC" and audio.profile not in (None, "auto")
    words = [str(audio.profile) if named_profile else audio.codec]
    if audio.bit_rate is not None:
        words.append(f"{audio.bit_rate}k")
    if audio.bit_depth is not None:
        words.append(f"{audio.bit_depth}-bit")
    if audio.sample_rate is not None:
        words.append(f"{audio.sample_rate / 1000:g} kHz")
    channels = {None: "", 0: "no channels", 1: "mono", 2: "stereo"}[audio.channels]
    if channels:
        words.append(channels)
    return " ".join(words)


def _label(preset: Preset) -> str:
    return preset.name.removeprefix(_NAME_PREFIX)


def _flatten(value: Any, prefix: str = "") -> Iterable[tuple[str, str]]:
    """Wire fields as ``Video.CodecOptions.Profile``-style paths, the names errors use."""
    if value == {}:
        yield prefix, "(none)"
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _flatten(item, f"{prefix}.{key}" if prefix else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _flatten(item, f"{prefix}[{index}]")
    else:
        yield prefix, str(value)
