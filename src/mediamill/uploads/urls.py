"""``/uploads/``: the tus endpoint (creation) and one URL per upload."""

from __future__ import annotations

from django.urls import path

from mediamill.uploads import views

app_name = "uploads"

urlpatterns = [
    path("", views.collection, name="collection"),
    path("<str:upload_id>", views.upload, name="upload"),
]
