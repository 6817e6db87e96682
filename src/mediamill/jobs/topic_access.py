"""Which notification topics a user may name in a pipeline: a domain rule with a seam.

The rule is the pipelines' (CreatePipeline, UpdatePipeline, UpdatePipelineNotifications and
TestRole all apply it, for every caller), but topics live in ``notifications``, which imports
``jobs`` for its signals. So ``jobs`` declares what it needs, a ``TopicRule``, and the
notifications app installs the real one when Django starts (``NotificationsConfig.ready``),
the same way it connects to ``jobs.signals``: the dependency stays one-way.

With no rule installed (``notifications`` not among the installed apps), naming a topic is
refused rather than waved through: nothing could deliver to it anyway.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

from mediamill.errors import ValidationError

if TYPE_CHECKING:
    from django.contrib.auth.models import User


class TopicRule(Protocol):
    def __call__(self, notifications: Mapping[str, str], owner: User | None = None) -> None:
        """Raise ``ValidationError`` naming the first key whose topic ``owner`` may not use
        (``owner`` None: acting for nobody in particular, any existing topic)."""


_rule: TopicRule | None = None


def install(rule: TopicRule | None) -> None:
    """Set the rule (``None`` removes it). Called once, by the notifications app."""
    global _rule
    _rule = rule


def check(notifications: Mapping[str, str], owner: User | None) -> None:
    """Every non-empty topic in ``notifications`` must exist and be one ``owner`` may use."""
    named = {key: arn for key, arn in notifications.items() if arn}
    if not named:
        return
    if _rule is None:
        key, arn = next(iter(named.items()))
        raise ValidationError(
            f"Notifications:{key}: the SNS topic {arn} cannot be used: "
            "notifications are not enabled on this server"
        )
    _rule(named, owner)


def problems(topics: list[str], owner: User | None) -> list[str]:
    """TestRole's view of the same rule: one message per topic that could not be used."""
    messages = []
    for arn in topics:
        try:
            check({"Topic": arn}, owner)
        except ValidationError as exc:
            messages.append(exc.message)
    return messages
