"""``mediamill users create|list|passwd`` (``createuser`` kept): the people who sign in."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from mediamill.cli.common import find_user, open_database
from mediamill.cli.output import add_json_flag, print_json, print_table, timestamp
from mediamill.errors import ValidationError


def register(subparsers: Any) -> None:
    users = subparsers.add_parser(
        "users",
        help="create and list users, set their passwords",
        description="People who sign in to the web app and the admin, and whose API keys "
        "act for them.",
    )
    verbs = users.add_subparsers(dest="users_command", metavar="ACTION", required=True)
    _add_create(verbs.add_parser("create", help="create a user", description=_CREATE))
    _add_create(
        subparsers.add_parser(
            "createuser", help="create a user (same as `users create`)", description=_CREATE
        )
    )

    listing = verbs.add_parser("list", help="list users")
    add_json_flag(listing)
    listing.set_defaults(handler=run_list)

    passwd = verbs.add_parser(
        "passwd",
        help="set a user's password",
        description="Set USER's password: asked for "
        "twice on a terminal, or read from standard input with --password-stdin.",
    )
    passwd.add_argument("username", metavar="USER")
    _add_password_stdin(passwd)
    passwd.set_defaults(handler=run_passwd)


_CREATE = (
    "Create a user; --admin makes a superuser, who may use /admin/. The password is asked "
    "for twice on a terminal, or read from standard input with --password-stdin."
)


def _add_create(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("username", metavar="USERNAME")
    parser.add_argument("--email", default="", help="e-mail address")
    parser.add_argument("--admin", action="store_true", help="make a superuser")
    _add_password_stdin(parser)
    parser.set_defaults(handler=run_create)


def _add_password_stdin(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input (one line) instead of asking",
    )


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise ValidationError("no password on standard input")
        return line.rstrip("\n")
    if not sys.stdin.isatty():
        raise ValidationError(
            "no terminal to ask for the password on: pipe it in with --password-stdin"
        )
    password = getpass.getpass("Password: ")
    if getpass.getpass("Password (again): ") != password:
        raise ValidationError("the passwords do not match")
    return password


def _validate(password: str, user: Any) -> None:
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError as DjangoValidationError

    try:
        # With the user as it will be, so a password like the user name is refused too.
        validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationError("password refused: " + " ".join(exc.messages)) from exc


def run_create(args: argparse.Namespace) -> int:
    open_database()
    from django.contrib.auth import get_user_model

    users = get_user_model()
    if users.objects.filter(username=args.username).exists():
        raise ValidationError(f"user {args.username!r} already exists")
    password = read_password(args.password_stdin)
    _validate(password, users(username=args.username, email=args.email))
    create = users.objects.create_superuser if args.admin else users.objects.create_user
    create(username=args.username, email=args.email, password=password)
    kind = "superuser" if args.admin else "user"
    print(f"created {kind} {args.username!r}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    open_database()
    from django.contrib.auth import get_user_model

    rows = list(get_user_model().objects.order_by("username"))
    if args.json:
        print_json([_user_json(u) for u in rows])
        return 0
    print_table(
        ["USERNAME", "EMAIL", "ROLE", "ACTIVE", "LAST LOGIN", "JOINED"],
        [
            (
                u.username,
                u.email,
                "superuser" if u.is_superuser else "user",
                "yes" if u.is_active else "no",
                timestamp(u.last_login) or "never",
                timestamp(u.date_joined),
            )
            for u in rows
        ],
        empty="no users (create one with `mediamill users create USERNAME`)",
    )
    return 0


def run_passwd(args: argparse.Namespace) -> int:
    open_database()
    user = find_user(args.username)
    password = read_password(args.password_stdin)
    _validate(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    print(f"password changed for {user.username!r}")
    return 0


def _user_json(user: Any) -> dict[str, Any]:
    return {
        "username": user.username,
        "email": user.email,
        "superuser": user.is_superuser,
        "active": user.is_active,
        "last_login": user.last_login,
        "date_joined": user.date_joined,
    }
