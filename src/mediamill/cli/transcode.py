"""``mediamill transcode INPUT -p PRESET_ID [-p ...] -o OUTDIR``: one-off local transcoding."""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from mediamill.cli.common import human_size
from mediamill.errors import OutputError

if TYPE_CHECKING:
    from mediamill.engine import OutputRequest
    from mediamill.presets import Preset


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "transcode",
        help="transcode a local file with one or more presets",
        description=(
            "Decode INPUT once and write one output per preset into OUTDIR. Output names are "
            "the input's name with the preset container's extension (song.mp3 -> song.wav); "
            "when two presets share an extension the preset ID is added (song-100110.mp4). "
            "Outputs appear only when all of them are complete."
        ),
    )
    parser.add_argument("input", metavar="INPUT", type=Path, help="media file to transcode")
    parser.add_argument(
        "-p",
        "--preset",
        dest="presets",
        metavar="PRESET_ID",
        action="append",
        required=True,
        help="Elastic Transcoder preset ID (repeat for several outputs); see `mediamill presets`",
    )
    parser.add_argument(
        "-o",
        "--output-dir",
        metavar="OUTDIR",
        type=Path,
        required=True,
        help="output folder, created if missing",
    )
    parser.add_argument(
        "-f", "--force", action="store_true", help="replace outputs that already exist"
    )
    parser.add_argument(
        "-s",
        "--segment-duration",
        metavar="SECONDS",
        type=float,
        help="write ts presets as HLSv3: NAME.m3u8 and segments NAME00000.ts... of SECONDS "
        "(1 to 60) each, keyframes aligned across outputs; without it a ts preset is one file",
    )
    parser.add_argument(
        "-t",
        "--thumbnails",
        action="store_true",
        help="also write each video preset's thumbnails beside its output "
        "(NAME-PRESET-00001.png..., the first frame then one every preset Interval)",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print no progress")
    parser.set_defaults(handler=run)


def output_names(input_path: Path, extensions: list[tuple[str, str]]) -> list[str]:
    """File names for ``(preset_id, extension)`` pairs, unique within the output folder."""
    counts = Counter(ext for _, ext in extensions)
    names = []
    for preset_id, ext in extensions:
        if counts[ext] > 1:
            names.append(f"{input_path.stem}-{preset_id.rsplit('-', 1)[-1]}.{ext}")
        else:
            names.append(f"{input_path.stem}.{ext}")
    return names


def run(args: argparse.Namespace) -> int:
    # Imported here: loading PyAV is the slow part of starting up.
    from mediamill.engine import transcode
    from mediamill.presets import get_system

    presets = [get_system(preset_id) for preset_id in args.presets]
    if len({p.id for p in presets}) != len(presets):
        raise OutputError("the same preset is given twice", code=1000)
    if not args.input.is_file():
        raise OutputError(f"input {str(args.input)!r} does not exist or is not a file", code=3001)
    names = output_names(args.input, [(p.id, p.extension) for p in presets])
    requests = [output_request(args, p, name) for p, name in zip(presets, names, strict=True)]
    report = None if args.quiet else ProgressReport(sys.stderr, args.input.name, len(requests))
    cancel = threading.Event()
    created = make_folders(args.output_dir)
    try:
        results = transcode(
            args.input,
            requests,
            progress=report.update if report else None,
            cancel=cancel,
            overwrite=args.force,
        )
    except OutputError as exc:
        if exc.code == 3002 and not args.force:
            raise OutputError(f"{exc.message} (use --force to replace it)", code=3002) from exc
        raise
    except KeyboardInterrupt:
        cancel.set()
        raise
    except BaseException:
        remove_empty(created)
        raise
    finally:
        if report:
            report.close()
    for result in results:
        stats = result.stats
        size = f"{stats.width}x{stats.height} " if stats.width else ""
        shown = f"{result.path}.m3u8" if stats.files else str(result.path)
        print(
            f"{shown}  {result.preset.id}  {size}{stats.duration:.2f} s  "
            f"{human_size(stats.file_size)}"
        )
        for thumbnail in result.thumbnails:
            print(f"{thumbnail}  {result.preset.id}  {stats.thumbnail_resolution}")
    return 0


def make_folders(folder: Path) -> list[Path]:
    """Create ``folder`` and its missing parents; the ones created, deepest first."""
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(
            f"cannot create the output folder {str(folder)!r}: {exc.strerror}", code=1000
        ) from exc
    return missing


def remove_empty(folders: list[Path]) -> None:
    """Remove folders ``make_folders`` created, if a failed run left them empty."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            return


def output_request(args: argparse.Namespace, preset: Preset, name: str) -> OutputRequest:
    """A ts preset with ``--segment-duration`` becomes HLS named after the input (no .ts)."""
    from mediamill.engine import OutputRequest

    path = args.output_dir / name
    segments = args.segment_duration if preset.container == "ts" else None
    if segments is not None:
        path = path.with_suffix("")
    thumbnails = None
    if args.thumbnails and preset.thumbnails is not None:
        # The preset's number keeps two outputs' thumbnails apart (clip.mp4, clip.m3u8).
        stem = path.name.removesuffix(f".{preset.extension}")
        thumbnails = f"{stem}-{preset.id.rsplit('-', 1)[-1]}-{{count}}"
    return OutputRequest(preset, path, segments, thumbnails)


class ProgressReport:
    """A progress bar on a terminal; a plain line every 10 % anywhere else."""

    WIDTH = 30

    def __init__(self, stream: TextIO, label: str, outputs: int) -> None:
        self.stream = stream
        self.label = f"{label} -> {outputs} output{'s' if outputs != 1 else ''}"
        self.tty = stream.isatty()
        self.started = time.monotonic()
        self.last_line = -1
        self.drawn = False

    def update(self, percent: int) -> None:
        if self.tty:
            filled = self.WIDTH * percent // 100
            bar = "#" * filled + "-" * (self.WIDTH - filled)
            elapsed = time.monotonic() - self.started
            self.stream.write(f"\r[{bar}] {percent:3d}%  {elapsed:5.1f} s  {self.label}")
            self.drawn = True
        elif percent // 10 > self.last_line:
            self.last_line = percent // 10
            self.stream.write(f"{self.label}: {percent}%\n")
        self.stream.flush()

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()
