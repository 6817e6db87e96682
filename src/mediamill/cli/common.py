"""What several verbs share: the database, finding a user, printing a size."""

from __future__ import annotations

from typing import Any

from mediamill.errors import NotFoundError


def open_database() -> None:
    """Set Django up and apply migrations (under the lock that makes concurrent starts safe)."""
    from mediamill.site import migrate

    migrate()


def find_user(username: str) -> Any:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise NotFoundError(f"no user {username!r} (create one with `mediamill createuser`)")
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
