"""Per-user limits on jobs: in flight, created per minute, and bytes of outputs stored.

One key once created 4,029 jobs in 30 seconds; nothing stopped it filling the queue and the
disks. Three limits, each a setting, which an administrator may change per user
(``UserLimits`` in the admin); superusers are exempt unless ``MEDIAMILL_LIMIT_SUPERUSERS``,
and so is code acting without a user (``owner=None``: the CLI, an administrator's Python).

- **Jobs in flight**: the user's Submitted and Progressing jobs, counted at CreateJob.
- **Jobs per minute**: the user's jobs created in the last 60 seconds, counted at CreateJob
  (a sliding window over the jobs' submission times).
- **Bytes stored**: the sizes of the outputs of the user's Complete jobs, as recorded when
  they completed. CreateJob is refused once that total has reached the limit; a job that
  would take it over the limit fails before storing anything (``check_can_store``, called
  with its encoded sizes). Objects deleted from a bucket by other means still count until
  their job is deleted (in the admin): mediamill does not watch buckets.

The counts are read, then the job is created, without a lock: concurrent requests of one
user may overshoot a limit by the number of requests served at the same moment, and jobs
finishing together by one job's outputs each. A limit hit raises ``LimitExceededError``,
which the API answers with 429 ``LimitExceededException``, as Elastic Transcoder did.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Min, Sum

from mediamill import settings
from mediamill.errors import LimitExceededError
from mediamill.jobs.models import Job, JobOutput, JobStatus, UserLimits, now_ms

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User

MiB = 1024 * 1024
_WINDOW_MS = 60_000


@dataclass(frozen=True)
class Limits:
    """One user's limits; 0 means no limit."""

    jobs_in_flight: int
    jobs_per_minute: int
    stored_mb: int


def limits_for(user: User | None) -> Limits | None:
    """The limits that apply to ``user``, or None when none do."""
    if user is None or (user.is_superuser and not settings.get("MEDIAMILL_LIMIT_SUPERUSERS")):
        return None
    own = UserLimits.objects.filter(user=user).first() or UserLimits()

    def pick(value: int | None, setting: str) -> int:
        return int(settings.get(setting)) if value is None else value

    return Limits(
        jobs_in_flight=pick(own.max_jobs_in_flight, "MEDIAMILL_USER_MAX_JOBS_IN_FLIGHT"),
        jobs_per_minute=pick(own.max_jobs_per_minute, "MEDIAMILL_USER_MAX_JOBS_PER_MINUTE"),
        stored_mb=pick(own.max_stored_mb, "MEDIAMILL_USER_MAX_STORED_MB"),
    )


def check_can_submit(owner: User | None) -> None:
    """Raise ``LimitExceededError`` if ``owner`` may not create another job now."""
    limits = limits_for(owner)
    if limits is None or owner is None:
        return
    jobs = Job.objects.filter(owner=owner)
    if limits.jobs_per_minute:
        since = now_ms() - _WINDOW_MS
        recent = jobs.filter(submit_time_millis__gt=since)
        if recent.count() >= limits.jobs_per_minute:
            oldest = recent.aggregate(first=Min("submit_time_millis"))["first"] or since
            wait = max(1, math.ceil((oldest - since) / 1000))
            raise LimitExceededError(
                f"Limit exceeded: at most {limits.jobs_per_minute} jobs per minute per user; "
                f"try again in {wait} s."
            )
    if limits.jobs_in_flight:
        in_flight = jobs.filter(status__in=(JobStatus.SUBMITTED, JobStatus.PROGRESSING))
        if in_flight.count() >= limits.jobs_in_flight:
            raise LimitExceededError(
                f"Limit exceeded: at most {limits.jobs_in_flight} jobs in flight (Submitted or "
                "Progressing) per user; try again when some have finished."
            )
    if limits.stored_mb:
        stored = stored_bytes(owner)
        if stored >= limits.stored_mb * MiB:
            raise LimitExceededError(
                f"Limit exceeded: at most {limits.stored_mb} MiB of stored outputs per user, "
                f"and the outputs of this user's jobs take {_mib(stored)} MiB."
            )


def check_can_store(owner: User | None, new_bytes: int) -> None:
    """Raise ``LimitExceededError`` if storing ``new_bytes`` more would pass the owner's limit."""
    limits = limits_for(owner)
    if limits is None or owner is None or not limits.stored_mb:
        return
    total = stored_bytes(owner) + new_bytes
    if total > limits.stored_mb * MiB:
        raise LimitExceededError(
            f"Limit exceeded: storing these outputs ({_mib(new_bytes)} MiB) would bring this "
            f"user's stored outputs to {_mib(total)} MiB, over the limit of "
            f"{limits.stored_mb} MiB per user; nothing was stored."
        )


def stored_bytes(user: User | AbstractBaseUser | AnonymousUser) -> int:
    """The bytes of the outputs of the user's Complete jobs."""
    outputs = JobOutput.objects.filter(job__owner_id=user.pk, status=JobStatus.COMPLETE)
    return int(outputs.aggregate(total=Sum("file_size"))["total"] or 0)


def _mib(size: int) -> str:
    return f"{size / MiB:.2f}"
