"""Resumable uploads: create, receive pieces, complete once, terminate, expire.

::

    create ──> RECEIVING ──(pieces; offset saved after each is stored)──> offset == length
                   │                                                          │
           terminate / expiry: staging removed, row deleted          COMPLETING (one request wins)
                                                                              │
          publish (create-if-absent) ─> probe ─ not media ─> object removed, row deleted, 422
                                          └─ media ─> web app's handler (once) ─> COMPLETE

A request writing bytes holds the upload (``busy_until``, a lease), so two requests never
write the same upload at once; a retried piece whose first attempt is still being written
is answered 423 (tus clients wait and retry). Every lookup is by ID **and owner**: another
user's upload does not exist for them. A COMPLETE upload stays until it expires, so a
retried last piece, or a HEAD after a lost answer, gets the same result, and the handler
is never called twice.
"""

from __future__ import annotations

import datetime
import logging
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Q, Sum
from django.utils import timezone

from mediamill import settings
from mediamill.buckets import get_bucket
from mediamill.errors import (
    ConfigurationError,
    InvalidStateError,
    LimitExceededError,
    MediaError,
    NotFoundError,
    ValidationError,
)
from mediamill.jobs import bucket_access, quotas
from mediamill.probe import probe
from mediamill.uploads import hooks
from mediamill.uploads.models import Upload, UploadStatus
from mediamill.uploads.protocol import clean_filename
from mediamill.uploads.storage import Readable, check_piece, staging_for

if TYPE_CHECKING:
    from django.contrib.auth.models import User

log = logging.getLogger(__name__)

#: Expired uploads removed per round of the sweep.
SWEEP_BATCH = 500
#: How long one request may hold an upload while it stores a piece.
WRITE_LEASE = datetime.timedelta(minutes=10)


class UploadTooLargeError(LimitExceededError):
    """Upload-Length over ``MEDIAMILL_UPLOAD_MAX_MB`` (413)."""


class OffsetMismatchError(InvalidStateError):
    """The piece does not start where the stored bytes end (409); ``.offset`` is theirs."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


class UploadBusyError(InvalidStateError):
    """Another request is writing this upload (423)."""


class NotMediaError(ValidationError):
    """The complete file is not media, or the web app refused it (422); it was removed."""


class NoDestinationError(ConfigurationError):
    """No web app installed a destination (503)."""


@dataclass(frozen=True)
class Received:
    """How far an upload got after a piece, and the web app's result once complete."""

    upload: Upload
    result: dict[str, str] | None


def expiry() -> datetime.datetime:
    return timezone.now() + datetime.timedelta(
        hours=float(settings.get("MEDIAMILL_UPLOAD_EXPIRY_HOURS"))
    )


def max_length() -> int:
    return int(settings.get("MEDIAMILL_UPLOAD_MAX_MB")) * 1024 * 1024


def create(user: User, length: int, metadata: dict[str, str]) -> Upload:
    """A new upload of ``length`` bytes for ``user``, placed where the web app says."""
    if length > max_length():
        raise UploadTooLargeError(
            f"The file is {length} bytes; the largest upload allowed is "
            f"{settings.get('MEDIAMILL_UPLOAD_MAX_MB')} MiB."
        )
    if length == 0:
        raise ValidationError("The file is empty.")
    pending = Upload.objects.filter(owner=user, status=UploadStatus.RECEIVING).aggregate(
        total=Sum("length")
    )["total"]
    # The quota counts what is being uploaded too, so parallel uploads cannot overshoot it.
    quotas.check_can_store(user, length + int(pending or 0))
    choose = hooks.destination()
    if choose is None:
        raise NoDestinationError("Uploads are not available: no destination is configured.")
    filename = clean_filename(metadata.get("filename") or metadata.get("name") or "")
    target = choose(user, filename, dict(metadata))
    bucket_access.check(user, [target.bucket], "upload into")
    get_bucket(target.bucket).check_creatable(target.key)
    upload = Upload(
        id=secrets.token_hex(16),
        owner=user,
        bucket=target.bucket,
        key=target.key,
        filename=filename,
        metadata=dict(metadata),
        length=length,
        expires_at=expiry(),
    )
    staging = staging_for(target.bucket)
    staging.start(upload)
    try:
        upload.save(force_insert=True)
    except BaseException:
        staging.discard(upload)
        raise
    return upload


def find(upload_id: str, user: User) -> Upload:
    """The user's upload with this ID; ``NotFoundError`` for any other, or an expired one."""
    upload = Upload.objects.filter(pk=upload_id, owner=user, expires_at__gt=timezone.now()).first()
    if upload is None:
        raise NotFoundError("No such upload.")
    return upload


