"""The URL root. Apps of the delivery layer add their URLs here with ``include("...")``."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path, re_path

from mediamill.site import metrics, views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", metrics.metrics_view, name="metrics"),
    path("", include("mediamill.notifications.urls")),  # /sns/: SubscribeURL, SigningCertURL
    path("2012-09-25/", include("mediamill.api.urls")),
    path("uploads/", include("mediamill.uploads.urls")),  # tus resumable uploads
    path("images/", include("mediamill.resizer.urls")),  # signed resize URLs
    path("events/", include("mediamill.events.urls")),  # /events/s3: S3 event notifications
    # Any other API version answers IncompatibleVersionException.
    re_path(r"^(?P<version>\d{4}-\d{2}-\d{2})/", include("mediamill.api.versions")),
    path("", include("mediamill.web.urls")),  # the web app for people, at /
]
