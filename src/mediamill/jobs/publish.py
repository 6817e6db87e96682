"""Storing a job's outputs in its output bucket without replacing anything.

CreateJob refuses output keys that exist (code 3002), but two jobs in flight may name the
same key, and so may a job and anyone else writing to the bucket. The outputs are therefore
published create-if-absent, in two layers:

- **Claims in the database** (``OutputClaim``, unique per bucket and key) make jobs
  exclusive, whatever the storage can do: a job claims all its keys before storing any, and
  a key claimed by another job still Progressing fails this one with 3002.
- **Create-if-absent in the storage** (``Bucket.write(..., overwrite=False)``: ``link()``
  for folders, ``If-None-Match: *`` for S3) refuses a key taken by anything else — a job
  that finished and released its claims, an upload — even one that appears mid-write.

If an output's key is taken, the job fails with 3002, and once it is in Error the outputs it
stored are removed (``withdraw_outputs``): nothing is half-published. Removal waits for the
Error state because only then is it certain that no other attempt of the same job is still
storing. A job run again after its worker died finds its claims and their states: objects
its earlier attempt stored are its own and are replaced.

Temporary files carry the job's ID (``.song.wav.<job id>.<random>.part``), so what a killed
worker left in a folder bucket is found and removed without touching live writes: by the
job's next attempt, and by ``remove_stale_claims`` (at start and on each worker sweep).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from pathlib import Path

from django.db import IntegrityError, transaction

from mediamill.buckets import Bucket, events, get_bucket
from mediamill.errors import (
    CanceledError,
    InvalidKeyError,
    MediamillError,
    ObjectExistsError,
    OutputError,
    ValidationError,
)
from mediamill.jobs.models import ClaimState, Job, JobStatus, OutputClaim, now_ms
from mediamill.sandbox import CancelToken

log = logging.getLogger(__name__)


def output_exists(bucket: str, key: str) -> bool:
    """For CreateJob: whether ``key`` is taken in ``bucket``.

    Raises ``ValidationError`` when the key can never be stored there (a folder of that name
    holds other objects, or a part of the key is an object), rather than accept a job that
    would fail after transcoding.
    """
    try:
        get_bucket(bucket).check_creatable(key)
    except ObjectExistsError:
        return True
    except InvalidKeyError as exc:
        raise ValidationError(
            f"Output key {key!r} cannot be created in bucket {bucket!r}: {exc.problem}"
        ) from exc
    return False


def publish_outputs(
    job: Job, bucket: Bucket, files: Sequence[tuple[str, Path]], cancel: CancelToken
) -> None:
    """Store each local file under its key in ``bucket``, none replacing another's object.

    ``OutputError`` (3002) when a key is taken or cannot be created: the caller fails the
    job, then calls ``withdraw_outputs``. ``CanceledError`` when ``cancel`` is set between
    two files (the job is run again; what was stored stays claimed and is replaced then).
    """
    keys = [key for key, _ in files]
    states = _claim(job.id, bucket, keys)
    for key in keys:  # what an earlier attempt of this job, killed mid-write, left
        bucket.remove_temporary(key, job.id)
    for key in keys:  # refuse before storing any, in the usual case: taken long before
        if states[key] == ClaimState.CLAIMED:
            try:
                bucket.check_creatable(key)
            except (ObjectExistsError, InvalidKeyError) as exc:
                raise _taken(exc, bucket.name) from exc
    for key, path in files:
        if cancel.is_set():
            raise CanceledError("stopped while storing outputs")
        # An earlier attempt that began writing this key may have stored it: ours.
        ours = states[key] != ClaimState.CLAIMED
        _set_state(job.id, bucket.name, key, ClaimState.WRITING)
        try:
            with events.written_by(job.id):  # so triggers know an output from an upload
                bucket.upload_file(key, path, overwrite=ours, tag=job.id)
        except (ObjectExistsError, InvalidKeyError) as exc:
            _set_state(job.id, bucket.name, key, ClaimState.CLAIMED)  # not ours: keep it
            raise _taken(exc, bucket.name) from exc
        _set_state(job.id, bucket.name, key, ClaimState.WRITTEN)


def release_claims(job_id: str) -> None:
    """Forget the job's claims: it has finished, its objects stand on their own."""
    OutputClaim.objects.filter(job_id=job_id).delete()


def withdraw_outputs(job_id: str) -> None:
    """Remove what a job in Error had stored, and its claims: a failed job has no outputs.

    Only for a job already in Error (its last attempt is over); others may still be storing.
    """
    buckets = set(OutputClaim.objects.filter(job_id=job_id).values_list("bucket", flat=True))
    for name in buckets:
        _withdraw(job_id, get_bucket(name))


