"""The web app's URLs, mounted at the site's root."""

from __future__ import annotations

from django.urls import path

from mediamill.web.views import accounts, files, keys, notices

app_name = "web"

urlpatterns = [
    path("", files.library_page, name="library"),
    path("files/<int:file_id>/", files.detail, name="file"),
    path("files/<int:file_id>/status/", files.status, name="file-status"),
    path("files/<int:file_id>/delete/", files.delete, name="file-delete"),
    path("files/<int:file_id>/play/<int:index>/", files.play, name="file-play"),
    path("files/<int:file_id>/waveform.png", files.waveform_image, name="file-waveform"),
    path("download/<str:token>/", files.download, name="download"),
    path("notices/", notices.region, name="notices"),
    path("notices/dismiss/", notices.dismiss, name="notices-dismiss"),
    path("keys/", keys.page, name="keys"),
    path("keys/<str:key_id>/revoke/", keys.revoke, name="key-revoke"),
    path("accounts/signin/", accounts.SignIn.as_view(), name="signin"),
    path("accounts/signout/", accounts.SignOut.as_view(), name="signout"),
    path("accounts/signup/", accounts.signup, name="signup"),
    path("accounts/password/", accounts.PasswordChange.as_view(), name="password-change"),
    path("accounts/password/done/", accounts.PasswordChangeDone.as_view(), name="password-done"),
    path("accounts/reset/", accounts.PasswordReset.as_view(), name="password-reset"),
    path("accounts/reset/sent/", accounts.PasswordResetSent.as_view(), name="password-reset-sent"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        accounts.PasswordResetConfirm.as_view(),
        name="password-reset-confirm",
    ),
    path(
        "accounts/reset/done/",
        accounts.PasswordResetComplete.as_view(),
        name="password-reset-complete",
    ),
]
