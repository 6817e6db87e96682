"""``mediamill upload`` and ``mediamill download`` as a user runs them: real processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from mediamill.testing import SeaweedFS

SETTINGS = ("MEDIAMILL_", "AWS_")


def mediamill(*args: str | Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(SETTINGS)}
    return subprocess.run(
        [sys.executable, "-m", "mediamill", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**clean, **env},
    )


@pytest.fixture
def local_env(tmp_path: Path) -> dict[str, str]:
    return {"MEDIAMILL_DATA_DIR": str(tmp_path / "data")}


@pytest.fixture
def song(tmp_path: Path) -> Path:
    path = tmp_path / "song.mp3"
    path.write_bytes(os.urandom(3 * 1024 * 1024 + 5))
    return path


@pytest.mark.slow  # runs the CLI in a new process
def test_upload_then_download(song: Path, tmp_path: Path, local_env: dict[str, str]) -> None:
    run = mediamill("upload", "media", "in/song.mp3", song, env=local_env)
    assert run.returncode == 0, run.stderr
    assert run.stdout == f"{song} -> media/in/song.mp3  3145733 B (3.0 MiB)\n"
    stored = tmp_path / "data" / "buckets" / "media" / "in" / "song.mp3"
    assert stored.read_bytes() == song.read_bytes()

    copy = tmp_path / "copy.mp3"
    run = mediamill("download", "media", "in/song.mp3", copy, env=local_env)
    assert run.returncode == 0, run.stderr
    assert run.stdout == f"media/in/song.mp3 -> {copy}  3145733 B (3.0 MiB)\n"
    assert copy.read_bytes() == song.read_bytes()


@pytest.mark.slow  # runs the CLI in a new process
def test_download_keeps_an_existing_file(
    song: Path, tmp_path: Path, local_env: dict[str, str]
) -> None:
    assert mediamill("upload", "media", "song.mp3", song, env=local_env).returncode == 0
    existing = tmp_path / "existing.mp3"
    existing.write_bytes(b"keep me")
    run = mediamill("download", "media", "song.mp3", existing, env=local_env)
    assert run.returncode == 1
    assert "already exists (use --force to replace it)" in run.stderr
    assert existing.read_bytes() == b"keep me"
    run = mediamill("download", "--force", "media", "song.mp3", existing, env=local_env)
    assert run.returncode == 0, run.stderr
    assert existing.read_bytes() == song.read_bytes()


@pytest.mark.slow  # runs the CLI in a new process
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["download", "media", "nope.mp3", "{tmp}/x"], "no object 'nope.mp3' in bucket 'media'"),
        (["upload", "media", "../escape", "{song}"], "invalid key '../escape'"),
        (["upload", "media", "/etc/passwd", "{song}"], "absolute path"),
        (["upload", "..", "x", "{song}"], "invalid bucket name '..'"),
        (["upload", "media", "x", "{tmp}/missing.mp3"], "does not exist or is not a file"),
        (["download", "media", "x", "{tmp}/no-folder/x"], "cannot write"),
    ],
)
def test_errors_are_one_line(
    args: list[str], message: str, song: Path, tmp_path: Path, local_env: dict[str, str]
) -> None:
    before = sorted(os.listdir(tmp_path))
    argv = [a.format(tmp=tmp_path, song=song) for a in args]
    run = mediamill(*argv, env=local_env)
    assert run.returncode == 1
    assert run.stderr.startswith(f"mediamill {args[0]}: error: ")
    assert message in run.stderr
    assert len(run.stderr.splitlines()) == 1
    assert sorted(os.listdir(tmp_path)) == before


@pytest.mark.slow  # runs the CLI in a new process
def test_bad_bucket_setting_names_the_variable(song: Path, local_env: dict[str, str]) -> None:
    env = {**local_env, "MEDIAMILL_BUCKETS": "media=ftp://somewhere"}
    run = mediamill("upload", "media", "song.mp3", song, env=env)
    assert run.returncode == 1
    assert "MEDIAMILL_BUCKETS is not valid" in run.stderr
    assert "'ftp://somewhere' is neither s3://BUCKET nor file:///PATH" in run.stderr


def test_against_s3(song: Path, tmp_path: Path, s3_server: SeaweedFS) -> None:
    real_name = s3_server.create_bucket(f"cli-{uuid.uuid4().hex[:12]}")
    env = {
        **s3_server.env(),
        "MEDIAMILL_DATA_DIR": str(tmp_path / "data"),
        "MEDIAMILL_BUCKETS": f"media=s3://{real_name}",
    }
    run = mediamill("upload", "media", "in/song.mp3", song, env=env)
    assert run.returncode == 0, run.stderr
    body = s3_server.client().get_object(Bucket=real_name, Key="in/song.mp3")["Body"]
    assert body.read() == song.read_bytes()
    assert not (tmp_path / "data").exists()  # nothing went to a local folder

    copy = tmp_path / "copy.mp3"
    run = mediamill("download", "media", "in/song.mp3", copy, env=env)
    assert run.returncode == 0, run.stderr
    assert copy.read_bytes() == song.read_bytes()

    run = mediamill("download", "media", "missing.mp3", tmp_path / "m", env=env)
    assert run.returncode == 1
    assert "no object 'missing.mp3' in bucket 'media'" in run.stderr

    wrong = {**env, "MEDIAMILL_S3_SECRET_ACCESS_KEY": "wrong"}
    run = mediamill("upload", "media", "other.mp3", song, env=wrong)
    assert run.returncode == 1
    assert "refused the request signature: check MEDIAMILL_S3_SECRET_ACCESS_KEY" in run.stderr


@pytest.mark.django_db
def test_grants_json_and_errors(capsys: pytest.CaptureFixture[str]) -> None:
    from django.contrib.auth.models import User

    from mediamill.cli import main

    User.objects.create_user("alice")
    assert main(["buckets", "grants", "--json"]) == 0
    assert capsys.readouterr().out == "[]\n"
    assert main(["buckets", "grant", "uploads", "alice"]) == 0
    capsys.readouterr()
    assert main(["buckets", "grants", "--json"]) == 0
    [grant] = json.loads(capsys.readouterr().out)
    assert (grant["bucket"], grant["user"]) == ("uploads", "alice")
    assert grant["granted"].endswith("Z")
    assert main(["buckets", "revoke", "media", "alice"]) == 1
    err = capsys.readouterr().err
    assert err == "mediamill buckets revoke: error: alice has no grant of the bucket 'media'\n"
