"""Who may read what mediamill keeps on disk: its owner, and nobody else.

The data folder holds the SQLite database (password hashes, session keys, encrypted API
secrets), the secret key and the notification signing key. It is made ``0700`` and those
files ``0600`` when they are created, and ``protect`` puts the modes right again at every
start, for data folders made by an earlier version or copied with a loose umask.
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path

log = logging.getLogger("mediamill.site")

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600

#: Secret files inside the data folder, and the folders that hold them.
SECRET_FILES = ("secret_key", "sns/signing-key.pem")
SECRET_DIRS = ("sns",)

#: What SQLite keeps beside a database file (write-ahead log, shared memory, rollback journal).
SQLITE_COMPANIONS = ("", "-wal", "-shm", "-journal")


def make_private_dir(path: Path) -> None:
    """Create ``path`` (and missing parents) with the folder itself readable by its owner only."""
    path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)


def create_private_file(path: Path) -> None:
    """Create ``path`` empty and owner-only unless it exists (SQLite then gives its WAL and
    shared-memory files the database file's mode)."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))


def protect(data_dir: Path, sqlite_database: Path | None) -> list[Path]:
    """Make the data folder, its secrets and the SQLite files owner-only; return what changed.

    Paths that do not exist are skipped. One that cannot be changed (owned by another user)
    is logged and left: the server still starts.
    """
    wanted: list[tuple[Path, int]] = [(data_dir, PRIVATE_DIR)]
    wanted += [(data_dir / name, PRIVATE_DIR) for name in SECRET_DIRS]
    wanted += [(data_dir / name, PRIVATE_FILE) for name in SECRET_FILES]
    if sqlite_database is not None:
        wanted += [
            (sqlite_database.with_name(sqlite_database.name + suffix), PRIVATE_FILE)
            for suffix in SQLITE_COMPANIONS
        ]
    changed = []
    for path, mode in wanted:
        try:
            current = path.lstat().st_mode & 0o777
        except FileNotFoundError:
            continue
        if current == mode:
            continue
        try:
            path.chmod(mode)
        except OSError as exc:
            log.warning("cannot make %s private (mode %o): %s", path, mode, exc.strerror)
            continue
        changed.append(path)
    if changed:
        log.info("made private: %s", ", ".join(str(p) for p in changed))
    return changed
