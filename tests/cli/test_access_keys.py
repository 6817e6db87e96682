"""``mediamill keys create|list|revoke``: JSON output and one-line errors, in this process."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from tests.cli.conftest import Cli, one_line_error

pytestmark = pytest.mark.django_db


def test_create_list_revoke_json(cli: Cli) -> None:
    User.objects.create_user("alice")
    pair = cli("keys", "create", "--user", "alice", "--json").json()
    assert set(pair) == {"aws_access_key_id", "aws_secret_access_key"}
    [listed] = cli("keys", "list", "--json").json()
    assert (listed["id"], listed["user"], listed["active"]) == (
        pair["aws_access_key_id"], "alice", True,
    )  # fmt: skip
    assert listed["last_used"] is None and listed["created"].endswith("Z")
    assert cli("keys", "revoke", pair["aws_access_key_id"]).status == 0
    assert cli("keys", "list", "--json").json()[0]["active"] is False
    table = cli("keys", "list").out.splitlines()
    assert table[0].split() == ["ID", "USER", "CREATED", "LAST", "USED", "STATUS", "DESCRIPTION"]
    assert "revoked" in table[1] and "never" in table[1]


def test_empty_list(cli: Cli) -> None:
    assert cli("keys", "list", "--json").json() == []
    assert cli("keys", "list").out.startswith("no access keys (create one with")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("keys", "revoke", "NOPE"), "NOPE"),
        (("keys", "create", "--user", "ghost"), "no user 'ghost'"),
        (("keys", "list", "--user", "ghost"), "no user 'ghost'"),
    ],
)
def test_errors_are_one_line(cli: Cli, argv: tuple[str, ...], message: str) -> None:
    one_line_error(cli(*argv), " ".join(argv[:2]), message)
