"""The ``mediamill`` command. One module per verb; each exposes ``register(subparsers)``.

A verb's handler returns an exit status. Errors derived from ``MediamillError`` become one
line on stderr and exit status 1; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from mediamill import __version__, settings
from mediamill.errors import MediamillError

#: Verbs that keep running and run untrusted work: their secrets leave the environment at
#: start (``settings.scrub_environment``), so no child process can read them from there.
LONG_RUNNING = frozenset({"serve", "worker"})


def build_parser() -> argparse.ArgumentParser:
    # Imported here so `mediamill --help` stays fast and verbs stay independent.
    from mediamill.cli import (
        access_keys,
        buckets,
        images,
        notifications,
        presets,
        serve,
        transcode,
        triggers,
        users,
    )

    parser = argparse.ArgumentParser(
        prog="mediamill",
        description="Self-hosted media processing, wire-compatible with AWS Elastic Transcoder.",
    )
    parser.add_argument("--version", action="version", version=f"mediamill {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for verb in (
        serve,
        transcode,
        presets,
        buckets,
        users,
        access_keys,
        notifications,
        images,
        triggers,
    ):
        verb.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    if args.command in LONG_RUNNING:
        settings.scrub_environment()
    try:
        status: int = handler(args)
    except MediamillError as exc:
        print(f"mediamill {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"mediamill {args.command}: interrupted", file=sys.stderr)
        return 130
    return status
