"""Included at the URL root by ``mediamill.site.urls``."""

from __future__ import annotations

from django.urls import path, re_path

from mediamill.notifications import views

app_name = "notifications"

urlpatterns = [
    path("sns/", views.sns, name="sns"),
    re_path(
        r"^sns/SimpleNotificationService-(?P<cert_id>[0-9a-f]{32})\.pem$",
        views.certificate,
        name="certificate",
    ),
]
