"""``mediamill upload BUCKET KEY FILE`` and ``mediamill download BUCKET KEY FILE``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from mediamill.errors import MediamillError, OutputError

_BUCKET_HELP = "bucket name; see MEDIAMILL_BUCKETS for where it lives"


def register(subparsers: Any) -> None:
    upload = subparsers.add_parser(
        "upload",
        help="store a local file in a bucket",
        description=(
            "Store FILE in BUCKET under KEY, replacing any object there. The object appears "
            "only once it is complete."
        ),
    )
    upload.add_argument("bucket", metavar="BUCKET", help=_BUCKET_HELP)
    upload.add_argument("key", metavar="KEY", help="object key, e.g. media/song.mp3")
    upload.add_argument("file", metavar="FILE", type=Path, help="local file to upload")
    upload.set_defaults(handler=run_upload)

    download = subparsers.add_parser(
        "download",
        help="copy an object from a bucket into a local file",
        description=(
            "Copy the object KEY of BUCKET into FILE. FILE appears only once it is complete, "
            "and an existing FILE is kept unless --force is given."
        ),
    )
    download.add_argument("bucket", metavar="BUCKET", help=_BUCKET_HELP)
    download.add_argument("key", metavar="KEY", help="object key, e.g. media/song.mp3")
    download.add_argument("file", metavar="FILE", type=Path, help="local file to write")
    download.add_argument("-f", "--force", action="store_true", help="replace FILE if it exists")
    download.set_defaults(handler=run_download)


def run_upload(args: argparse.Namespace) -> int:
    from mediamill.buckets import get_bucket

    bucket = get_bucket(args.bucket)
    if not args.file.is_file():
        raise MediamillError(f"{str(args.file)!r} does not exist or is not a file", code=3001)
    try:
        with open(args.file, "rb") as source:
            size = bucket.write(args.key, source)
    except OSError as exc:  # buckets map their own errors: this one is about FILE
        raise MediamillError(f"cannot read {str(args.file)!r}: {exc.strerror}") from exc
    print(f"{args.file} -> {bucket.name}/{args.key}  {_size(size)}")
    return 0


def run_download(args: argparse.Namespace) -> int:
    from mediamill.buckets import get_bucket

    bucket = get_bucket(args.bucket)
    if args.file.exists() and not args.force:
        raise OutputError(f"{str(args.file)!r} already exists (use --force to replace it)")
    if args.file.is_dir():
        raise OutputError(f"{str(args.file)!r} is a folder", code=1000)
    size = bucket.download_file(args.key, args.file, overwrite=args.force)
    print(f"{bucket.name}/{args.key} -> {args.file}  {_size(size)}")
    return 0


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    value = float(size)
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        value /= 1024
        if value < 1024 or unit == "TiB":
            break
    return f"{size} B ({value:.1f} {unit})"
