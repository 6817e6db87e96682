from __future__ import annotations

from django.apps import AppConfig


class TriggersConfig(AppConfig):
    name = "mediamill.triggers"
    label = "triggers"
    verbose_name = "Triggers"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from mediamill.buckets import events
        from mediamill.triggers import dispatch

        # Every object mediamill stores (uploads, job outputs) is offered to the rules.
        events.on_object_created(dispatch.on_object_stored, uid="mediamill.triggers")
