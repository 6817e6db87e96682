"""Resize URLs against a real ``mediamill serve`` process over real sockets: 20 clients at
once on a new resize get one render; hostile originals are refused and the server goes on."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.images_helpers import decode, gif, jpeg, png_bomb
from tests.serve_process import Server, start_server, stop_server

from mediamill.imaging import Keyring, resize_path

pytestmark = pytest.mark.slow


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    folder = tmp_path / "media"
    folder.mkdir()
    started = start_server(tmp_path, MEDIAMILL_BUCKETS=f"media=file://{folder}")
    try:
        yield started
    finally:
        stop_server(started)


def fetch(server: Server, path: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}{path}", timeout=60) as got:
            return got.status, dict(got.headers), got.read()
    except urllib.error.HTTPError as refused:
        return refused.code, dict(refused.headers), refused.read()


def sign(server: Server, key: str, spec: str) -> str:
    return resize_path("media", key, spec, keyring=Keyring(server.data_dir / "image-keys.json"))


def test_twenty_clients_at_once_get_one_render(server: Server, tmp_path: Path) -> None:
    (tmp_path / "media" / "big.jpg").write_bytes(jpeg((3000, 2000)))
    path = sign(server, "big.jpg", "600x400-fill.webp")
    start = threading.Barrier(20)
    answers: list[tuple[int, str, bytes]] = []

    def one() -> None:
        start.wait()
        status, headers, body = fetch(server, path)
        answers.append((status, headers.get("X-Mediamill-Resize", ""), body))

    threads = [threading.Thread(target=one) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a[0] for a in answers] == [200] * 20
    assert [a[1] for a in answers].count("rendered") == 1
    assert len({a[2] for a in answers}) == 1
    assert decode(answers[0][2]).size == (600, 400)
    stored = list((tmp_path / "media" / "_resized" / "big.jpg").iterdir())
    assert [p.name for p in stored] == ["600x400-fill-center-noupscale.webp"]


def test_hostile_originals_are_refused_while_the_server_keeps_serving(
    server: Server, tmp_path: Path
) -> None:
    folder = tmp_path / "media"
    (folder / "ok.jpg").write_bytes(jpeg())
    cases = {
        "bomb.png": (png_bomb(), "more pixels than the limit"),
        "truncated.jpg": (jpeg((800, 600))[:3000], "cannot be decoded"),
        "text.jpg": (b"hello, I am not a JPEG\n" * 50, "not an image in an allowed format"),
        "drawing.svg": (b'<svg xmlns="http://www.w3.org/2000/svg"/>', "not an image in an"),
        "frames.gif": (gif(1000, (4, 4)), "has 1000 frames, more than the limit of 200"),
    }
    for name, (data, message) in cases.items():
        (folder / name).write_bytes(data)
        status, headers, body = fetch(server, sign(server, name, "100x100.png"))
        assert status == 422 and message in body.decode(), (name, body)
        assert headers["X-Content-Type-Options"] == "nosniff"
        status, _, body = fetch(server, sign(server, "ok.jpg", "100x100"))
        assert status == 200 and decode(body).size == (100, 75)
    assert server.process.poll() is None