def receive(upload_id: str, user: User, offset: int, stream: Readable, count: int) -> Received:
    """Store a piece of ``count`` bytes starting at ``offset``; complete the upload at the end."""
    upload = _claim(upload_id, user, offset, count)
    if upload is None:  # complete already: a retried last piece
        done = find(upload_id, user)
        return Received(done, done.result)
    try:
        if upload.offset + count > upload.length:
            raise ValidationError(
                f"The piece ends at byte {upload.offset + count}, past the upload's length "
                f"({upload.length})."
            )
        check_piece(upload, count)
        staging = staging_for(upload.bucket)

        def save(new_offset: int, etags: list[str]) -> None:
            Upload.objects.filter(pk=upload.pk).update(
                offset=new_offset, part_etags=etags, expires_at=expiry()
            )
            upload.offset, upload.part_etags = new_offset, etags

        staging.append(upload, stream, count, save)
        if upload.offset < upload.length:
            return Received(upload, None)
        return Received(upload, _complete(upload))
    finally:
        Upload.objects.filter(pk=upload.pk, status=UploadStatus.RECEIVING).update(busy_until=None)


def _claim(upload_id: str, user: User, offset: int, count: int) -> Upload | None:
    """Hold the upload for this request, or raise why not; None if it is complete already."""
    now = timezone.now()
    held = (
        Upload.objects.filter(
            pk=upload_id,
            owner=user,
            status=UploadStatus.RECEIVING,
            offset=offset,
            expires_at__gt=now,
        )
        .filter(Q(busy_until__isnull=True) | Q(busy_until__lt=now))
        .update(busy_until=now + WRITE_LEASE)
    )
    upload = find(upload_id, user)
    if held:
        return upload
    if upload.status == UploadStatus.COMPLETE and offset == upload.length and count == 0:
        return None
    if upload.offset != offset or upload.status == UploadStatus.COMPLETE:
        raise OffsetMismatchError(
            f"The upload is at byte {upload.offset}, not {offset}.", upload.offset
        )
    raise UploadBusyError("Another request is storing a piece of this upload; try again.")


def _complete(upload: Upload) -> dict[str, str]:
    """Publish, probe and hand over the complete upload; exactly one request gets here."""
    claimed = Upload.objects.filter(pk=upload.pk, status=UploadStatus.RECEIVING).update(
        status=UploadStatus.COMPLETING
    )
    if not claimed:
        raise UploadBusyError("This upload is being completed by another request.")
    staging = staging_for(upload.bucket)
    try:
        staging.publish(upload)
    except BaseException:
        staging.discard(upload)
        upload.delete()
        raise
    try:
        with staging.local_copy(upload) as path:
            probe(path)
        handler = hooks.on_complete()
        if handler is None:
            raise NoDestinationError("Uploads are not available: nothing receives them.")
        result = handler(
            hooks.CompletedUpload(
                user=upload.owner,
                bucket=upload.bucket,
                key=upload.key,
                filename=upload.filename,
                size=upload.length,
                metadata=dict(upload.metadata),
            )
        )
    except MediaError as exc:
        _remove(upload)
        raise NotMediaError(
            f"{upload.filename} is not an audio or video file this server can read "
            f"({exc.message}); it was removed."
        ) from exc
    except ValidationError as exc:
        _remove(upload)
        raise NotMediaError(f"{upload.filename} was refused: {exc.message}") from exc
    except BaseException:
        _remove(upload)
        raise
    Upload.objects.filter(pk=upload.pk).update(
        status=UploadStatus.COMPLETE, result=result, busy_until=None, expires_at=expiry()
    )
    upload.status, upload.result = UploadStatus.COMPLETE, result
    log.info("upload %s complete: %s/%s", upload.pk, upload.bucket, upload.key)
    return result


def _remove(upload: Upload) -> None:
    get_bucket(upload.bucket).delete(upload.key)
    upload.delete()


def terminate(upload_id: str, user: User) -> None:
    """Stop an unfinished upload and remove what arrived (tus termination)."""
    upload = find(upload_id, user)
    if upload.status == UploadStatus.COMPLETING:
        raise UploadBusyError("This upload is being completed; it cannot be stopped now.")
    if upload.status == UploadStatus.RECEIVING:
        staging_for(upload.bucket).discard(upload)
    upload.delete()


def remove_expired(now: datetime.datetime | None = None) -> int:
    """Remove uploads past their expiry and what they stored; returns how many."""
    now = now or timezone.now()
    removed = 0
    for upload in Upload.objects.filter(expires_at__lte=now).order_by("expires_at")[:SWEEP_BATCH]:
        busy = upload.busy_until is not None and upload.busy_until > now
        if busy:
            continue
        if upload.status != UploadStatus.COMPLETE:
            try:
                staging_for(upload.bucket).discard(upload)
            except Exception:  # one unreachable bucket must not stop the sweep
                log.exception("cannot remove the stored part of expired upload %s", upload.pk)
                continue
        if Upload.objects.filter(pk=upload.pk, expires_at__lte=now).delete()[0]:
            removed += 1
    return removed
