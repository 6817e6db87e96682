"""Migration 0002: topics made before owners were required get one (an administrator), so no
user can name them any more — and the ARNs receivers compare stay as they were."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from mediamill.notifications import topics
from mediamill.notifications.models import Topic

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("notifications", "0001_initial")]
AFTER = [("notifications", "0002_topic_owner_required")]
ARN = "arn:aws:sns:us-east-1:000000000000:transcoding"


def migrate(targets: list[tuple[str, str]]) -> Any:
    """Migrate to ``targets``; the historical apps at that state."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def ownerless_topic() -> Iterator[None]:
    """An owner-less topic, made as ``mediamill topics create transcoding`` made it."""
    old = migrate(BEFORE)
    old.get_model("notifications", "Topic").objects.create(arn=ARN, name="transcoding")
    yield
    migrate(AFTER)  # leave the schema as the other tests expect it, whatever happened


def test_ownerless_topics_go_to_the_first_superuser(ownerless_topic: None) -> None:
    bob = User.objects.create_user("bob")
    User.objects.create_superuser("zed")
    root = User.objects.create_superuser("root")
    User.objects.filter(username="zed").update(is_active=False)
    migrate(AFTER)
    topic = Topic.objects.get(arn=ARN)
    assert topic.owner == root, "the first active superuser"
    assert topic.arn == ARN, "receivers compare TopicArn: it does not change"
    assert not topics.topic_exists(ARN, bob), "bob may no longer name it"
    assert topics.topic_exists(ARN, root)


def test_without_a_superuser_a_passwordless_admin_receives_them(ownerless_topic: None) -> None:
    bob = User.objects.create_user("bob")
    migrate(AFTER)
    owner = Topic.objects.get(arn=ARN).owner
    assert (owner.username, owner.is_superuser, owner.has_usable_password()) == (
        "admin",
        True,
        False,
    )
    assert not topics.topic_exists(ARN, bob)


def test_a_taken_admin_name_stops_the_migration_with_a_clear_message(
    ownerless_topic: None,
) -> None:
    User.objects.create_user("admin")
    with pytest.raises(RuntimeError, match=r"must have an owner now.*createsuperuser"):
        migrate(AFTER)
    User.objects.create_superuser("root")
    migrate(AFTER)  # the fix the message names works
    assert Topic.objects.get(arn=ARN).owner.username == "root"