def remove_stale_claims(now: int | None = None) -> int:
    """Clean up after workers that died while storing outputs; returns the claims handled.

    For each claim whose job is not running under a live lease, the job's temporary files
    beside the key are removed. A finished job's claims are released; if it ended in Error
    (its worker vanished too often), what it stored is removed first. A Progressing job
    with an expired lease keeps its claims: it will be run again and finish the work.
    """
    now = now_ms() if now is None else now
    stale = OutputClaim.objects.exclude(
        job__status=JobStatus.PROGRESSING, job__lease_expires_at__gte=now
    ).select_related("job")
    handled = 0
    for claim in stale:
        try:
            bucket = get_bucket(claim.bucket)
            removed = bucket.remove_temporary(claim.key, claim.job_id)
            if removed:
                log.info("job %s: removed %d unfinished file(s)", claim.job_id, len(removed))
            if claim.job.status == JobStatus.ERROR:
                _withdraw(claim.job_id, bucket)
            elif claim.job.status != JobStatus.PROGRESSING:
                release_claims(claim.job_id)
        except MediamillError as exc:  # one unreachable bucket must not stop the sweep
            log.warning("job %s: cannot clean up %r: %s", claim.job_id, claim.key, exc)
            continue
        handled += 1
    return handled


# --- helpers -------------------------------------------------------------------------------


def _claim(job_id: str, bucket: Bucket, keys: Sequence[str]) -> dict[str, str]:
    """Claim every key for the job, or none; returns each key's claim state.

    A claim held by a job that is no longer Progressing is stale (its holder finished
    without releasing it, e.g. killed after completing) and is taken over; if that job
    failed, what it stored is removed first. A claim held by a Progressing job is respected
    even if its lease expired: that job will be run again.
    """
    states: dict[str, str] = {}
    try:
        for key in keys:
            states[key] = _claim_one(job_id, bucket, key)
    except OutputError:
        # Only the claims made now; an earlier attempt's go with withdraw_outputs.
        fresh = [k for k, s in states.items() if s == ClaimState.CLAIMED]
        OutputClaim.objects.filter(
            job_id=job_id, bucket=bucket.name, key__in=fresh, state=ClaimState.CLAIMED
        ).delete()
        raise
    return states


def _claim_one(job_id: str, target: Bucket, key: str) -> str:
    bucket = target.name
    for _ in range(3):
        try:
            with transaction.atomic():
                claim, _created = OutputClaim.objects.get_or_create(
                    bucket=bucket, key=key, defaults={"job_id": job_id}
                )
        except IntegrityError:  # another job inserted it between our read and write
            continue
        if claim.job_id == job_id:
            return claim.state
        holder = Job.objects.filter(pk=claim.job_id).values_list("status", flat=True).first()
        if holder == JobStatus.PROGRESSING:
            raise OutputError(
                f"Output key {key!r} in bucket {bucket!r} is being stored by another job "
                "that was submitted with the same key; nothing was stored.",
                code=3002,
            )
        if holder == JobStatus.ERROR:
            _withdraw(claim.job_id, target)
        OutputClaim.objects.filter(pk=claim.pk, job_id=claim.job_id).delete()
    raise OutputError(f"Output key {key!r} in bucket {bucket!r} is contested; retry.", code=3002)


def _set_state(job_id: str, bucket: str, key: str, state: str) -> None:
    OutputClaim.objects.filter(job_id=job_id, bucket=bucket, key=key).update(state=state)


def _withdraw(job_id: str, bucket: Bucket) -> None:
    """Delete the objects the job stored (or may have) under its claims, then the claims."""
    claims = OutputClaim.objects.filter(job_id=job_id, bucket=bucket.name)
    for key in claims.exclude(state=ClaimState.CLAIMED).values_list("key", flat=True):
        with contextlib.suppress(InvalidKeyError):
            bucket.delete(key)
    claims.delete()


def _taken(exc: ObjectExistsError | InvalidKeyError, bucket: str) -> OutputError:
    if isinstance(exc, ObjectExistsError):
        reason = "another job or writer stored an object under it after this job was submitted"
        key = exc.key
    else:
        reason = exc.problem
        key = exc.key
    return OutputError(
        f"Output key {key!r} cannot be stored in bucket {bucket!r}: {reason}; nothing was stored.",
        code=3002,
    )
