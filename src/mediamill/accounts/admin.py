from __future__ import annotations

from django.contrib import admin

from mediamill.accounts.models import AccessKey
from mediamill.accounts.signin import AdminSignInForm

# The admin's sign-in is throttled like every other (mediamill.accounts.signin).
admin.site.login_form = AdminSignInForm


@admin.register(AccessKey)
class AccessKeyAdmin(admin.ModelAdmin[AccessKey]):
    list_display = ("id", "user", "description", "created", "last_used", "revoked")
    list_filter = ("revoked",)
    search_fields = ("id", "user__username", "description")
    readonly_fields = ("id", "user", "created", "last_used")
    exclude = ("secret_ciphertext",)

    def has_add_permission(self, request: object) -> bool:
        return False  # keys are made with `mediamill keys create`, which shows the secret once
