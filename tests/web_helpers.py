"""Helpers shared by the web app's tests: people, uploads placed as the uploads app would."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mediamill.buckets import get_bucket
from mediamill.web import upload_handlers
from mediamill.web.models import MediaFile

if TYPE_CHECKING:
    from django.contrib.auth.models import User

PASSWORD = "a long enough passphrase 42"


@dataclass(frozen=True)
class Arrived:
    """A ``mediamill.uploads.hooks.CompletedUpload`` as the uploads app hands it over."""

    user: User
    bucket: str
    key: str
    filename: str
    size: int
    metadata: Mapping[str, str] = field(default_factory=dict)


def person(username: str) -> User:
    from django.contrib.auth.models import User

    return User.objects.create_user(username, f"{username}@example.org", PASSWORD)


def upload(user: User, source: Path, filename: str | None = None, **metadata: str) -> MediaFile:
    """What an upload through the uploads app amounts to: the object stored where
    ``destination`` says, then ``on_complete`` called. Returns the library entry."""
    name = filename or source.name
    bucket, key = upload_handlers.destination(user, name, metadata)
    size = get_bucket(bucket).upload_file(key, source)
    result = upload_handlers.on_complete(Arrived(user, bucket, key, name, size, metadata))
    return MediaFile.objects.get(pk=int(result["id"]))


def tutorial_recipe() -> None:
    """The default recipe the migration adds (transactional tests flush it between tests)."""
    from mediamill.web.models import Recipe
    from mediamill.web.recipes import TUTORIAL_PRESETS

    if not Recipe.objects.filter(is_default=True).exists():
        Recipe.objects.create(
            name="Audio: WAV, FLAC and AAC", preset_ids=list(TUTORIAL_PRESETS), is_default=True
        )
