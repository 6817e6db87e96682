from __future__ import annotations

from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "mediamill.notifications"
    label = "notifications"
    verbose_name = "Notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from mediamill.jobs import topic_access
        from mediamill.jobs.signals import job_state_recorded
        from mediamill.notifications import outbox, topics

        # Inside the job's transaction: the outbox rows commit (or roll back) with the change.
        job_state_recorded.connect(outbox.record, dispatch_uid="mediamill.notifications.outbox")
        # The pipelines' rule on which topics a user may name is decided here, where topics
        # and their owners live (jobs cannot import notifications: see jobs.topic_access).
        topic_access.install(topics.check_notifications)
