"""What each user may see: their own pipelines, custom presets and jobs; a superuser sees all.

Everything the API and the web app show goes through these querysets, so another user's
objects are simply not found — the caller cannot tell them from IDs that do not exist. System
presets live in code and are visible to everyone.

A job is the user's if they created it or if it runs on their pipeline (a job a trigger or an
administrator created there belongs with the pipeline).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from mediamill.jobs.models import CustomPreset, Job, Pipeline

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def pipelines(user: User) -> QuerySet[Pipeline]:
    rows = Pipeline.objects.all()
    return rows if user.is_superuser else rows.filter(owner=user)


def usable_pipelines(user: User | None) -> QuerySet[Pipeline]:
    """The pipelines ``user`` may run jobs on: their own and the shared ones (no owner: an
    administrator's, which the web app and triggers create jobs on for users), never another
    user's. A superuser, or code acting for nobody (``None``), may use any."""
    rows = Pipeline.objects.all()
    if user is None or user.is_superuser:
        return rows
    return rows.filter(Q(owner=user) | Q(owner__isnull=True))


def presets(user: User) -> QuerySet[CustomPreset]:
    """Custom presets only; system presets are in ``mediamill.presets``."""
    rows = CustomPreset.objects.all()
    return rows if user.is_superuser else rows.filter(owner=user)


def jobs(user: User) -> QuerySet[Job]:
    rows = Job.objects.all()
    return rows if user.is_superuser else rows.filter(Q(owner=user) | Q(pipeline__owner=user))
