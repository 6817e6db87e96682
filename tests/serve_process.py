"""A real `mediamill serve` process for tests that speak HTTP to it over real sockets."""

from __future__ import annotations

import resource
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from mediamill.testing.processes import child_env, free_ports, tail


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]
    log: Path
    data_dir: Path

    def connect(self, timeout: float = 10.0) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=timeout)


def start_server(
    root: Path, *, file_limit: int | None = None, module: str = "mediamill", **settings: str
) -> Server:
    """`mediamill serve` on a free port with its data in ``root``, ready to answer.

    ``file_limit`` starts it with that soft open-file limit (a common default is 1024).
    ``module`` is what ``python -m`` runs: mediamill's CLI, or a test's wrapper of it.
    """
    return start_server_on(free_ports(1)[0], root, file_limit=file_limit, module=module, **settings)


def start_server_on(
    port: int,
    root: Path,
    *,
    file_limit: int | None = None,
    module: str = "mediamill",
    **settings: str,
) -> Server:
    """``start_server`` on a port chosen beforehand (to give the server its own public URL)."""

    def limit_files() -> None:
        if file_limit is not None:
            hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
            resource.setrlimit(resource.RLIMIT_NOFILE, (file_limit, hard))

    data_dir = root / "data"
    log = root / "serve.log"
    env = child_env({"MEDIAMILL_DATA_DIR": str(data_dir), **settings})
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", module, "serve", "--port", str(port), "--workers", "1"],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            preexec_fn=limit_files,
        )
    server = Server(port, process, log, data_dir)
    deadline = time.monotonic() + 60
    while "mediamill serving on" not in log.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            stop_server(server)
            raise AssertionError(f"mediamill serve did not start:\n{tail(log)}")
        time.sleep(0.1)
    return server


def stop_server(server: Server) -> None:
    if server.process.poll() is None:
        server.process.terminate()
        try:
            server.process.wait(30)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def read_answer(sock: socket.socket) -> Answer:
    """One HTTP response read off ``sock`` (the server closes or sends Content-Length)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError(f"connection closed before a full answer: {data!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return Answer(int(lines[0].split()[1]), headers, body)
