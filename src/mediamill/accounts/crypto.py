"""Encryption of stored secrets with a key derived from Django's SECRET_KEY.

Changing ``MEDIAMILL_SECRET_KEY`` makes every stored access key unusable (they must be
created again); that is the intended way to invalidate them all at once.
"""

from __future__ import annotations

import base64
import functools

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


def _fernet() -> Fernet:
    return _fernet_for(settings.SECRET_KEY)


@functools.lru_cache(maxsize=4)
def _fernet_for(secret_key: str) -> Fernet:
    # Derived once per server secret, not once per API request.
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"mediamill access keys"
    ).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def decrypt(ciphertext: str) -> str | None:
    """The secret, or None if it was encrypted under another server secret key."""
    try:
        return _fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken:
        return None
