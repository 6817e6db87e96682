"""Secrets leave the environment of long-running processes once they have started."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from mediamill import settings
from mediamill.testing import RedisDatabase
from mediamill.testing.processes import child_env, free_ports, tail
from mediamill.testing.pytest_plugin import started

SECRET = "do-not-leak-0f3c9a"


def test_get_answers_from_memory_after_the_scrub(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "_kept", {})
    monkeypatch.setenv("MEDIAMILL_SECRET_KEY", SECRET)
    monkeypatch.setenv("MEDIAMILL_PROBE_TIMEOUT", "12")
    assert "MEDIAMILL_SECRET_KEY" in settings.scrub_environment()
    assert "MEDIAMILL_SECRET_KEY" not in os.environ
    assert settings.get("MEDIAMILL_SECRET_KEY") == SECRET
    assert os.environ["MEDIAMILL_PROBE_TIMEOUT"] == "12"  # not a secret: stays
    monkeypatch.setenv("MEDIAMILL_SECRET_KEY", "set-again")
    assert settings.get("MEDIAMILL_SECRET_KEY") == "set-again"


def test_scrub_blanks_the_initial_environment_block(tmp_path: Path) -> None:
    code = (
        "import os; from mediamill import settings; settings.scrub_environment();"
        "print(settings.get('DATABASE_URL'));"
        "print(open('/proc/self/environ', 'rb').read().count(b'" + SECRET + "'))"
    )
    env = child_env({"DATABASE_URL": f"postgres://u:{SECRET}@db/x", "KEEP_ME": "yes"})
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == [f"postgres://u:{SECRET}@db/x", "0"]


@pytest.mark.slow
def test_serve_runs_with_its_secrets_only_in_memory(tmp_path: Path) -> None:
    (port,) = free_ports(1)
    database = tmp_path / f"{SECRET}.sqlite3"
    env = child_env(
        {
            "MEDIAMILL_DATA_DIR": str(tmp_path / "data"),
            "DATABASE_URL": f"sqlite:///{database}",
            "MEDIAMILL_SECRET_KEY": SECRET,
        }
    )
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "mediamill", "serve", "--port", str(port), "--workers", "1"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_healthy(port, server, log)
        environ = Path(f"/proc/{server.pid}/environ").read_bytes()
        assert SECRET.encode() not in environ
        assert database.exists()  # the scrubbed DATABASE_URL is still the one in use
    finally:
        server.terminate()
        server.wait(30)


@pytest.mark.slow
@pytest.mark.services
def test_worker_runs_with_its_secrets_only_in_memory(tmp_path: Path) -> None:
    # Celery and Django read the broker and database URLs after the scrub, from memory.
    database = tmp_path / f"{SECRET}.sqlite3"
    log = tmp_path / "worker.log"
    with started(RedisDatabase("secrets")) as redis_db:
        broker = redis_db.url
        env = child_env(
            {
                "MEDIAMILL_DATA_DIR": str(tmp_path / "data"),
                "DATABASE_URL": f"sqlite:///{database}",
                "MEDIAMILL_SECRET_KEY": SECRET,
                "MEDIAMILL_BROKER_URL": broker,
            }
        )
        with log.open("wb") as out:
            worker = subprocess.Popen(
                [sys.executable, "-m", "mediamill", "worker", "-c", "1"],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            deadline = time.monotonic() + 60
            while b" ready." not in log.read_bytes():
                if worker.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the worker did not start:\n{tail(log)}")
                time.sleep(0.2)
            environ = Path(f"/proc/{worker.pid}/environ").read_bytes()
            assert SECRET.encode() not in environ
            assert broker.encode() not in environ
            assert database.exists()
        finally:
            worker.terminate()
            worker.wait(30)


def _wait_healthy(port: int, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"serve exited with {server.returncode}:\n{tail(log)}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"serve did not answer /healthz:\n{tail(log)}")
