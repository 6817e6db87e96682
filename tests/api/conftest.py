"""Fixtures for the API tests: a live server in this process, users with real access keys,
and boto3's own elastictranscoder client (botocore 1.42.17, the last release that has it),
signing with SigV4 exactly as existing code does."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config
from django.contrib.auth.models import User
from tests.api_helpers import Client, SigV4

from mediamill.accounts.access_keys import create_key
from mediamill.jobs import bucket_access
from mediamill.testing import write_audio

# No retries: a 429 or 500 must show up in the test, not be retried away.
_CONFIG = Config(retries={"mode": "standard", "max_attempts": 1})


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Buckets and work folders under a temporary folder, for the server thread too."""
    monkeypatch.setenv("MEDIAMILL_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MEDIAMILL_JOB_LEASE_SECONDS", "5")
    return tmp_path


@pytest.fixture
def client_for(live_server: Any) -> Callable[[User], Client]:
    """A boto3 client signing with a new access key of ``user``."""

    def make(user: User) -> Client:
        key_id, secret = create_key(user)
        return boto3.client(
            "elastictranscoder",
            endpoint_url=live_server.url,
            region_name="us-east-1",
            aws_access_key_id=key_id,
            aws_secret_access_key=secret,
            config=_CONFIG,
        )

    return make


@pytest.fixture
def signed_as(live_server: Any) -> Callable[[User], requests.Session]:
    """A ``requests`` session whose requests are signed with a new key of ``user``."""

    def make(user: User) -> requests.Session:
        session = requests.Session()
        session.auth = SigV4(*create_key(user))
        return session

    return make


#: The bucket names the API tests use, outside any user's namespace: granted to alice and
#: bob, as an administrator would, so the tests keep testing what they are about. The
#: rule itself (namespaces, grants, refusals) is tested in test_buckets.py.
GRANTED = ("uploads", "media", "thumbs", "elsewhere", "in", "out", "u", "m")


@pytest.fixture
def alice() -> User:
    user = User.objects.create_user("alice", password="alice-password-1")
    for bucket in GRANTED:
        bucket_access.grant(bucket, user)
    return user


@pytest.fixture
def bob() -> User:
    user = User.objects.create_user("bob", password="bob-password-1")
    for bucket in GRANTED:
        bucket_access.grant(bucket, user)
    return user


@pytest.fixture
def et(client_for: Callable[[User], Client], alice: User) -> Client:
    """Alice's client."""
    return client_for(alice)


@pytest.fixture(scope="session")
def song(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four seconds of stereo 44.1 kHz MP3."""
    return write_audio(tmp_path_factory.mktemp("api") / "song.mp3", 4.0)
