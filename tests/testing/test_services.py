"""mediamill.testing's service starters: each run gets a space of its own on the shared
servers, and leaves nothing behind; a server that is not there is reported with the reason."""

from __future__ import annotations

import re
import subprocess

import pytest

from mediamill.testing import (
    PostgresDatabase,
    RabbitMQVhost,
    RedisDatabase,
    ServiceUnavailable,
)
from mediamill.testing.pytest_plugin import started
from mediamill.testing.rabbitmq import rabbitmqctl
from mediamill.testing.services import run_name


def test_run_names_are_unique_and_valid_everywhere() -> None:
    first, second = run_name("Cluster RabbitMQ!"), run_name("Cluster RabbitMQ!")
    assert first != second
    assert re.fullmatch(r"mediamill_cluster_rabbitmq_\d+_[0-9a-f]{8}", first), first
    assert len(run_name("x" * 200)) <= 63  # PostgreSQL's limit for a name


@pytest.mark.parametrize(
    ("variable", "url", "starter", "reason"),
    [
        ("MEDIAMILL_TEST_POSTGRES_URL", "postgres://nobody@127.0.0.1:1/x", PostgresDatabase,
         "PostgreSQL is not reachable"),
        ("MEDIAMILL_TEST_REDIS_URL", "redis://127.0.0.1:1", RedisDatabase,
         "Redis is not reachable at redis://127.0.0.1:1"),
        pytest.param(
            "MEDIAMILL_TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:1", RabbitMQVhost,
            "RabbitMQ is not reachable at amqp://guest:guest@127.0.0.1:1",
            marks=pytest.mark.slow,  # kombu tries again for 2 s
        ),
    ],
)  # fmt: skip
def test_an_unreachable_server_is_reported_with_the_reason(
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    url: str,
    starter: type[PostgresDatabase | RedisDatabase | RabbitMQVhost],
    reason: str,
) -> None:
    monkeypatch.setenv(variable, url)
    with pytest.raises(ServiceUnavailable, match=re.escape(reason)):
        starter("x").start()


@pytest.mark.services
def test_postgres_database_is_fresh_and_dropped_afterwards() -> None:
    import psycopg

    with started(PostgresDatabase("starter")) as database:
        server = database.server_url
        with psycopg.connect(database.url) as conn:
            row = conn.execute(
                "SELECT current_database(), count(*) FROM information_schema.tables "
                "WHERE table_schema = 'public'"
            ).fetchone()
        assert row == (database.name, 0)
    with psycopg.connect(server) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database.name])
        assert found.fetchone() is None, "dropped"


@pytest.mark.services
def test_two_runs_never_share_a_redis_database() -> None:
    import redis

    with started(RedisDatabase("a")) as first, started(RedisDatabase("b")) as second:
        assert first.number != second.number
        client = redis.Redis.from_url(first.url)
        client.set("mediamill:test", "1")
        assert redis.Redis.from_url(second.url).get("mediamill:test") is None
    assert client.dbsize() == 0, "emptied, claim included"


@pytest.mark.services
def test_rabbitmq_vhost_is_usable_and_deleted_afterwards() -> None:
    import kombu

    def vhosts() -> str:
        run = subprocess.run(
            ["rabbitmqctl", "list_vhosts", "-q"], capture_output=True, text=True, check=True
        )
        return run.stdout

    with started(RabbitMQVhost("starter")) as vhost:
        assert vhost.name in vhosts().split()
        with kombu.Connection(vhost.url, connect_timeout=3) as conn:  # type: ignore[attr-defined, no-untyped-call]
            conn.connect()
            channel = conn.channel()
            channel.queue_declare("mediamill.test", auto_delete=True)
    assert vhost.name not in vhosts().split()
    with pytest.raises(ServiceUnavailable, match="delete_vhost"):
        rabbitmqctl("delete_vhost", vhost.name)  # already gone
