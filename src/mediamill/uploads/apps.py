from __future__ import annotations

from django.apps import AppConfig


class UploadsConfig(AppConfig):
    name = "mediamill.uploads"
    label = "uploads"
    verbose_name = "Uploads"
    default_auto_field = "django.db.models.BigAutoField"
