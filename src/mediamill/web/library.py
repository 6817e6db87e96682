"""A person's files: the only way the views find one, so another's is never found (404)."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404

from mediamill.buckets import get_bucket
from mediamill.errors import InvalidStateError, ObjectNotFoundError
from mediamill.jobs import service
from mediamill.jobs.models import Job, JobOutput, JobStatus
from mediamill.web.models import MediaFile

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    User = AbstractBaseUser | AnonymousUser


def files(user: User, search: str = "") -> QuerySet[MediaFile]:
    """The user's files, newest first, whose name contains ``search``."""
    rows = MediaFile.objects.filter(owner_id=user.pk).select_related("job")
    if search:
        rows = rows.filter(name__icontains=search)
    return rows.order_by("-created", "-id")


def get(user: User, file_id: int) -> MediaFile:
    """The user's file ``file_id``; ``Http404`` for anybody else's, as for one that never was."""
    item = files(user).filter(pk=file_id).first()
    if item is None:
        raise Http404("No such file")
    return item


def outputs(item: MediaFile) -> list[JobOutput]:
    return [] if item.job_id is None else list(JobOutput.objects.filter(job_id=item.job_id))


def output_bucket(item: MediaFile) -> str:
    job = item.job
    return "" if job is None else job.pipeline.content_bucket


def delete(item: MediaFile) -> None:
    """Remove the input, every output, the waveform and the job records together.

    A job still Submitted is canceled first; one Progressing cannot be stopped half-way
    (the engine writes all outputs or none), so the person is asked to wait.
    """
    job: Job | None = item.job
    if job is not None and job.status == JobStatus.SUBMITTED:
        with contextlib.suppress(InvalidStateError):  # a worker took it meanwhile: check below
            service.cancel(job.id)
        job.refresh_from_db()
    if job is not None and job.status == JobStatus.PROGRESSING:
        raise InvalidStateError("This file is being processed: delete it once that is done.")
    objects = [(item.bucket, item.key)]
    if job is not None:
        media = job.pipeline.content_bucket
        objects += [(media, job.output_key_prefix + o.key) for o in outputs(item)]
        if item.waveform_key:
            objects.append((media, item.waveform_key))
    for bucket, key in objects:
        with contextlib.suppress(ObjectNotFoundError):
            get_bucket(bucket).delete(key)
    with transaction.atomic():
        item.delete()
        if job is not None:
            job.delete()  # its outputs, claims and notices go with it
