from __future__ import annotations

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "mediamill.api"
    label = "api"
    verbose_name = "Elastic Transcoder API"
