from __future__ import annotations

from django.apps import AppConfig, apps


class WebConfig(AppConfig):
    name = "mediamill.web"
    label = "web"
    verbose_name = "Web app"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from mediamill.web import upload_handlers, waveforms

        waveforms.connect()
        # The uploads app asks the web app where an upload goes and what to do once it has
        # arrived (its hooks); without the uploads app there is nothing to register with.
        if apps.is_installed("mediamill.uploads"):
            upload_handlers.install()
