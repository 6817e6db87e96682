"""Paths of other Elastic Transcoder API versions (``/2015-01-01/...``): one answer for all."""

from __future__ import annotations

from django.urls import re_path

from mediamill.api.views import meta

urlpatterns = [
    re_path(r"^(?P<rest>.*)$", meta.other_version),
]
