"""What the uploads app asks the web app: where an upload goes, and what follows its arrival.

``destination`` answers before the first byte is stored; ``on_complete`` runs once the
object is in the bucket and has been probed as media. It puts the file in the person's
library and creates its job in the same transaction, through ``jobs.service.create_job``
with a typed ``JobRequest``, so the job is Submitted (and embedded workers woken) before the
last PATCH is even answered. A ``ValidationError`` from either (a bad recipe, a quota) is
shown to the person; the uploads app then removes the object.
"""

from __future__ import annotations

import importlib
import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

from django.db import transaction
from django.urls import reverse

from mediamill.buckets import validate_key
from mediamill.errors import InvalidKeyError, ValidationError
from mediamill.jobs import quotas, service
from mediamill.jobs.requests import JobInput, JobRequest
from mediamill.web import personal, recipes
from mediamill.web.models import MediaFile

if TYPE_CHECKING:
    from django.contrib.auth.models import User

_NAME_MAX = 120


class CompletedUpload(Protocol):
    """What the uploads app hands over (``mediamill.uploads.hooks.CompletedUpload``)."""

    @property
    def user(self) -> User: ...
    @property
    def bucket(self) -> str: ...
    @property
    def key(self) -> str: ...
    @property
    def filename(self) -> str: ...
    @property
    def size(self) -> int: ...
    @property
    def metadata(self) -> Mapping[str, str]: ...


def destination(user: User, filename: str, metadata: Mapping[str, str]) -> tuple[str, str]:
    """``(bucket, key)`` for a new upload: a fresh folder in the person's uploads bucket.

    Refuses at once what would be refused at the end: an unknown recipe, a user without
    buckets, a person at their job limits.
    """
    recipes.choose(metadata.get("recipe"))
    quotas.check_can_submit(user)
    uploads, _ = personal.buckets(user)
    key = f"{secrets.token_hex(8)}/{_safe_name(filename)}"
    try:
        validate_key(key)
    except InvalidKeyError as exc:
        raise ValidationError(
            f"The file name {filename!r} cannot be stored: {exc.message}"
        ) from exc
    return uploads, key


def on_complete(upload: CompletedUpload) -> dict[str, str]:
    """Add the upload to its owner's library and start its job; the page to show next."""
    user = upload.user
    recipe = recipes.choose(upload.metadata.get("recipe"))
    uploads, _ = personal.buckets(user)
    if upload.bucket != uploads:
        raise ValidationError("The upload did not land in your uploads bucket.")
    pipeline = personal.pipeline(user)
    # The same upload reported again (a retried last PATCH): the entry it already made.
    existing = MediaFile.objects.filter(owner=user, bucket=upload.bucket, key=upload.key).first()
    if existing is not None:
        return _result(existing)
    # One transaction: a job refused (a limit, a rule) leaves no library entry behind.
    with transaction.atomic():
        item = MediaFile.objects.create(
            owner=user,
            name=upload.filename[:255],
            bucket=upload.bucket,
            key=upload.key,
            size=upload.size,
            recipe=recipe,
        )
        request = JobRequest(
            pipeline.id,
            JobInput(upload.key),
            recipes.outputs(recipe, _stem(upload.filename), user),
            output_key_prefix=f"files/{item.pk}/",
            user_metadata={"file": str(item.pk)},
        )
        item.job = service.create_job(request, owner=user)
        item.save(update_fields=["job"])
    return _result(item)


def _result(item: MediaFile) -> dict[str, str]:
    return {"detail_url": reverse("web:file", args=[item.pk]), "id": str(item.pk)}


def install() -> None:
    """Register both with the uploads app (called from ``WebConfig.ready``)."""
    hooks = importlib.import_module("mediamill.uploads.hooks")

    def target(user: User, filename: str, metadata: dict[str, str]) -> object:
        bucket, key = destination(user, filename, metadata)
        return hooks.UploadTarget(bucket=bucket, key=key)

    hooks.set_destination(target)
    hooks.set_on_complete(on_complete)


def _safe_name(filename: str) -> str:
    """The browser's name, kept readable: no folders, no leading dots, bounded length."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip().lstrip(".")
    name = "".join(c if c.isprintable() else "_" for c in name)
    return name[-_NAME_MAX:] or "file"


def _stem(filename: str) -> str:
    """``song`` for ``song.mp3``: the name outputs share."""
    name = _safe_name(filename)
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return stem.replace("/", "_") or "file"
