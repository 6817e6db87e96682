"""pytest fixtures for real servers, and the ``services`` marker that follows them.

Load it from a ``conftest.py`` (``pytest_plugins = ["mediamill.testing.pytest_plugin"]``).
Session-scoped fixtures, each started on first use and removed at the end of the run:

    s3_server          a SeaweedFS S3 server (``SeaweedFS``)
    postgres_database  a fresh PostgreSQL database (``PostgresDatabase``): ``.url``
    rabbitmq_vhost     a RabbitMQ virtual host of the run's own (``RabbitMQVhost``): ``.url``
    redis_database     an empty Redis database number of the run's own (``RedisDatabase``): ``.url``

A test that uses one of them, directly or through other fixtures, is marked ``services``
when it is collected, wherever its file lives: ``pytest -m "not services"`` runs without
any server. A server that cannot be used skips the test with the reason, unless
``MEDIAMILL_REQUIRE_SERVICES=1``, where that fails it (``unavailable``). Code that starts a
server of its own (several databases, say) uses ``started(starter)`` for the same rule and
marks its tests ``services`` itself.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import NoReturn, Protocol, TypeVar

import pytest

from mediamill.testing.postgresql import PostgresDatabase
from mediamill.testing.rabbitmq import RabbitMQVhost
from mediamill.testing.redis_db import RedisDatabase
from mediamill.testing.seaweedfs import SeaweedFS
from mediamill.testing.services import ServiceUnavailable, require_services

#: The fixtures that need a server; a test whose fixture closure holds one is ``services``.
SERVICE_FIXTURES = frozenset({"s3_server", "postgres_database", "rabbitmq_vhost", "redis_database"})


class Starter(Protocol):
    def start(self) -> object: ...
    def stop(self) -> None: ...


S = TypeVar("S", bound=Starter)


def unavailable(reason: str) -> NoReturn:
    """Skip the test for ``reason``, or fail it when ``MEDIAMILL_REQUIRE_SERVICES=1``."""
    if require_services():
        pytest.fail(f"{reason} (MEDIAMILL_REQUIRE_SERVICES=1)")
    pytest.skip(reason)


@contextlib.contextmanager
def started(starter: S) -> Iterator[S]:
    """``starter`` started for the block and stopped after; unusable means ``unavailable``."""
    try:
        starter.start()
    except ServiceUnavailable as exc:
        unavailable(exc.message)
    try:
        yield starter
    finally:
        starter.stop()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "services: needs a real server (PostgreSQL, RabbitMQ, Redis, SeaweedFS); "
        "applied to every test using a fixture of mediamill.testing.pytest_plugin",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SERVICE_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.services)


@pytest.fixture(scope="session")
def s3_server() -> Iterator[SeaweedFS]:
    with started(SeaweedFS()) as server:
        yield server


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[PostgresDatabase]:
    with started(PostgresDatabase("tests")) as database:
        yield database


@pytest.fixture(scope="session")
def rabbitmq_vhost() -> Iterator[RabbitMQVhost]:
    with started(RabbitMQVhost("tests")) as vhost:
        yield vhost


@pytest.fixture(scope="session")
def redis_database() -> Iterator[RedisDatabase]:
    with started(RedisDatabase("tests")) as database:
        yield database
