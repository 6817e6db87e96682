"""Notices for people: "Your file song.mp3 has been processed", shown to its owner only.

Written by the outbox in the transaction that ends the job; read and dismissed by the web
app. Every query here is scoped to one user: there is no way to read another user's notices.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from mediamill.notifications.messages import file_name
from mediamill.notifications.models import Notice

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    from mediamill.jobs.models import Job

TEXTS = {
    "Complete": "Your file {name} has been processed",
    "Error": "Your file {name} could not be processed",
}


def add(job: Job, status: str) -> Notice | None:
    """The owner's notice for a job that ended with ``status``; None if there is none."""
    text = TEXTS.get(status)
    if text is None or job.owner_id is None:
        return None
    return Notice.objects.create(
        owner_id=job.owner_id, job=job, text=text.format(name=file_name(job))
    )


def unread(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Notice]:
    """The user's unread notices, newest first (none for an anonymous user)."""
    if not user.is_authenticated:
        return Notice.objects.none()
    return Notice.objects.filter(owner_id=user.pk, read=False)


def mark_read(user: AbstractBaseUser | AnonymousUser, ids: Iterable[int]) -> int:
    """Mark the user's notices among ``ids`` read; others' are left alone. Returns how many."""
    if not user.is_authenticated:
        return 0
    wanted = [int(i) for i in ids]
    return Notice.objects.filter(owner_id=user.pk, pk__in=wanted, read=False).update(read=True)
