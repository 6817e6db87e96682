"""``DATABASE_URL`` to Django's ``DATABASES["default"]``.

Two engines are supported: SQLite (the embedded mode) and PostgreSQL through psycopg 3 (the
distributed mode). Anything else is a configuration error naming the variable.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from mediamill.errors import ConfigurationError
from mediamill.site.files import create_private_file, make_private_dir

_POSTGRES_SCHEMES = ("postgres", "postgresql", "pgsql")

# SQLite serves several worker threads plus web requests. WAL lets readers proceed while one
# writer writes; IMMEDIATE transactions take the write lock at BEGIN, so two writers queue on
# the busy timeout instead of deadlocking when both try to upgrade a read lock ("database is
# locked" that no timeout can cure).
_SQLITE_OPTIONS = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 30,
}


def database_config(url: str, data_dir: Path) -> dict[str, Any]:
    """The Django database settings for ``url``; empty means SQLite inside ``data_dir``."""
    if not url:
        return _sqlite(data_dir / "mediamill.sqlite3")
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        # sqlite:///relative/path and sqlite:////absolute/path, as dj-database-url reads them.
        name = unquote(parts.path[1:])
        if not name:
            raise ConfigurationError("DATABASE_URL: a sqlite:/// URL needs a file path")
        return _sqlite(Path(name))
    if parts.scheme in _POSTGRES_SCHEMES:
        return _postgres(url)
    raise ConfigurationError(
        f"DATABASE_URL: unsupported scheme {parts.scheme!r} (use postgres:// or sqlite:///)"
    )


def _sqlite(path: Path) -> dict[str, Any]:
    path = path.resolve()
    make_private_dir(path.parent)
    # Created owner-only before SQLite opens it: it holds password hashes and session keys,
    # and SQLite gives the WAL and shared-memory files the same mode.
    create_private_file(path)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": dict(_SQLITE_OPTIONS),
    }


def _postgres(url: str) -> dict[str, Any]:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError as exc:
        raise ConfigurationError(f"DATABASE_URL: {exc}") from exc
    name = unquote(parts.path[1:])
    if not name:
        raise ConfigurationError("DATABASE_URL: a postgres:// URL needs a database name")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        # A percent-encoded host is a socket folder: postgres://%2Fvar%2Frun%2Fpostgresql/db
        "HOST": unquote(parts.hostname or ""),
        "PORT": str(port or ""),
        # Query parameters are libpq options (sslmode=require, connect_timeout=5, ...).
        "OPTIONS": dict(parse_qsl(parts.query)),
        "CONN_HEALTH_CHECKS": True,
    }
