"""Signing in with a password, throttled: too many failures lock a user name out for a while.

Failures are counted per user name *and* client address in the database (``SignInFailure``),
so every server process sharing the database shares the count, and someone guessing alice's
password from one address does not lock alice out everywhere. After
``MEDIAMILL_LOGIN_MAX_FAILURES`` failures within ``MEDIAMILL_LOGIN_LOCKOUT_SECONDS``, signing in
as that name from that address is refused for ``MEDIAMILL_LOGIN_LOCKOUT_SECONDS``, even with
the right password; a success clears the count.

Three pieces, so that every sign-in form gets it:

- ``ThrottledModelBackend`` (in ``AUTHENTICATION_BACKENDS``) refuses a locked-out sign-in in
  ``django.contrib.auth.authenticate`` itself, whatever form or view called it;
- the ``user_login_failed`` / ``user_logged_in`` signals count and clear (``connect``);
- ``SignInForm`` and ``AdminSignInForm`` say why, instead of "wrong password".
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from mediamill import settings
from mediamill.accounts.models import SignInFailure

if TYPE_CHECKING:
    from django.contrib.auth.models import User

_USERNAME_MAX = 150


def client_address(request: HttpRequest) -> str:
    """The address the request came from.

    Behind a proxy (``MEDIAMILL_BEHIND_PROXY``), the last address of ``X-Forwarded-For``: the
    one the proxy itself appended. Earlier ones were sent by the client and prove nothing.
    """
    if settings.get("MEDIAMILL_BEHIND_PROXY"):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return str(hops[-1][:45])
    return str(request.META.get("REMOTE_ADDR", ""))[:45]


def locked_for(username: str, address: str) -> float:
    """Seconds until ``username`` may try to sign in from ``address`` again; 0 if now."""
    row = SignInFailure.objects.filter(username=username[:_USERNAME_MAX], address=address).first()
    if row is None or row.locked_until is None:
        return 0.0
    return max(0.0, (row.locked_until - timezone.now()).total_seconds())


def record_failure(username: str, address: str) -> None:
    """Count one failed sign-in; lock the pair out once it reaches the limit."""
    username = username[:_USERNAME_MAX]
    now = timezone.now()
    window = timedelta(seconds=settings.get("MEDIAMILL_LOGIN_LOCKOUT_SECONDS"))
    limit = settings.get("MEDIAMILL_LOGIN_MAX_FAILURES")
    # Counts past their window are forgotten anyway: delete them, so guessing at many user
    # names does not grow the table for ever.
    SignInFailure.objects.filter(first_failed__lt=now - 2 * window).filter(
        Q(locked_until__isnull=True) | Q(locked_until__lt=now)
    ).delete()
    for _ in range(2):  # a second try if another request created the row first
        try:
            with transaction.atomic():
                row = (
                    SignInFailure.objects.select_for_update()
                    .filter(username=username, address=address)
                    .first()
                )
                if row is None:
                    row = SignInFailure(username=username, address=address, first_failed=now)
                elif row.locked_until is not None and row.locked_until > now:
                    return  # already locked out: the lockout is not extended
                elif row.first_failed < now - window or row.locked_until is not None:
                    row.failures, row.first_failed, row.locked_until = 0, now, None
                row.failures += 1
                if row.failures >= limit:
                    row.locked_until = now + window
                row.save()
                return
        except IntegrityError:
            continue


def clear(username: str, address: str) -> None:
    SignInFailure.objects.filter(username=username[:_USERNAME_MAX], address=address).delete()


def lockout_message(seconds: float) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    unit = "minute" if minutes == 1 else "minutes"
    return (
        "Too many failed sign-ins for this user name from your address. "
        f"Try again in {minutes} {unit}."
    )


class ThrottledModelBackend(ModelBackend):
    """Django's user/password backend, refusing a locked-out user name and address."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if request is not None and username and locked_for(username, client_address(request)):
            # authenticate() stops at PermissionDenied: no other backend is asked.
            raise PermissionDenied("too many failed sign-ins")
        return super().authenticate(request, username=username, password=password, **kwargs)


class _Throttled(forms.Form):
    """Checks the lockout before the password, to say why a sign-in is refused."""

    request: HttpRequest | None

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        if self.request is not None and username:
            wait = locked_for(username, client_address(self.request))
            if wait > 0:
                raise forms.ValidationError(lockout_message(wait), code="throttled")
        cleaned: dict[str, Any] | None = super().clean()
        return cleaned if cleaned is not None else self.cleaned_data


class SignInForm(_Throttled, AuthenticationForm):
    """The sign-in form for people (the web app)."""


class AdminSignInForm(_Throttled, AdminAuthenticationForm):
    """The admin's sign-in form (staff only), throttled the same way."""


def _on_failure(sender: Any, credentials: dict[str, Any], request: Any = None, **_: Any) -> None:
    username = credentials.get("username")
    if isinstance(request, HttpRequest) and isinstance(username, str) and username:
        record_failure(username, client_address(request))


def _on_success(sender: Any, request: Any, user: Any, **_: Any) -> None:
    if isinstance(request, HttpRequest):
        clear(user.get_username(), client_address(request))


def connect() -> None:
    """Count failures and clear on success (called once, from the app's ``ready``)."""
    user_login_failed.connect(_on_failure, dispatch_uid="mediamill-signin-failed")
    user_logged_in.connect(_on_success, dispatch_uid="mediamill-signin-ok")
