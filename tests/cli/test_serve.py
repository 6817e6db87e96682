"""``mediamill serve`` without MEDIAMILL_PUBLIC_URL: the links in notifications point at the
address it serves on, and it says so."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from tests.serve_process import start_server, stop_server
from tests.sns_receiver import Receiver

from mediamill.testing.processes import child_env

pytestmark = pytest.mark.slow

LOOPBACK = "127.0.0.0/8"


def test_public_url_follows_host_and_port(tmp_path: Path) -> None:
    receiver = Receiver().start()
    server = start_server(tmp_path, MEDIAMILL_NOTIFY_ALLOWED_NETWORKS=LOOPBACK)
    try:
        base = f"http://127.0.0.1:{server.port}"
        log = server.log.read_text()
        assert f"public URL {base}, from --host and --port" in log
        env = child_env(
            {
                "MEDIAMILL_DATA_DIR": str(server.data_dir),
                "MEDIAMILL_NOTIFY_ALLOWED_NETWORKS": LOOPBACK,
            }
        )

        def mediamill(*args: str) -> str:
            run = subprocess.run(
                [sys.executable, "-m", "mediamill", *args],
                capture_output=True, text=True, env=env, timeout=60, check=False,
            )  # fmt: skip
            assert run.returncode == 0, run.stderr
            return run.stdout

        subprocess.run(
            [sys.executable, "-m", "mediamill", "createuser", "alice", "--password-stdin"],
            input="a long enough password\n", text=True, env=env, check=True,
            capture_output=True,
        )  # fmt: skip
        topic = mediamill("topics", "create", "done", "--owner", "alice").strip()
        mediamill("subscribe", topic, receiver.url)
        [confirmation] = receiver.wait_for("SubscriptionConfirmation", 1)
        envelope = confirmation.envelope()
        assert envelope["SubscribeURL"].startswith(f"{base}/sns/?Action=ConfirmSubscription")
        assert envelope["SigningCertURL"].startswith(f"{base}/")
    finally:
        stop_server(server)
        receiver.stop()


def test_a_given_public_url_is_kept(tmp_path: Path) -> None:
    server = start_server(tmp_path, MEDIAMILL_PUBLIC_URL="https://media.example.com")
    try:
        assert "public URL" not in server.log.read_text()
    finally:
        stop_server(server)
