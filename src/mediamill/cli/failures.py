"""Every failure of a command as one line: what went wrong, in words a user can act on."""

from __future__ import annotations

import sys

from mediamill.errors import MediamillError


def describe(exc: BaseException) -> tuple[str, bool]:
    """The message for ``exc``, and whether it is an expected failure (no traceback hint)."""
    if isinstance(exc, MediamillError):
        return str(exc), True
    if isinstance(exc, EOFError):
        return "standard input ended before the answer was read (no terminal?)", True
    if _is_database_error(exc):
        return f"the database failed: {first_line(exc)} (check DATABASE_URL)", True
    if isinstance(exc, OSError) and exc.strerror:
        where = f": {exc.filename}" if exc.filename else ""
        return f"{exc.strerror}{where}", True
    return f"unexpected {type(exc).__name__}: {first_line(exc)}", False


def first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0].strip() if lines else type(exc).__name__


def _is_database_error(exc: BaseException) -> bool:
    # Only when Django is loaded at all: `mediamill transcode` never imports it.
    if "django.db" not in sys.modules:
        return False
    from django.db import Error

    return isinstance(exc, Error)
