"""Every topic gets an owner.

Topics created before owners were required (``mediamill topics create NAME`` without
``--owner``) could be named in anyone's pipeline. Only whoever runs the server could make
them (the CLI or the admin), so they are given to an administrator: the first active
superuser (lowest ID), who may still use them and can hand them to a user in the admin.
Without a superuser, they go to a password-less superuser ``admin``, created here as
``mediamill keys create`` creates it on a fresh server; if a non-superuser already has that
name the migration stops and says what to do, rather than guess. Their ARNs do not change
(receivers compare ``TopicArn``).
"""

import secrets
from typing import Any

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def give_ownerless_topics_to_an_administrator(apps: Any, schema_editor: Any) -> None:
    topic_model = apps.get_model("notifications", "Topic")
    ownerless = topic_model.objects.filter(owner__isnull=True)
    if not ownerless.exists():
        return
    user_model = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    admin = user_model.objects.filter(is_superuser=True).order_by("-is_active", "pk").first()
    if admin is None:
        if user_model.objects.filter(username="admin").exists():
            raise RuntimeError(
                "notification topics must have an owner now, and some have none; there is no "
                "superuser to give them to and the name 'admin' is taken. Make a superuser "
                "(DJANGO_SETTINGS_MODULE=mediamill.site.settings python -m django "
                "createsuperuser), then start mediamill again."
            )
        # "!" + random: Django's mark of an unusable password (no sign-in with a password).
        admin = user_model.objects.create(
            username="admin",
            password="!" + secrets.token_urlsafe(30),
            is_superuser=True,
            is_staff=True,
        )
    ownerless.update(owner=admin)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(give_ownerless_topics_to_an_administrator, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="topic",
            name="owner",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="topics",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
    ]
