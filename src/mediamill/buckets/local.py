"""A bucket that is a folder: key ``a/b.mp3`` is the file ``ROOT/a/b.mp3``.

Keys are validated before they become paths, and every path is resolved and checked to stay
inside the folder before it is used. The second check is defence in depth: it catches a
symbolic link inside the folder that points elsewhere, which no key check can see.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from mediamill.buckets import events
from mediamill.buckets.base import (
    NAME_MAX_BYTES,
    Bucket,
    ObjectInfo,
    copy_stream,
    folder_in_the_way,
    is_temp_name,
    rename_new,
    temp_name,
    temp_prefix,
)
from mediamill.buckets.events import local_version
from mediamill.buckets.object_keys import key_problem, validate_key
from mediamill.errors import (
    BucketError,
    InvalidKeyError,
    MediamillError,
    ObjectExistsError,
    ObjectNotFoundError,
)


class LocalBucket(Bucket):
    """Objects as files under ``root``, which is created on the first write."""

    def __init__(self, name: str, root: str | os.PathLike[str]) -> None:
        super().__init__(name)
        self.root = Path(root).absolute()

    def __repr__(self) -> str:
        return f"<LocalBucket {self.name!r} at {str(self.root)!r}>"

    def open_read(self, key: str) -> BinaryIO:
        path = self._resolve(key)
        try:
            # O_NONBLOCK: opening a FIFO planted in the folder must not hang the reader.
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        except (FileNotFoundError, NotADirectoryError) as exc:
            raise ObjectNotFoundError(self.name, key) from exc
        except OSError as exc:
            raise self._error("read", key, exc) from exc
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise ObjectNotFoundError(self.name, key)
            return os.fdopen(fd, "rb")
        except BaseException:
            os.close(fd)
            raise

    def write(self, key: str, stream: BinaryIO, *, overwrite: bool = True, tag: str = "") -> int:
        parts = self._parts(key)
        temp: Path | None = None
        stored: os.stat_result | None = None
        try:
            folder = self._make_folder(parts[:-1], key)
            final = folder / parts[-1]
            if _is_folder(final):
                raise folder_in_the_way(key)
            if not overwrite and os.path.lexists(final):
                raise ObjectExistsError(self.name, key)  # early, before copying anything
            temp = folder / temp_name(parts[-1], tag)
            with open(temp, "xb") as out:
                size = copy_stream(stream, out)
                out.flush()
                os.fsync(out.fileno())
            if overwrite:
                # rename() replaces a symbolic link itself, never the file it points to.
                os.replace(temp, final)
            else:
                self._create(temp, final, key)
            stored = os.stat(final) if events.has_subscribers() else None
        except IsADirectoryError as exc:  # a folder appeared under the key meanwhile
            raise folder_in_the_way(key) from exc
        except OSError as exc:
            raise self._error("write", key, exc) from exc
        finally:
            if temp is not None:
                # Any failure here is secondary: it must not replace the error being raised.
                with contextlib.suppress(OSError):
                    os.unlink(temp)
        if stored is not None:
            events.object_created(self.name, key, size, local_version(size, stored.st_mtime_ns))
        return size

    def staging_file(self, key: str, tag: str = "") -> Path:
        """A new, empty hidden file beside ``key``'s final name, for a write in several steps.

        For a writer that receives an object piece by piece (resumable uploads): it appends
        to this file and calls ``publish_staged`` once the object is complete. The key's
        folders are created; the key is checked as for ``write``. ``tag`` as for ``write``.
        """
        parts = self._parts(key)
        try:
            folder = self._make_folder(parts[:-1], key)
            if _is_folder(folder / parts[-1]):
                raise folder_in_the_way(key)
            temp = folder / temp_name(parts[-1], tag)
            os.close(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
        except OSError as exc:
            raise self._error("write", key, exc) from exc
        return temp

    def staged_path(self, key: str, name: str) -> Path:
        """The path of the staging file ``name`` (from ``staging_file``) of ``key``.

        Refused unless ``name`` is a temporary name of ``key`` inside the bucket's folder.
        """
        parts = self._parts(key)
        ours = name.startswith(temp_prefix(parts[-1])) and is_temp_name(name)
        if not ours or "/" in name or "\0" in name:
            raise InvalidKeyError(key, f"{name!r} is not a staging file of this key")
        return self._inside(self.root.joinpath(*parts[:-1]), key) / name

    def publish_staged(self, key: str, name: str) -> int:
        """Give the complete staging file ``name`` the key, create-if-absent; returns its size.

        ``ObjectExistsError`` (the staging file is left for the caller) when an object took
        the key meanwhile, ``InvalidKeyError`` when a folder did.
        """
        temp = self.staged_path(key, name)
        final = temp.parent / self._parts(key)[-1]
        try:
            size = os.stat(temp).st_size
            self._create(temp, final, key)
            with contextlib.suppress(FileNotFoundError):  # gone if renamed (no hard links)
                os.unlink(temp)
        except OSError as exc:
            raise self._error("write", key, exc) from exc
        return size

    def _create(self, temp: Path, final: Path, key: str) -> None:
        """Create-if-absent: ``base.rename_new``, with a taken name mapped to our errors."""
        try:
            rename_new(temp, final)
        except FileExistsError as exc:
            raise self._taken(final, key) from exc

    def _taken(self, final: Path, key: str) -> MediamillError:
        if _is_folder(final):
            return folder_in_the_way(key)
        return ObjectExistsError(self.name, key)

    def check_creatable(self, key: str) -> None:
        parts = self._parts(key)
        path = self.root
        for part in parts[:-1]:
            path = path / part
            if os.path.lexists(path) and not path.is_dir():
                shown = "/".join(parts[: len(path.relative_to(self.root).parts)])
                raise InvalidKeyError(
                    key, f"{shown!r} is an object, so it cannot also be a folder of objects"
                )
        final = self._inside(path / parts[-1], key)
        if _is_folder(final):
            raise folder_in_the_way(key)
        if os.path.lexists(final):
            raise ObjectExistsError(self.name, key)

    def remove_temporary(self, key: str, tag: str) -> list[str]:
        parts = self._parts(key)
        folder = self._inside(self.root.joinpath(*parts[:-1]), key)
        start = temp_prefix(parts[-1], tag)
        removed = []
        try:
            with os.scandir(folder) as found:
                names = [
                    e.name
                    for e in found
                    if e.name.startswith(start)
                    and is_temp_name(e.name)
                    and e.is_file(follow_symlinks=False)
                ]
        except (FileNotFoundError, NotADirectoryError):
            return []
        except OSError as exc:
            raise self._error("clean up", key, exc) from exc
        for name in names:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(folder / name)
                removed.append(name)
        return removed

    def size(self, key: str) -> int:
        return self._stat(key).st_size

    def local_path(self, key: str) -> Path | None:
        path = self._resolve(key)  # resolved once: this is on the path of every served resize
        self._stat_path(path, key)
        return path

    def delete(self, key: str) -> None:
        parts = self._parts(key)
        folder = self._inside(self.root.joinpath(*parts[:-1]), key)
        try:
            os.unlink(folder / parts[-1])
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            pass  # no object: nothing to do
        except OSError as exc:
            raise self._error("delete", key, exc) from exc

    def check(self) -> None:
        """Usable when the folder exists, or could be created (its nearest parent is writable)."""
        if self.root.is_dir():
            if not os.access(self.root, os.R_OK | os.W_OK | os.X_OK):
                raise BucketError(f"bucket {self.name!r}: cannot read and write {str(self.root)!r}")
            return
        if self.root.exists():
            raise BucketError(f"bucket {self.name!r}: {str(self.root)!r} is not a folder")
        parent = self.root.parent
        while not parent.exists():
            parent = parent.parent
        if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
            raise BucketError(
                f"bucket {self.name!r}: the folder {str(self.root)!r} does not exist and "
                f"cannot be created in {str(parent)!r}"
            )

    def list(self, prefix: str = "") -> Iterator[str]:
        if not self.root.is_dir():
            return
        try:
            yield from self._walk(self.root, "", prefix)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise BucketError(f"cannot list bucket {self.name!r}: {reason}") from exc

    def list_objects(self, prefix: str = "") -> Iterator[ObjectInfo]:
        for key in self.list(prefix):
            try:
                found = os.stat(self.root / key, follow_symlinks=False)
            except FileNotFoundError:  # removed since it was listed
                continue
            except OSError as exc:
                raise self._error("list", key, exc) from exc
            version = local_version(found.st_size, found.st_mtime_ns)
            yield ObjectInfo(key, found.st_size, version, found.st_mtime)

    def _walk(self, folder: Path, base: str, prefix: str) -> Iterator[str]:
        # Sorting folders as "name/" yields whole keys in lexicographic order, as S3 does.
        # Symbolic links are not followed: only regular files are objects.
        entries = []
        with os.scandir(folder) as found:
            for entry in found:
                if entry.is_dir(follow_symlinks=False):
                    entries.append((entry.name + "/", True))
                elif entry.is_file(follow_symlinks=False) and not is_temp_name(entry.name):
                    entries.append((entry.name, False))
        for name, is_folder in sorted(entries):
            key = base + name
            if is_folder:
                if key.startswith(prefix) or prefix.startswith(key):
                    yield from self._walk(folder / name, key, prefix)
            elif key.startswith(prefix) and key_problem(key) is None:
                yield key

    def _parts(self, key: str) -> tuple[str, ...]:
        parts = tuple(validate_key(key).split("/"))
        if is_temp_name(parts[-1]):
            raise InvalidKeyError(key, "names like '.NAME.0123456789ab.part' are temporary files")
        for part in parts:
            # Keys count characters, file systems bytes: 255 characters can be 1020 bytes.
            size = len(part.encode())
            if size > NAME_MAX_BYTES:
                raise InvalidKeyError(
                    key,
                    f"a part between slashes is {size} bytes in UTF-8; a local bucket stores "
                    f"at most {NAME_MAX_BYTES} bytes per part",
                )
        return parts

    def _inside(self, path: Path, key: str) -> Path:
        """``path`` with links resolved, refused unless it is within the bucket's folder."""
        real = path.resolve()
        if not real.is_relative_to(self.root.resolve()):
            raise InvalidKeyError(key, "it leads outside the bucket's folder through a link")
        return real

    def _resolve(self, key: str) -> Path:
        return self._inside(self.root.joinpath(*self._parts(key)), key)

    def _stat(self, key: str) -> os.stat_result:
        return self._stat_path(self._resolve(key), key)

    def _stat_path(self, path: Path, key: str) -> os.stat_result:
        try:
            info = os.stat(path)
        except (FileNotFoundError, NotADirectoryError) as exc:
            raise ObjectNotFoundError(self.name, key) from exc
        except OSError as exc:
            raise self._error("read", key, exc) from exc
        if not stat.S_ISREG(info.st_mode):
            raise ObjectNotFoundError(self.name, key)
        return info

    def _make_folder(self, parts: tuple[str, ...], key: str) -> Path:
        """Create the key's folders one level at a time, checking each before going in.

        Nothing is created through a link that leads out: each level is checked before the
        next one is made inside it.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        folder = self._inside(self.root, key)
        for depth, part in enumerate(parts, start=1):
            with contextlib.suppress(FileExistsError):
                (folder / part).mkdir()
            folder = self._inside(folder / part, key)
            if not folder.is_dir():
                shown = "/".join(parts[:depth])
                raise InvalidKeyError(
                    key, f"{shown!r} is an object, so it cannot also be a folder of objects"
                )
        return folder

    def _error(self, action: str, key: str, exc: OSError) -> BucketError:
        reason = exc.strerror or str(exc)
        return BucketError(f"cannot {action} {key!r} in bucket {self.name!r}: {reason}")


def _is_folder(path: Path) -> bool:
    """A real folder, not a link to one (links are never followed into objects)."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False
