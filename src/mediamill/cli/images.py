"""``mediamill sign-url BUCKET KEY SPEC [--expires SECONDS]`` and
``mediamill image-keys list|rotate|retire``: resize URLs and the keys that sign them."""

from __future__ import annotations

import argparse
import json
from typing import Any


def register(subparsers: Any) -> None:
    sign = subparsers.add_parser(
        "sign-url",
        help="print the signed URL of an image resize",
        description=(
            "Print the absolute URL (on MEDIAMILL_PUBLIC_URL) of a resize of KEY in BUCKET. "
            "SPEC is a resize spec such as 800x600, 200x200-fill-q80 or 400x300-fill.webp; "
            "without an extension the output keeps the original's format (from KEY's). "
            "Anyone with the URL can fetch the resize."
        ),
    )
    sign.add_argument("bucket", metavar="BUCKET", help="bucket holding the original")
    sign.add_argument("key", metavar="KEY", help="the original's key, e.g. photos/cat.jpg")
    sign.add_argument("spec", metavar="SPEC", help="resize spec, e.g. 800x600-fill.webp")
    sign.add_argument(
        "--expires",
        metavar="SECONDS",
        type=int,
        help="the URL stops working this many seconds from now (default: never)",
    )
    sign.set_defaults(handler=run_sign_url)

    keys = subparsers.add_parser(
        "image-keys",
        help="list, rotate or retire the keys that sign resize URLs",
        description=(
            "Resize URLs are signed with the current key. `rotate` makes a new key current; "
            "URLs signed with older keys keep working until `retire` takes their key out of "
            "use. The keys are in MEDIAMILL_DATA_DIR/image-keys.json."
        ),
    )
    verbs = keys.add_subparsers(dest="image_keys_command", metavar="ACTION", required=True)
    listing = verbs.add_parser("list", help="list the keys (IDs and dates, never secrets)")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(handler=run_list)
    rotate = verbs.add_parser("rotate", help="sign new URLs with a new key")
    rotate.set_defaults(handler=run_rotate)
    retire = verbs.add_parser("retire", help="stop a key's URLs from working")
    retire.add_argument("key_id", metavar="KEY_ID", help="e.g. k1")
    retire.set_defaults(handler=run_retire)


def run_sign_url(args: argparse.Namespace) -> int:
    from mediamill.imaging import resize_url

    print(resize_url(args.bucket, args.key, args.spec, expires_in=args.expires))
    return 0


def run_list(args: argparse.Namespace) -> int:
    from mediamill.imaging import default_keyring

    keys, current = default_keyring().keys()
    rows = [
        {
            "KeyId": k.key_id,
            "Current": k.key_id == current,
            "Created": k.created,
            "Retired": k.retired,
        }
        for k in keys
    ]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    print(f"{'KEY':<6}  {'CREATED':<20}  STATE")
    for row in rows:
        state = (
            "current"
            if row["Current"]
            else (f"retired {row['Retired']}" if row["Retired"] else "verifies")
        )
        print(f"{row['KeyId']:<6}  {row['Created']:<20}  {state}")
    return 0


def run_rotate(args: argparse.Namespace) -> int:
    from mediamill.imaging import default_keyring

    key = default_keyring().rotate()
    print(f"rotated: new URLs are signed with {key.key_id}; older keys still verify")
    return 0


def run_retire(args: argparse.Namespace) -> int:
    from mediamill.imaging import default_keyring

    key = default_keyring().retire(args.key_id)
    print(f"retired: {key.key_id}; URLs signed with it are now refused (403)")
    return 0
