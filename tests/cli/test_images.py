"""``mediamill sign-url`` and ``mediamill image-keys`` as a user runs them: real processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mediamill.images import parse_path
from mediamill.imaging import Keyring, resize_url

pytestmark = pytest.mark.slow


def mediamill(*args: str, data: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MEDIAMILL_", "AWS_"))}
    env = {
        **clean,
        "MEDIAMILL_DATA_DIR": str(data),
        "MEDIAMILL_PUBLIC_URL": "https://media.example.com",
    }
    return subprocess.run(
        [sys.executable, "-m", "mediamill", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


def test_sign_url_prints_the_helpers_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run = mediamill("sign-url", "media", "photos/cat.jpg", "800x600-fill", data=tmp_path)
    assert run.returncode == 0, run.stderr
    monkeypatch.setenv("MEDIAMILL_PUBLIC_URL", "https://media.example.com")
    keyring = Keyring(tmp_path / "image-keys.json")
    assert run.stdout.strip() == resize_url(
        "media", "photos/cat.jpg", "800x600-fill", keyring=keyring
    )
    assert run.stdout.startswith("https://media.example.com/images/media/photos/cat.jpg/")


def test_sign_url_expires(tmp_path: Path) -> None:
    run = mediamill("sign-url", "media", "cat.png", "100x.webp", "--expires", "600", data=tmp_path)
    assert run.returncode == 0, run.stderr
    path = run.stdout.strip().removeprefix("https://media.example.com/images/media/")
    request = parse_path("media", path)
    assert request.extension == "webp" and request.expires is not None
    assert abs(request.expires - (time.time() + 600)) < 30


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("media", "cat.jpg", "100x100-zoom"),
            "invalid resize spec '100x100-zoom': unknown option",
        ),
        (("media", "cat", "100x"), "cannot tell the output format from the key 'cat'"),
        (("media", "cat.jpg", "100x.bmp"), "unknown output format 'bmp'"),
        (("media", "../cat.jpg", "100x"), "invalid key '../cat.jpg'"),
        (("media", "cat.jpg", "100x", "--expires", "0"), "the expiry must be a positive"),
    ],
)
def test_sign_url_errors_are_one_line(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    run = mediamill("sign-url", *args, data=tmp_path)
    assert run.returncode == 1 and run.stdout == ""
    assert run.stderr.startswith("mediamill sign-url: error: ") and message in run.stderr
    assert run.stderr.count("\n") == 1


def test_image_keys_rotate_list_retire(tmp_path: Path) -> None:
    first = mediamill("sign-url", "media", "cat.jpg", "100x", data=tmp_path).stdout
    assert "-k1." in first
    run = mediamill("image-keys", "rotate", data=tmp_path)
    assert run.returncode == 0 and "k2" in run.stdout
    assert "-k2." in mediamill("sign-url", "media", "cat.jpg", "100x", data=tmp_path).stdout
    listed = json.loads(mediamill("image-keys", "list", "--json", data=tmp_path).stdout)
    assert [(k["KeyId"], k["Current"], k["Retired"]) for k in listed] == [
        ("k1", False, None),
        ("k2", True, None),
    ]
    assert "secret" not in json.dumps(listed).lower()
    assert mediamill("image-keys", "retire", "k1", data=tmp_path).returncode == 0
    table = mediamill("image-keys", "list", data=tmp_path).stdout
    assert "k1" in table and "retired" in table and "current" in table
    refused = mediamill("image-keys", "retire", "k2", data=tmp_path)
    assert refused.returncode == 1 and "rotate first" in refused.stderr
