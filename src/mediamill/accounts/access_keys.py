"""Creating, listing, revoking and looking up access keys."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils import timezone

from mediamill.accounts import crypto
from mediamill.accounts.models import AccessKey
from mediamill.errors import NotFoundError

if TYPE_CHECKING:
    from django.contrib.auth.models import User

_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def create_key(user: User, description: str = "") -> tuple[str, str]:
    """A new key for ``user``: ``(access_key_id, secret)``. The secret is shown only now."""
    key_id = "MMAK" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(16))
    secret = secrets.token_urlsafe(30)  # 40 characters, like AWS secrets
    AccessKey.objects.create(
        id=key_id, user=user, description=description, secret_ciphertext=crypto.encrypt(secret)
    )
    return key_id, secret


def revoke(key_id: str) -> None:
    updated = AccessKey.objects.filter(pk=key_id, revoked__isnull=True).update(
        revoked=timezone.now()
    )
    if not updated and not AccessKey.objects.filter(pk=key_id).exists():
        raise NotFoundError(f"no access key {key_id!r}")


def list_keys(user: User | None = None) -> QuerySet[AccessKey]:
    keys = AccessKey.objects.select_related("user")
    return keys if user is None else keys.filter(user=user)


def lookup(key_id: str) -> tuple[User, str] | None:
    """The owner and secret of an active key, or None (unknown, revoked, user inactive)."""
    found = find(key_id)
    return None if found is None else (found[0].user, found[1])


def find(key_id: str) -> tuple[AccessKey, str] | None:
    """An active key (with its user) and its secret, or None."""
    key = (
        AccessKey.objects.select_related("user")
        .filter(pk=key_id, revoked__isnull=True, user__is_active=True)
        .first()
    )
    if key is None:
        return None
    secret = crypto.decrypt(key.secret_ciphertext)
    return None if secret is None else (key, secret)


def mark_used(key: AccessKey) -> None:
    """Record when a key was last used, at most once a minute.

    Decided on the row already read, so an API request writes to the database only when the
    record is stale, not on every call.
    """
    now = timezone.now()
    if key.last_used is None or key.last_used < now - dt.timedelta(minutes=1):
        AccessKey.objects.filter(pk=key.pk).update(last_used=now)
