"""The signing keys: created on first use (0600), rotated, retired."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from mediamill.errors import NotFoundError, ValidationError
from mediamill.imaging import Keyring


def test_created_on_first_use_readable_only_by_the_owner(tmp_path: Path) -> None:
    ring = Keyring(tmp_path / "data" / "image-keys.json")
    key = ring.current()
    assert key.key_id == "k1" and len(key.secret) == 32
    mode = stat.S_IMODE(ring.path.stat().st_mode)
    assert mode == 0o600
    assert Keyring(ring.path).current() == key, "the same key on the next read"


def test_rotation_keeps_old_keys_verifying_until_retired(tmp_path: Path) -> None:
    ring = Keyring(tmp_path / "image-keys.json")
    old = ring.current()
    new = ring.rotate()
    assert new.key_id == "k2" and ring.current() == new
    assert ring.secret_for("k1") == old.secret and ring.secret_for("k2") == new.secret
    ring.retire("k1")
    assert ring.secret_for("k1") is None and ring.secret_for("k2") == new.secret
    keys, current = ring.keys()
    assert [k.key_id for k in keys] == ["k1", "k2"] and current == "k2"
    assert keys[0].retired is not None


def test_the_current_key_and_unknown_keys_cannot_be_retired(tmp_path: Path) -> None:
    ring = Keyring(tmp_path / "image-keys.json")
    with pytest.raises(ValidationError, match="rotate first"):
        ring.retire(ring.current().key_id)
    with pytest.raises(NotFoundError, match="no image signing key 'k7'"):
        ring.retire("k7")
