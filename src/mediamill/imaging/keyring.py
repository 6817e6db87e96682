"""The secrets that sign resize URLs, kept in ``MEDIAMILL_DATA_DIR/image-keys.json`` (0600).

The file is created with one key on first use. ``rotate`` adds a key and makes it the one
new URLs are signed with; URLs signed with older keys keep verifying until ``retire`` takes
their key out of use. Every change rewrites the file atomically (temporary file, then
rename) under an exclusive lock, so two processes rotating at once both see a whole file.
Servers that share URLs must share this file (the same data folder, or a copy of it).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from mediamill import settings
from mediamill.errors import ConfigurationError, NotFoundError, ValidationError

FILE_NAME = "image-keys.json"

# Parsed files by path, with the (inode, mtime, size) they were parsed at: a verification
# costs one stat() instead of a read and a JSON parse.
_CACHE: dict[Path, tuple[tuple[int, int, int], tuple[SigningKey, ...], str]] = {}
_CACHE_LOCK = threading.Lock()


@dataclass(frozen=True)
class SigningKey:
    key_id: str
    secret: bytes
    created: str
    retired: str | None = None


class Keyring:
    """The signing keys in one file; reads it afresh on each call (it is small)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def _read(self) -> tuple[list[SigningKey], str]:
        """The file's keys; parsed again only when the file was replaced (every change is)."""
        info = os.stat(self.path)
        stamp = (info.st_ino, info.st_mtime_ns, info.st_size)
        with _CACHE_LOCK:
            cached = _CACHE.get(self.path)
        if cached is not None and cached[0] == stamp:
            return list(cached[1]), cached[2]
        keys, current = self._parse()
        with _CACHE_LOCK:
            _CACHE[self.path] = (stamp, tuple(keys), current)
        return keys, current

    def current(self) -> SigningKey:
        """The key new URLs are signed with; the file is created on first use."""
        keys, current = self._read_or_create()
        return next(k for k in keys if k.key_id == current)

    def secret_for(self, key_id: str) -> bytes | None:
        """The secret of a key that may verify URLs, or None (unknown or retired)."""
        keys, _ = self._read_or_create()
        for key in keys:
            if key.key_id == key_id and key.retired is None:
                return key.secret
        return None

    def keys(self) -> tuple[list[SigningKey], str]:
        """Every key (retired ones too) and the current key's ID."""
        return self._read_or_create()

    def rotate(self) -> SigningKey:
        """Add a key and sign new URLs with it; the others keep verifying."""
        with self._locked():
            keys, _ = self._read_or_create(locked=True)
            number = max(int(k.key_id[1:]) for k in keys) + 1
            key = _new_key(f"k{number}")
            self._write([*keys, key], key.key_id)
        return key

    def retire(self, key_id: str) -> SigningKey:
        """Stop ``key_id`` from verifying URLs. The current key cannot be retired."""
        with self._locked():
            keys, current = self._read_or_create(locked=True)
            found = next((k for k in keys if k.key_id == key_id), None)
            if found is None:
                raise NotFoundError(f"no image signing key {key_id!r}")
            if key_id == current:
                raise ValidationError(
                    f"{key_id} signs new URLs: rotate first (`mediamill image-keys rotate`)"
                )
            retired = SigningKey(found.key_id, found.secret, found.created, _now())
            self._write([retired if k.key_id == key_id else k for k in keys], current)
        return retired

    def _read_or_create(self, locked: bool = False) -> tuple[list[SigningKey], str]:
        try:
            return self._read()
        except FileNotFoundError:
            pass
        if locked:
            key = _new_key("k1")
            self._write([key], key.key_id)
            return [key], key.key_id
        with self._locked():
            return self._read_or_create(locked=True)

    def _parse(self) -> tuple[list[SigningKey], str]:
        text = self.path.read_text()
        try:
            data = json.loads(text)
            keys = [
                SigningKey(k["id"], bytes.fromhex(k["secret"]), k["created"], k.get("retired"))
                for k in data["keys"]
            ]
            current = str(data["current"])
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigurationError(
                f"the image signing keys ({FILE_NAME} in the data folder) are unreadable"
            ) from exc
        if not any(k.key_id == current for k in keys):
            raise ConfigurationError(f"{FILE_NAME}: the current key {current!r} is missing")
        return keys, current

    def _write(self, keys: list[SigningKey], current: str) -> None:
        data = {
            "current": current,
            "keys": [
                {
                    "id": k.key_id,
                    "secret": k.secret.hex(),
                    "created": k.created,
                    "retired": k.retired,
                }
                for k in keys
            ],
        }
        temp = self.path.with_name(f".{self.path.name}.{secrets.token_hex(6)}.part")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as out:
                json.dump(data, out, indent=1)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, self.path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path.with_name(f".{self.path.name}.lock"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)


def default_keyring() -> Keyring:
    """The keyring of this installation: in ``MEDIAMILL_DATA_DIR``."""
    return Keyring(Path(settings.get("MEDIAMILL_DATA_DIR")) / FILE_NAME)


def _new_key(key_id: str) -> SigningKey:
    return SigningKey(key_id, secrets.token_bytes(32), _now())


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
