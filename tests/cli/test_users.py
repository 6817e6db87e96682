"""``mediamill users create|list|passwd`` and ``createuser``: JSON output and errors."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import User
from tests.cli.conftest import Cli, one_line_error

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"


@pytest.fixture
def stdin(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    text = io.StringIO(PASSWORD + "\n")
    monkeypatch.setattr("sys.stdin", text)
    return text


@pytest.mark.parametrize("command", [("users", "create"), ("createuser",)])
def test_create(cli: Cli, stdin: io.StringIO, command: tuple[str, ...]) -> None:
    run = cli(*command, "alice", "--admin", "--email", "a@example.com", "--password-stdin")
    assert run.out == "created superuser 'alice'\n", run.err
    alice = User.objects.get(username="alice")
    assert alice.is_superuser and alice.email == "a@example.com"
    assert alice.check_password(PASSWORD)


def test_list_json_and_table(cli: Cli, stdin: io.StringIO) -> None:
    assert cli("users", "list", "--json").json() == []
    assert cli("users", "list").out.startswith("no users")
    User.objects.create_user("bob", "b@example.com")
    User.objects.create_superuser("alice", "")
    listed = cli("users", "list", "--json").json()
    assert [(u["username"], u["superuser"], u["active"]) for u in listed] == [
        ("alice", True, True),
        ("bob", False, True),
    ]
    assert listed[1]["email"] == "b@example.com" and listed[1]["last_login"] is None
    assert listed[1]["date_joined"].endswith("Z")
    lines = cli("users", "list").out.splitlines()
    assert lines[0].split() == ["USERNAME", "EMAIL", "ROLE", "ACTIVE", "LAST", "LOGIN", "JOINED"]
    assert lines[2].split()[:5] == ["bob", "b@example.com", "user", "yes", "never"]


def test_passwd(cli: Cli, stdin: io.StringIO) -> None:
    User.objects.create_user("bob", password="old password 1")
    run = cli("users", "passwd", "bob", "--password-stdin")
    assert run.out == "password changed for 'bob'\n"
    assert User.objects.get(username="bob").check_password(PASSWORD)


@pytest.mark.parametrize(
    ("argv", "given", "message"),
    [
        (("users", "passwd", "ghost"), PASSWORD, "no user 'ghost'"),
        (("users", "passwd", "bob"), "short", "password refused: This password is too short"),
        (("users", "passwd", "bob"), "", "no password on standard input"),
        (("users", "create", "bob"), PASSWORD, "user 'bob' already exists"),
        (("users", "create", "carol"), "carol123", "password refused"),
        (("createuser", "bob"), PASSWORD, "user 'bob' already exists"),
    ],
)
def test_errors_are_one_line(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, argv: tuple[str, ...], given: str, message: str
) -> None:
    User.objects.create_user("bob", password="old password 1")
    monkeypatch.setattr("sys.stdin", io.StringIO(given + "\n" if given else ""))
    run = cli(*argv, "--password-stdin")
    one_line_error(run, " ".join(argv[:-1]), message)
    assert User.objects.get(username="bob").check_password("old password 1")
