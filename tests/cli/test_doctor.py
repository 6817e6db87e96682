"""``mediamill doctor`` on a healthy installation (a live server, SeaweedFS buckets) and on
one whose bucket does not exist."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from tests.cli.conftest import Cli

from mediamill.testing import SeaweedFS

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def installation(s3_server: SeaweedFS, live_server: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    """The S3 bucket that the bucket ``media`` is (the server is shared by the run)."""
    for name, value in s3_server.env().items():
        monkeypatch.setenv(name, value)
    bucket = s3_server.create_bucket(f"doctor-{uuid.uuid4().hex[:12]}")
    monkeypatch.setenv("MEDIAMILL_BUCKETS", f"media=s3://{bucket}")
    monkeypatch.setenv("MEDIAMILL_PUBLIC_URL", live_server.url)
    return bucket


def lines(out: str) -> dict[str, str]:
    found = {}
    for line in out.splitlines():
        status, rest = line.split(None, 1)
        found[rest.split(":", 1)[0]] = f"{status} {rest}"
    return found


def test_a_healthy_installation(cli: Cli, installation: str, s3_server: SeaweedFS) -> None:
    run = cli("doctor")
    assert run.status == 0, run.out
    checks = lines(run.out)
    for name in ("ffmpeg encoders", "database", "clock", "broker", "bucket media",
                 "public URL", "disk"):  # fmt: skip
        assert checks[name].startswith("ok "), checks
    assert "libx264" in checks["ffmpeg encoders"] and "libmp3lame" in checks["ffmpeg encoders"]
    assert "write, read and delete work" in checks["bucket media"]
    listed = s3_server.client().list_objects_v2(Bucket=installation)
    assert not listed.get("Contents"), "the probe objects are deleted"
    as_json = cli("doctor", "--json").json()
    assert all(check["ok"] for check in as_json)


def test_a_missing_bucket(cli: Cli, installation: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "MEDIAMILL_BUCKETS", f"media=s3://{installation};archive=s3://not-made-{uuid.uuid4().hex}"
    )
    run = cli("doctor")
    assert run.status == 1
    checks = lines(run.out)
    assert checks["bucket media"].startswith("ok ")
    failed = checks["bucket archive"]
    assert failed.startswith("FAIL bucket archive: failed: ")
    assert "-> create it" in failed
    assert [line for line in run.out.splitlines() if line.startswith("FAIL")] == [
        line for line in run.out.splitlines() if "bucket archive" in line
    ]
