"""A small tus 1.0 client for tests that speak to a real `mediamill serve` over sockets.

Signed in with a session cookie (``tests.upload_hooks`` makes one) and a CSRF token of our
own choosing, as a browser page of the site would send them. Pieces are streamed from
iterables, so a test can upload gigabytes it never holds; ``patch_cut`` sends part of a
piece and drops the connection, as a network failure would.
"""

from __future__ import annotations

import base64
import http.client
import secrets
import socket
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.serve_process import Server

from mediamill.testing.processes import child_env

#: Gives the bytes of the file from ``start`` to ``end`` in pieces.
Source = Callable[[int, int], Iterable[bytes]]


def session_for(server: Server, username: str, **settings: str) -> str:
    """A signed-in session of ``username`` (created if new) in the server's database."""
    env = child_env({"MEDIAMILL_DATA_DIR": str(server.data_dir), **settings})
    out = subprocess.run(
        [sys.executable, "-m", "tests.upload_hooks", "session", username],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip().splitlines()[-1]


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class TusClient:
    port: int
    session: str
    csrf: str = field(default_factory=lambda: secrets.token_hex(16))

    def headers(self, **extra: str) -> dict[str, str]:
        return {
            "Tus-Resumable": "1.0.0",
            "Cookie": f"sessionid={self.session}; csrftoken={self.csrf}",
            "X-CSRFToken": self.csrf,
            **extra,
        }

    def request(
        self, method: str, path: str, headers: dict[str, str], body: Iterable[bytes] | None = None
    ) -> Answer:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return Answer(
                response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
            )
        finally:
            connection.close()

    def create(self, length: int, **metadata: str) -> str:
        encoded = ",".join(
            f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in metadata.items()
        )
        answer = self.request(
            "POST",
            "/uploads/",
            self.headers(**{"Upload-Length": str(length), "Upload-Metadata": encoded}),
        )
        assert answer.status == 201, answer
        return answer.headers["location"].split(f":{self.port}", 1)[-1]

    def head(self, path: str) -> Answer:
        return self.request("HEAD", path, self.headers())

    def offset(self, path: str) -> int:
        answer = self.head(path)
        assert answer.status == 200, answer
        return int(answer.headers["upload-offset"])

    def patch(self, path: str, offset: int, length: int, body: Iterable[bytes]) -> Answer:
        headers = self.headers(
            **{
                "Upload-Offset": str(offset),
                "Content-Type": "application/offset+octet-stream",
                "Content-Length": str(length),
            }
        )
        return self.request("PATCH", path, headers, body)

    def patch_cut(self, path: str, offset: int, length: int, body: Iterable[bytes]) -> None:
        """Announce a piece of ``length`` bytes, send what ``body`` gives, then hang up."""
        head = [f"PATCH {path} HTTP/1.1", "Host: 127.0.0.1"]
        head += [
            f"{k}: {v}"
            for k, v in self.headers(
                **{
                    "Upload-Offset": str(offset),
                    "Content-Type": "application/offset+octet-stream",
                    "Content-Length": str(length),
                }
            ).items()
        ]
        with socket.create_connection(("127.0.0.1", self.port)) as sock:
            sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
            for data in body:
                sock.sendall(data)

    def delete(self, path: str) -> Answer:
        return self.request("DELETE", path, self.headers())

    def upload(self, path: str, length: int, source: Source, piece: int) -> Answer:
        """Send the file from where the server says it is, one piece at a time, to the end.

        Like tus-js-client, each next piece starts at the offset the server answered (which
        may be short of what was sent: an S3 upload keeps whole parts only).
        """
        offset = self.offset(path)
        while True:
            end = min(offset + piece, length)
            answer = self.patch(path, offset, end - offset, source(offset, end))
            assert answer.status == 204, answer
            offset = int(answer.headers["upload-offset"])
            if offset == length:
                return answer


def wav_header(data_size: int, rate: int = 44100, channels: int = 2) -> bytes:
    """A 16-bit PCM WAV header for ``data_size`` bytes of samples (any bytes are samples)."""
    block = channels * 2
    return (
        b"RIFF"
        + (36 + data_size).to_bytes(4, "little")
        + b"WAVEfmt "
        + (16).to_bytes(4, "little")
        + (1).to_bytes(2, "little")
        + channels.to_bytes(2, "little")
        + rate.to_bytes(4, "little")
        + (rate * block).to_bytes(4, "little")
        + block.to_bytes(2, "little")
        + (16).to_bytes(2, "little")
        + b"data"
        + data_size.to_bytes(4, "little")
    )


class WavFile:
    """A WAV file of ``length`` bytes defined by a function, never held whole.

    The samples repeat a block of random noise, so every byte range is reproducible and the
    content hash can be computed the same way.
    """

    def __init__(self, length: int, block: bytes | None = None) -> None:
        self.length = length
        self.header = wav_header(length - 44)
        self.block = block if block is not None else secrets.token_bytes(1024 * 1024)

    def read(self, start: int, end: int) -> Iterator[bytes]:
        position = start
        while position < end:
            if position < len(self.header):
                data = self.header[position : min(end, len(self.header))]
            else:
                at = (position - len(self.header)) % len(self.block)
                data = self.block[at : at + min(end - position, len(self.block) - at)]
            yield data
            position += len(data)

    def sha256(self) -> str:
        import hashlib

        digest = hashlib.sha256()
        for data in self.read(0, self.length):
            digest.update(data)
        return digest.hexdigest()

    def write_to(self, path: Path) -> None:
        with open(path, "wb") as out:
            for data in self.read(0, self.length):
                out.write(data)
