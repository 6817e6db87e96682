from __future__ import annotations

from django.urls import path

from mediamill.events import views

urlpatterns = [path("s3", views.s3_events, name="events-s3")]
