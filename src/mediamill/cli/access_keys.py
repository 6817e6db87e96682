"""``mediamill keys create|list|revoke``: access keys for the Elastic Transcoder API."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from mediamill.cli.common import find_user, open_database
from mediamill.cli.output import add_json_flag, print_json, print_table, timestamp
from mediamill.errors import ValidationError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "keys",
        help="create, list and revoke API access keys",
        description=(
            "Access keys sign requests to the Elastic Transcoder API (SigV4): pass the key "
            "ID and secret to boto3 as aws_access_key_id / aws_secret_access_key. A key acts "
            "as its user: it sees that user's pipelines, presets and jobs only (a superuser's "
            "key sees all)."
        ),
    )
    verbs = parser.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    create = verbs.add_parser(
        "create",
        help="create a key and print its ID and secret (shown only once)",
        description=(
            "Create a key for --user. Without --user: for the only superuser, or, when there "
            "is no user yet, for a new superuser named 'admin' (created without a password)."
        ),
    )
    create.add_argument("--user", help="username the key belongs to")
    create.add_argument("--description", default="", help="a note to recognise the key by")
    add_json_flag(create)
    create.set_defaults(handler=run_create)
    listing = verbs.add_parser("list", help="list keys (never their secrets)")
    listing.add_argument("--user", help="only this user's keys")
    add_json_flag(listing)
    listing.set_defaults(handler=run_list)
    revoke = verbs.add_parser("revoke", help="revoke a key: requests signed with it fail")
    revoke.add_argument("key_id", metavar="ID")
    revoke.set_defaults(handler=run_revoke)


def _user(username: str | None) -> Any:
    from django.contrib.auth import get_user_model

    users = get_user_model()
    if username is not None:
        return find_user(username)
    admins = list(users.objects.filter(is_superuser=True)[:2])
    if len(admins) == 1:
        return admins[0]
    if admins or users.objects.exists():
        raise ValidationError("say which user the key is for with --user")
    user = users.objects.create_superuser(username="admin", email="", password=None)
    print("created superuser 'admin' (no password: it signs API requests only)", file=sys.stderr)
    return user


def run_create(args: argparse.Namespace) -> int:
    open_database()
    from mediamill.accounts.access_keys import create_key

    user = _user(args.user)
    key_id, secret = create_key(user, args.description)
    if args.json:
        # The names boto3 takes as keyword arguments, so the file can be passed as **key.
        print_json({"aws_access_key_id": key_id, "aws_secret_access_key": secret})
        return 0
    print(f"user:                  {user.username}")
    print(f"aws_access_key_id:     {key_id}")
    print(f"aws_secret_access_key: {secret}")
    print("Keep the secret now: it cannot be shown again.")
    return 0


def run_list(args: argparse.Namespace) -> int:
    open_database()
    from mediamill.accounts.access_keys import list_keys

    user = _user(args.user) if args.user else None
    rows = list(list_keys(user))
    if args.json:
        print_json(
            [
                {
                    "id": key.id,
                    "user": key.user.username,
                    "description": key.description,
                    "created": key.created,
                    "last_used": key.last_used,
                    "active": key.active,
                }
                for key in rows
            ]
        )
        return 0
    print_table(
        ["ID", "USER", "CREATED", "LAST USED", "STATUS", "DESCRIPTION"],
        [
            (
                key.id,
                key.user.username,
                timestamp(key.created),
                timestamp(key.last_used) or "never",
                "active" if key.active else "revoked",
                key.description,
            )
            for key in rows
        ],
        empty="no access keys (create one with `mediamill keys create --user USER`)",
    )
    return 0


def run_revoke(args: argparse.Namespace) -> int:
    open_database()
    from mediamill.accounts.access_keys import revoke

    revoke(args.key_id)
    print(f"revoked {args.key_id}")
    return 0
