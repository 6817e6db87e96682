"""Signing up, in and out; keys; the security headers and CSRF on the web app's pages."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from tests.web_helpers import PASSWORD, person

from mediamill.accounts import access_keys

pytestmark = pytest.mark.django_db


def test_sign_up_signs_in_and_lands_on_the_library() -> None:
    client = Client()
    answer = client.post(
        "/accounts/signup/",
        {"username": "carol", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert answer.status_code == 302 and answer["Location"] == "/"
    assert "carol" in client.get("/").content.decode()


def test_sign_up_refuses_weak_passwords_and_bucket_unsafe_names_next_to_the_field() -> None:
    page = Client().post(
        "/accounts/signup/", {"username": "Carol_X", "password1": "123", "password2": "123"}
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert "lower-case letters, digits and hyphens" in text
    assert "This password is too short" in text
    assert not User.objects.exists()


def test_sign_up_can_be_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDIAMILL_WEB_SIGNUP", "false")
    assert Client().get("/accounts/signup/").status_code == 404
    assert "Sign up" not in Client().get("/accounts/signin/").content.decode()


def test_sign_in_is_throttled_after_repeated_failures(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDIAMILL_LOGIN_MAX_FAILURES", "2")
    person("alice")
    client = Client()
    for _ in range(2):
        client.post("/accounts/signin/", {"username": "alice", "password": "wrong"})
    locked = client.post("/accounts/signin/", {"username": "alice", "password": PASSWORD})
    assert locked.status_code == 200
    assert "Too many failed sign-ins" in locked.content.decode()


def test_sign_out_is_a_post() -> None:
    person("alice")
    client = Client()
    assert client.login(username="alice", password=PASSWORD)
    assert client.get("/accounts/signout/").status_code == 405
    assert client.post("/accounts/signout/").status_code == 302
    assert client.get("/").status_code == 302


def test_password_change() -> None:
    person("alice")
    client = Client()
    assert client.login(username="alice", password=PASSWORD)
    new = "a different passphrase 9"
    answer = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert answer.status_code == 302
    assert Client().login(username="alice", password=new)


def test_keys_page_shows_the_secret_once_and_revokes() -> None:
    person("alice")
    client = Client()
    assert client.login(username="alice", password=PASSWORD)
    made = client.post("/keys/", {"description": "laptop"})
    text = made.content.decode()
    key_id = re.search(r'id="new-key-id">([^<]+)<', text)
    secret = re.search(r'id="new-key-secret">([^<]+)<', text)
    assert key_id is not None and secret is not None
    assert access_keys.lookup(key_id.group(1)) == (User.objects.get(), secret.group(1))
    assert "no-store" in made["Cache-Control"] or "max-age=0" in made["Cache-Control"]
    again = client.get("/keys/").content.decode()
    assert key_id.group(1) in again and secret.group(1) not in again
    assert "AWS_ENDPOINT_URL_ELASTIC_TRANSCODER=http://127.0.0.1:8000" in again
    assert client.post(f"/keys/{key_id.group(1)}/revoke/").status_code == 302
    assert access_keys.lookup(key_id.group(1)) is None


def test_pages_carry_a_strict_policy_and_nosniff() -> None:
    for url in ("/accounts/signin/", "/accounts/signup/"):
        answer = Client().get(url)
        policy = answer["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert answer["X-Content-Type-Options"] == "nosniff"
        assert "<script>" not in answer.content.decode()  # no inline scripts at all


def test_forms_need_their_csrf_token() -> None:
    person("alice")
    client = Client(enforce_csrf_checks=True)
    assert client.login(username="alice", password=PASSWORD)
    for url in ("/notices/dismiss/", "/keys/", "/accounts/signout/", "/files/1/delete/"):
        assert client.post(url).status_code == 403, url


def test_the_home_page_is_the_library() -> None:
    answer = Client().get("/")
    assert answer.status_code == 302 and answer["Location"] == "/accounts/signin/?next=/"
