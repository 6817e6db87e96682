"""The secret key: from ``MEDIAMILL_SECRET_KEY``, or generated once and kept on disk."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from mediamill.errors import ConfigurationError
from mediamill.site.files import make_private_dir

FILENAME = "secret_key"


def secret_key(configured: str, data_dir: Path) -> str:
    """``configured`` if set; otherwise the key in ``data_dir/secret_key``, made on first use.

    The file is created readable by its owner only, and atomically: it is written under a
    temporary name and hard-linked into place, so two processes starting at once agree on
    one key and neither can read a half-written file.
    """
    if configured:
        return configured
    path = data_dir / FILENAME
    if not path.exists():
        _create(path)
    key = path.read_text().strip()
    if not key:
        raise ConfigurationError(f"{path} is empty: delete it to have a new key generated")
    return key


def _create(path: Path) -> None:
    make_private_dir(path.parent)
    temp = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_urlsafe(50) + "\n")
            file.flush()
            os.fsync(file.fileno())
        with contextlib.suppress(FileExistsError):  # another process won the race: use its key
            os.link(temp, path)
    finally:
        temp.unlink(missing_ok=True)
