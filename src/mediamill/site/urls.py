"""The URL root. Apps of the delivery layer add their URLs here with ``include("...")``."""

from __future__ import annotations

from django.contrib import admin
from django.urls import path

from mediamill.site import views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
]
