"""Notices as a person reads them: the text, the reason a file failed, and the file's page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mediamill.jobs.models import JobStatus
from mediamill.notifications import notices
from mediamill.web.models import MediaFile

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

SHOWN = 5
_DETAIL = re.compile(r"\d{4} [0-9a-f-]{36}:(.*)", re.DOTALL)


@dataclass(frozen=True)
class ShownNotice:
    id: int
    text: str
    reason: str
    failed: bool
    file_id: int | None


def reason(status_detail: str) -> str:
    """The readable part of a job's status detail (``"4000 <uuid>:why"`` → ``"why"``)."""
    match = _DETAIL.fullmatch(status_detail)
    text = (match.group(1) if match else status_detail).strip()
    return text[:1].upper() + text[1:] if text else ""


def for_page(user: AbstractBaseUser | AnonymousUser) -> dict[str, Any]:
    unread = notices.unread(user).select_related("job")
    count = unread.count()
    rows = list(unread[:SHOWN])
    files = dict(
        MediaFile.objects.filter(owner_id=user.pk, job_id__in=[n.job_id for n in rows]).values_list(
            "job_id", "pk"
        )
    )
    shown = [
        ShownNotice(
            id=n.pk,
            text=n.text,
            reason=reason(n.job.status_detail) if n.job.status == JobStatus.ERROR else "",
            failed=n.job.status == JobStatus.ERROR,
            file_id=files.get(n.job_id),
        )
        for n in rows
    ]
    return {"notices": shown, "unread_count": count, "more_notices": max(0, count - len(shown))}
