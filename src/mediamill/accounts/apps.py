from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "mediamill.accounts"
    label = "accounts"
    verbose_name = "API access keys"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from mediamill.accounts import signin

        signin.connect()
