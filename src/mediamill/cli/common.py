"""What several commands share: the database, finding a user, printing a size."""

from __future__ import annotations

import sys
from typing import Any

from mediamill.errors import ConfigurationError, NotFoundError


def open_database() -> None:
    """Set Django up and apply migrations (under the lock that makes concurrent starts safe).

    Says on stderr which data folder is used when it is the default one, so a command run
    from an unexpected place never silently works on a database of its own. A database that
    cannot be reached is a one-line ``ConfigurationError``.
    """
    from django.db import Error as DatabaseError

    from mediamill.cli.failures import first_line
    from mediamill.site import migrate

    try:
        migrate()
    except DatabaseError as exc:
        raise ConfigurationError(
            f"cannot use the database ({database_label()}): {first_line(exc)}"
        ) from exc
    announce_data_dir()


def database_label() -> str:
    """Which database, without its password: ``postgresql db@host:port`` or the SQLite file."""
    from django.conf import settings

    config = settings.DATABASES["default"]
    if config["ENGINE"].endswith("sqlite3"):
        return f"SQLite {config['NAME']}"
    host = config.get("HOST") or "local socket"
    port = f":{config['PORT']}" if config.get("PORT") else ""
    return f"PostgreSQL {config['NAME']} on {host}{port}, from DATABASE_URL"


def announce_data_dir() -> None:
    """One line on stderr naming the data folder, when it is the per-user default rather
    than one MEDIAMILL_DATA_DIR chose."""
    from mediamill import settings

    if not settings.get_raw("MEDIAMILL_DATA_DIR"):
        folder = settings.get("MEDIAMILL_DATA_DIR")
        print(
            f"mediamill: data in {folder} (set MEDIAMILL_DATA_DIR to use another folder)",
            file=sys.stderr,
        )


def find_user(username: str) -> Any:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise NotFoundError(f"no user {username!r} (create one with `mediamill users create`)")
    return user


def human_size(size: int) -> str:
    """``512 B``, ``3.0 MiB``..."""
    if size < 1024:
        return f"{size} B"
    value = float(size)
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        value /= 1024
        if value < 1024 or unit == "TiB":
            break
    return f"{value:.1f} {unit}"
