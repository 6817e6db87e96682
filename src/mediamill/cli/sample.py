"""``mediamill sample FILE``: make a test input (a chord, or a test-pattern clip) to try
mediamill on, with FFmpeg's own generators; nothing is downloaded."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from mediamill.cli.common import human_size
from mediamill.errors import OutputError, ValidationError

AUDIO = (".mp3", ".wav", ".flac", ".m4a", ".ogg")
VIDEO = (".mp4", ".mov", ".mkv")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "sample",
        help="write a test tone or clip to try mediamill on",
        description="Write FILE: audio (a chord with a little noise) for "
        f"{', '.join(AUDIO)}; a 1280x720 H.264 test pattern with AAC sound for "
        f"{', '.join(VIDEO)}.",
    )
    parser.add_argument("file", metavar="FILE", type=Path, help="the file to write")
    parser.add_argument("--seconds", type=float, default=10.0, help="duration")
    parser.add_argument("-f", "--force", action="store_true", help="replace FILE if it exists")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    path: Path = args.file
    suffix = path.suffix.lower()
    if suffix not in AUDIO + VIDEO:
        raise ValidationError(
            f"cannot tell what to write from {path.name!r}: name it with one of "
            f"{', '.join(AUDIO + VIDEO)}"
        )
    if not 0 < args.seconds <= 3600:
        raise ValidationError("--seconds must be more than 0 and at most 3600")
    if path.exists() and not args.force:
        raise OutputError(f"{str(path)!r} already exists (use --force to replace it)")
    if not path.parent.is_dir():
        raise OutputError(f"the folder {str(path.parent)!r} does not exist", code=1000)
    # Imported here: loading PyAV is the slow part of starting up.
    from mediamill.testing.media import write_audio, write_video

    partial = path.with_name(f".{path.name}.{os.getpid()}.part{suffix}")
    try:
        if suffix in AUDIO:
            write_audio(partial, args.seconds)
        else:
            write_video(partial, args.seconds)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    kind = "audio" if suffix in AUDIO else "video"
    print(f"{path}  {kind}  {args.seconds:g} s  {human_size(path.stat().st_size)}")
    return 0
