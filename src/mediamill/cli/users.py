"""``mediamill createuser``: add a person who can sign in to the web app and the admin."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from mediamill.cli.common import open_database
from mediamill.errors import ValidationError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "createuser",
        help="create a user (add --admin for a superuser who may use /admin/)",
        description="Create a user. The password is asked for, or read from stdin.",
    )
    parser.add_argument("username")
    parser.add_argument("--email", default="", help="e-mail address")
    parser.add_argument("--admin", action="store_true", help="make a superuser")
    parser.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    open_database()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError as DjangoValidationError

    users = get_user_model()
    if users.objects.filter(username=args.username).exists():
        raise ValidationError(f"user {args.username!r} already exists")
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Password (again): ") != password:
            raise ValidationError("the passwords do not match")
    try:
        # With the user as it will be, so a password like the user name is refused too.
        validate_password(password, users(username=args.username, email=args.email))
    except DjangoValidationError as exc:
        raise ValidationError("password refused: " + " ".join(exc.messages)) from exc
    create = users.objects.create_superuser if args.admin else users.objects.create_user
    create(username=args.username, email=args.email, password=password)
    kind = "superuser" if args.admin else "user"
    print(f"created {kind} {args.username!r}")
    return 0
