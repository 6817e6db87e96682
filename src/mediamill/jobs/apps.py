from __future__ import annotations

from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "mediamill.jobs"
    label = "jobs"
    verbose_name = "Pipelines and jobs"
    default_auto_field = "django.db.models.BigAutoField"
