from __future__ import annotations

from django.apps import AppConfig


class ResizerConfig(AppConfig):
    name = "mediamill.resizer"
    label = "resizer"
    verbose_name = "Image resizes"
