"""Who may use a topic: its owner, and administrators (superusers) any.

A pipeline names topics, and the server signs every message it publishes to them, so naming
a topic is publishing into its subscribers' receivers under the server's signature. Hence
one rule, asked by ``topics.check_notifications`` when a pipeline is created or changed and
by ``outbox`` again when a message is published (a pipeline saved before the rule, or whose
owner lost the topic since, publishes nothing to it).

``user`` None means code acting without a user (the CLI, an administrator's Python): not
restricted, as for buckets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from mediamill.notifications.models import Topic

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


def may_use(user: AbstractBaseUser | AnonymousUser | None, topic: Topic) -> bool:
    """Whether ``user`` may name ``topic`` in a pipeline."""
    if user is None or getattr(user, "is_superuser", False):
        return True
    return user.pk is not None and topic.owner_id == user.pk


def usable(
    topics: QuerySet[Topic], user: AbstractBaseUser | AnonymousUser | None
) -> QuerySet[Topic]:
    """The topics of ``topics`` that ``user`` may name."""
    if user is None or getattr(user, "is_superuser", False):
        return topics
    if user.pk is None:
        return topics.none()
    return topics.filter(owner_id=user.pk)
