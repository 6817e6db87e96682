"""``mediamill doctor``: check this installation, one line per check, and say what to do
about each failure."""

from __future__ import annotations

import argparse
from typing import Any

from mediamill.cli.output import add_json_flag, print_json


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "doctor",
        help="check FFmpeg, database, broker, buckets, public URL, secrets, clock and disk",
        description="Check what this installation needs, with the settings of this shell: "
        "FFmpeg's encoders for every preset, the database (a write), the clock against the "
        "database server's, the broker, every bucket in use (a probe object written, read and "
        "deleted), the public URL reached from this host, the permissions of secret files and "
        "free disk space. Exit status 1 when a check fails.",
    )
    add_json_flag(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from mediamill.cli.common import open_database
    from mediamill.errors import MediamillError
    from mediamill.site import checks

    found = [checks.encoders()]
    try:
        open_database()
    except MediamillError as exc:
        found.append(checks.Check("database", False, str(exc), "check DATABASE_URL"))
    else:
        found += [checks.database(), checks.clock(), checks.broker(), *checks.buckets()]
    found += [checks.public_url(), *checks.secrets(), checks.disk()]
    if args.json:
        print_json([vars(check) for check in found])
    else:
        for check in found:
            line = f"{'ok' if check.ok else 'FAIL':<4}  {check.name}: {check.detail}"
            print(line if check.ok or not check.advice else f"{line} -> {check.advice}")
    return 0 if all(check.ok for check in found) else 1
