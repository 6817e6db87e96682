"""Signing in: throttled after repeated failures, passwords validated wherever they are set."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.test import Client, RequestFactory
from django.utils import timezone

from mediamill.accounts import signin
from mediamill.accounts.models import SignInFailure
from mediamill.testing.processes import child_env

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
LOGIN = "/admin/login/"


@pytest.fixture
def admin(monkeypatch: pytest.MonkeyPatch) -> User:
    monkeypatch.setenv("MEDIAMILL_LOGIN_MAX_FAILURES", "3")
    monkeypatch.setenv("MEDIAMILL_LOGIN_LOCKOUT_SECONDS", "600")
    return User.objects.create_superuser("root", "root@example.com", PASSWORD)


def sign_in(client: Client, password: str, address: str = "10.0.0.1") -> str:
    """Post the admin's sign-in form; the page's text (empty after a redirect: signed in)."""
    response = client.post(
        LOGIN, {"username": "root", "password": password, "next": "/admin/"}, REMOTE_ADDR=address
    )
    if response.status_code == 302:
        return ""
    assert response.status_code == 200
    return response.content.decode()


def test_the_admin_sign_in_locks_out_after_repeated_failures(admin: User) -> None:
    client = Client()
    for _ in range(3):
        assert "Please enter the correct username and password" in sign_in(client, "wrong")
    page = sign_in(client, PASSWORD)
    assert "Too many failed sign-ins" in page and "Try again in 10 minutes" in page
    assert "_auth_user_id" not in client.session, "the right password does not get in"
    # Another address is not locked out by these failures, and signing in clears its count.
    assert sign_in(Client(), PASSWORD, address="10.0.0.2") == ""


def test_the_lockout_ends_and_a_success_clears_the_count(admin: User) -> None:
    client = Client()
    for _ in range(3):
        sign_in(client, "wrong")
    SignInFailure.objects.update(locked_until=timezone.now() - timedelta(seconds=1))
    assert sign_in(client, PASSWORD) == ""
    assert not SignInFailure.objects.exists()


def test_failures_long_ago_are_forgotten(admin: User) -> None:
    client = Client()
    for _ in range(2):
        sign_in(client, "wrong")
    SignInFailure.objects.update(first_failed=timezone.now() - timedelta(seconds=601))
    sign_in(client, "wrong")
    assert SignInFailure.objects.get().failures == 1
    assert sign_in(client, PASSWORD) == ""


def test_old_counts_are_deleted(admin: User) -> None:
    long_ago = timezone.now() - timedelta(seconds=1201)
    SignInFailure.objects.create(
        username="x", address="10.9.9.9", failures=2, first_failed=long_ago
    )
    sign_in(Client(), "wrong")
    assert list(SignInFailure.objects.values_list("username", flat=True)) == ["root"]


def test_authenticate_itself_refuses_a_locked_out_sign_in(admin: User) -> None:
    """Any login view (the coming web app's too) goes through authenticate(): refused there."""
    request = RequestFactory().post("/login", REMOTE_ADDR="10.0.0.3")
    for _ in range(3):
        assert authenticate(request, username="root", password="wrong") is None
    assert SignInFailure.objects.get().locked_until is not None
    assert authenticate(request, username="root", password=PASSWORD) is None
    assert signin.locked_for("root", "10.0.0.3") > 590
    other = RequestFactory().post("/login", REMOTE_ADDR="10.0.0.4")
    assert authenticate(other, username="root", password=PASSWORD) == admin


def test_behind_a_proxy_the_address_is_the_one_the_proxy_added(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    request = RequestFactory().get(
        "/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7"
    )
    assert signin.client_address(request) == "127.0.0.1", "not trusted unless configured"
    monkeypatch.setenv("MEDIAMILL_BEHIND_PROXY", "true")
    assert signin.client_address(request) == "203.0.113.7", "not the one the client wrote"


# --- passwords --------------------------------------------------------------------------------


def createuser(tmp_path: Path, password: str, *extra: str) -> subprocess.CompletedProcess[str]:
    command = ["createuser", "administrator", "--password-stdin", *extra]
    return subprocess.run(
        [sys.executable, "-m", "mediamill", *command],
        input=password + "\n",
        env=child_env({"MEDIAMILL_DATA_DIR": str(tmp_path / "data")}),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow  # runs the CLI in a new process
@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("", "too short"),
        ("1", "too short"),
        ("12345678901", "entirely numeric"),
        ("password123", "too common"),
        ("administrator1", "too similar to the username"),
    ],
)
def test_createuser_refuses_weak_passwords(tmp_path: Path, password: str, reason: str) -> None:
    result = createuser(tmp_path, password, "--admin")
    assert result.returncode == 1
    assert "password refused" in result.stderr and reason in result.stderr


@pytest.mark.slow  # runs the CLI in a new process
def test_createuser_accepts_a_good_password(tmp_path: Path) -> None:
    result = createuser(tmp_path, "fennel-quartz-harbour-91")
    assert result.returncode == 0, result.stderr
    assert "created user 'administrator'" in result.stdout


def test_the_admin_refuses_a_weak_password_for_a_new_user(admin_client: Client) -> None:
    form = {"username": "newbie", "usable_password": "true", "password1": "1", "password2": "1"}
    page = admin_client.post("/admin/auth/user/add/", form)
    assert page.status_code == 200, "the form is shown again, not saved"
    assert "This password is too short" in page.content.decode()
    assert not User.objects.filter(username="newbie").exists()
