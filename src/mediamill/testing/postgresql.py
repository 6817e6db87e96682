"""A fresh PostgreSQL database for one run, created on the local server and dropped after.

    with PostgresDatabase("cluster") as db:
        os.environ["DATABASE_URL"] = db.url

The server is ``MEDIAMILL_TEST_POSTGRES_URL`` when set, else the first of ``CANDIDATES``
that answers. Its user must be allowed to create databases (trust authentication on the
machines mediamill is developed on). Needs psycopg (``pip install 'mediamill[postgres]'``).
"""

from __future__ import annotations

import os
from types import TracebackType
from typing import Any

from mediamill.testing.services import POSTGRES_URL_VARIABLE, ServiceUnavailable, run_name

#: Where to look when ``MEDIAMILL_TEST_POSTGRES_URL`` is not set: each a maintenance database.
CANDIDATES = (
    "postgres://postgres@127.0.0.1:5432/postgres",
    "postgres://root@127.0.0.1:5432/postgres",
)
CONNECT_TIMEOUT = 3


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError as exc:
        raise ServiceUnavailable(
            "psycopg is not installed: pip install 'mediamill[postgres]'"
        ) from exc
    return psycopg


def find_server() -> tuple[str, str]:
    """(URL of a reachable server's maintenance database, the server's version).

    ``ServiceUnavailable``, naming every URL tried and why it failed, when none answers.
    """
    psycopg = _psycopg()
    configured = os.environ.get(POSTGRES_URL_VARIABLE)
    problems = []
    for url in [configured] if configured else CANDIDATES:
        try:
            with psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT) as conn:
                row = conn.execute("SHOW server_version").fetchone()
        except psycopg.Error as exc:
            problems.append(f"{url}: {str(exc).strip()}")
        else:
            return url, str(row[0]) if row else "?"
    raise ServiceUnavailable(f"PostgreSQL is not reachable ({'; '.join(problems)})")


def database_url(server_url: str, name: str) -> str:
    """The URL of database ``name`` on the server of ``server_url``."""
    return server_url.rsplit("/", 1)[0] + "/" + name


class PostgresDatabase:
    """One database, ``mediamill_LABEL_PID_RANDOM``, for the time of a ``with`` block.

    ``start`` creates it (empty); ``stop`` drops it, closing whatever connections are left.
    """

    def __init__(self, label: str = "test") -> None:
        self.name = run_name(label)
        self.server_url = ""
        self.server_version = ""

    @property
    def url(self) -> str:
        if not self.server_url:
            raise ServiceUnavailable("the database does not exist yet: call start() first")
        return database_url(self.server_url, self.name)

    def start(self) -> PostgresDatabase:
        self.server_url, self.server_version = find_server()
        self._execute("CREATE DATABASE {}")
        return self

    def stop(self) -> None:
        """Drop the database; safe to call twice or after a failed ``start``."""
        if self.server_url:
            self._execute("DROP DATABASE IF EXISTS {} WITH (FORCE)")
            self.server_url = ""

    def __enter__(self) -> PostgresDatabase:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _execute(self, statement: str) -> None:
        psycopg = _psycopg()
        from psycopg import sql

        query = sql.SQL(statement).format(sql.Identifier(self.name))
        try:
            with psycopg.connect(
                self.server_url, autocommit=True, connect_timeout=CONNECT_TIMEOUT
            ) as conn:
                conn.execute(query)
        except psycopg.Error as exc:
            raise ServiceUnavailable(
                f"PostgreSQL at {self.server_url}: {statement.format(self.name)} failed: "
                f"{str(exc).strip()}"
            ) from exc
