"""``mediamill upload BUCKET KEY FILE``, ``mediamill download BUCKET KEY FILE`` and
``mediamill buckets grant|revoke|grants``: who besides superusers may use which bucket."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from mediamill.cli.common import announce_data_dir, find_user, human_size, open_database
from mediamill.cli.output import add_json_flag, print_json, print_table, timestamp
from mediamill.errors import MediamillError, NotFoundError, OutputError

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

    access = subparsers.add_parser(
        "buckets",
        help="grant, revoke and list users' access to buckets",
        description=(
            "Through the API, a superuser may use any bucket; any other user only the buckets "
            "whose names start with their username and '-' (alice-uploads for alice) and the "
            "buckets an administrator granted them here."
        ),
    )
    verbs = access.add_subparsers(dest="buckets_command", metavar="ACTION", required=True)
    grant = verbs.add_parser(
        "grant",
        help="let USER use BUCKET in pipelines and jobs",
        description="Let USER name BUCKET in pipelines, jobs and TestRole.",
    )
    grant.add_argument("bucket", metavar="BUCKET", help=_BUCKET_HELP)
    grant.add_argument("user", metavar="USER", help="username")
    grant.set_defaults(handler=run_grant)
    revoke = verbs.add_parser(
        "revoke",
        help="take a grant back",
        description=(
            "Take back USER's grant of BUCKET. Their pipelines naming it stay, but new jobs on "
            "them are refused, and so are their jobs that have not run yet."
        ),
    )
    revoke.add_argument("bucket", metavar="BUCKET", help=_BUCKET_HELP)
    revoke.add_argument("user", metavar="USER", help="username")
    revoke.set_defaults(handler=run_revoke)
    listing = verbs.add_parser("grants", help="list grants (not the namespaces, which need none)")
    listing.add_argument("--user", metavar="USER", help="only this user's grants")
    add_json_flag(listing)
    listing.set_defaults(handler=run_grants)


def run_upload(args: argparse.Namespace) -> int:
    from mediamill.buckets import get_bucket
    from mediamill.cli.common import open_database

    open_database()  # so that the object fires the triggers on its bucket and prefix

    announce_data_dir()
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

    announce_data_dir()
    bucket = get_bucket(args.bucket)
    if args.file.exists() and not args.force:
        raise OutputError(f"{str(args.file)!r} already exists (use --force to replace it)")
    if args.file.is_dir():
        raise OutputError(f"{str(args.file)!r} is a folder", code=1000)
    size = bucket.download_file(args.key, args.file, overwrite=args.force)
    print(f"{bucket.name}/{args.key} -> {args.file}  {_size(size)}")
    return 0


def run_grant(args: argparse.Namespace) -> int:
    open_database()
    from mediamill.jobs import bucket_access

    user = find_user(args.user)
    created = bucket_access.grant(args.bucket, user)
    print(f"{'granted' if created else 'already granted'}: {args.bucket} to {user.username}")
    return 0


def run_revoke(args: argparse.Namespace) -> int:
    open_database()
    from mediamill.jobs import bucket_access

    user = find_user(args.user)
    if not bucket_access.revoke(args.bucket, user):
        raise NotFoundError(f"{user.username} has no grant of the bucket {args.bucket!r}")
    print(f"revoked: {args.bucket} from {user.username}")
    return 0


def run_grants(args: argparse.Namespace) -> int:
    open_database()
    from mediamill.jobs import bucket_access

    user = find_user(args.user) if args.user else None
    rows = list(bucket_access.grants(user))
    if args.json:
        print_json(
            [{"bucket": g.bucket, "user": g.user.username, "granted": g.created} for g in rows]
        )
        return 0
    print_table(
        ["BUCKET", "USER", "GRANTED"],
        [(g.bucket, g.user.username, timestamp(g.created)) for g in rows],
        empty="no grants (`mediamill buckets grant BUCKET USER` makes one)",
    )
    return 0


def _size(size: int) -> str:
    return f"{size} B" if size < 1024 else f"{size} B ({human_size(size)})"
