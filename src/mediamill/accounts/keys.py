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
    key = (
        AccessKey.objects.select_related("user")
        .filter(pk=key_id, revoked__isnull=True, user__is_active=True)
        .first()
    )
    if key is None:
        return None
    secret = crypto.decrypt(key.secret_ciphertext)
    return None if secret is None else (key.user, secret)


def mark_used(key_id: str) -> None:
    """Record when a key was last used, at most once a minute (it is one UPDATE per call)."""
    now = timezone.now()
    AccessKey.objects.filter(pk=key_id).exclude(last_used__gt=now - dt.timedelta(minutes=1)).update(
        last_used=now
    )
