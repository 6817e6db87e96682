"""``/images/<bucket>/<key...>/<spec>-<keyid>.<signature>[.<expires>].<ext>``."""

from __future__ import annotations

from django.urls import re_path

from mediamill.resizer import views

urlpatterns = [
    re_path(r"^(?P<bucket>[^/]+)/(?P<rest>.+)$", views.resize, name="resize"),
]
