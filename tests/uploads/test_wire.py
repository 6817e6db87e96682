"""Resumable uploads against a real `mediamill serve`, over real sockets.

The server runs with stand-in hooks (``tests.hooked_serve``; the web app installs the real
ones) that put each user's uploads into ``<username>-uploads`` and record completions.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest
from tests import upload_hooks
from tests.serve_process import Server, start_server, stop_server
from tests.tus_client import TusClient, WavFile, session_for

from mediamill.testing import SeaweedFS

pytestmark = pytest.mark.slow

MiB = 1024 * 1024


def started(root: Path, **settings: str) -> Server:
    settings["UPLOAD_TEST_COMPLETIONS"] = str(root / "completions.jsonl")
    return start_server(root, file_limit=None, module="tests.hooked_serve", **settings)


def completions(server: Server) -> list[dict[str, object]]:
    return upload_hooks.recorded(server.data_dir.parent / "completions.jsonl")


def new_user() -> str:
    return f"u{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="module")
def local_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = started(tmp_path_factory.mktemp("uploads-local"), MEDIAMILL_UPLOAD_CHUNK_MB="16")
    yield server
    stop_server(server)


def stored_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stored:
        while data := stored.read(MiB):
            digest.update(data)
    return digest.hexdigest()


def cut_and_resume(client: TusClient, wav: WavFile, piece: int) -> tuple[str, dict[str, object]]:
    """Upload ``wav``: one piece, then the next cut off half-way, then the rest after a HEAD."""
    path = client.create(wav.length, filename="noise.wav")
    first = client.patch(path, 0, piece, wav.read(0, piece))
    assert first.status == 204, first
    stored = int(first.headers["upload-offset"])
    half = stored + piece // 2
    client.patch_cut(path, stored, piece, wav.read(stored, half))
    time.sleep(0.5)
    assert client.offset(path) == stored  # what was cut off was never counted
    last = client.upload(path, wav.length, wav.read, piece)
    return path, json.loads(unquote(last.headers["upload-result"]))


def test_a_cut_off_upload_resumes_and_completes_once_in_a_folder_bucket(
    local_server: Server,
) -> None:
    user = new_user()
    client = TusClient(local_server.port, session_for(local_server, user))
    wav = WavFile(30 * MiB + 1234)
    path, result = cut_and_resume(client, wav, 12 * MiB)
    key = str(result["key"])
    stored = local_server.data_dir / "buckets" / f"{user}-uploads" / key
    assert stored_hash(stored) == wav.sha256()
    assert [c for c in completions(local_server) if c["user"] == user] == [
        {"user": user, "key": key, "size": wav.length}
    ]
    assert not list(stored.parent.glob(".*.part"))  # the staging file became the object
    assert client.offset(path) == wav.length  # and the upload answers retries until it expires


def test_pieces_larger_than_the_limit_are_refused_unread(local_server: Server) -> None:
    client = TusClient(local_server.port, session_for(local_server, new_user()))
    path = client.create(40 * MiB, filename="big.wav")
    answer = client.patch(path, 0, 17 * MiB, iter([b""]))
    assert answer.status == 413
    anonymous = TusClient(local_server.port, "")
    headers = anonymous.headers(**{"Content-Length": str(2 * MiB)})
    headers["Cookie"] = f"csrftoken={anonymous.csrf}"
    assert anonymous.request("PATCH", path, headers, iter([b""])).status == 413


def test_another_user_cannot_head_patch_or_delete_an_upload(local_server: Server) -> None:
    alice = TusClient(local_server.port, session_for(local_server, new_user()))
    bob = TusClient(local_server.port, session_for(local_server, new_user()))
    wav = WavFile(1 * MiB)
    path = alice.create(wav.length, filename="a.wav")
    assert bob.head(path).status == 404
    assert bob.patch(path, 0, wav.length, wav.read(0, wav.length)).status == 404
    assert bob.delete(path).status == 404
    assert alice.offset(path) == 0
    assert alice.delete(path).status == 204


def test_a_text_file_named_mp3_is_refused_and_removed(local_server: Server) -> None:
    user = new_user()
    client = TusClient(local_server.port, session_for(local_server, user))
    text = b"Dear diary, today I uploaded a song.\n" * 1000
    path = client.create(len(text), filename="song.mp3")
    answer = client.patch(path, 0, len(text), [text])
    assert answer.status == 422
    assert "song.mp3 is not an audio or video file" in json.loads(answer.body)["message"]
    bucket = local_server.data_dir / "buckets" / f"{user}-uploads"
    assert [p for p in bucket.rglob("*") if p.is_file()] == []
    assert not [c for c in completions(local_server) if c["user"] == user]


def test_unfinished_uploads_expire_and_are_removed(tmp_path: Path) -> None:
    server = started(tmp_path, MEDIAMILL_UPLOAD_EXPIRY_HOURS="0.001")  # 3.6 s
    try:
        user = new_user()
        client = TusClient(server.port, session_for(server, user))
        wav = WavFile(2 * MiB)
        path = client.create(wav.length, filename="a.wav")
        assert client.patch(path, 0, MiB, wav.read(0, MiB)).status == 204
        bucket = server.data_dir / "buckets" / f"{user}-uploads"
        assert list(bucket.rglob(".*.part"))
        deadline = time.monotonic() + 20
        while list(bucket.rglob(".*.part")) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not list(bucket.rglob(".*.part"))
        assert client.head(path).status == 404
    finally:
        stop_server(server)


@pytest.mark.services
def test_a_cut_off_upload_resumes_and_completes_once_on_s3(
    tmp_path: Path, s3_server: SeaweedFS
) -> None:
    user = new_user()
    real = s3_server.create_bucket(f"uploads-{uuid.uuid4().hex[:12]}")
    server = started(
        tmp_path,
        MEDIAMILL_UPLOAD_CHUNK_MB="16",
        MEDIAMILL_BUCKETS=f"{user}-uploads=s3://{real}",
        **s3_server.env(),
    )
    try:
        client = TusClient(server.port, session_for(server, user))
        wav = WavFile(30 * MiB + 1234)
        # Pieces of 12 MiB: S3 keeps whole 8 MiB parts, and the client follows its offsets.
        path = client.create(wav.length, filename="noise.wav")
        first = client.patch(path, 0, 12 * MiB, wav.read(0, 12 * MiB))
        assert first.status == 204 and first.headers["upload-offset"] == str(8 * MiB)
        client.patch_cut(path, 8 * MiB, 12 * MiB, wav.read(8 * MiB, 14 * MiB))
        time.sleep(0.5)
        assert client.offset(path) == 8 * MiB
        result = json.loads(
            unquote(client.upload(path, wav.length, wav.read, 12 * MiB).headers["upload-result"])
        )
        body = s3_server.client().get_object(Bucket=real, Key=result["key"])["Body"]
        digest = hashlib.sha256()
        while data := body.read(MiB):
            digest.update(data)
        assert digest.hexdigest() == wav.sha256()
        assert [c for c in completions(server) if c["user"] == user] == [
            {"user": user, "key": result["key"], "size": wav.length}
        ]
        # Terminating an unfinished upload aborts its multipart upload.
        other = client.create(wav.length, filename="b.wav")
        assert client.patch(other, 0, 8 * MiB, wav.read(0, 8 * MiB)).status == 204
        assert s3_server.client().list_multipart_uploads(Bucket=real).get("Uploads")
        assert client.delete(other).status == 204
        assert not s3_server.client().list_multipart_uploads(Bucket=real).get("Uploads")
    finally:
        stop_server(server)


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def test_a_2_gib_upload_completes_with_little_server_memory(tmp_path: Path) -> None:
    server = started(tmp_path, MEDIAMILL_UPLOAD_CHUNK_MB="64")
    try:
        user = new_user()
        client = TusClient(server.port, session_for(server, user))
        wav = WavFile(2 * 1024 * MiB, block=bytes(MiB))  # silence: the disk may keep it sparse
        path = client.create(wav.length, filename="long.wav")
        client.patch(path, 0, MiB, wav.read(0, MiB))  # warm up: first request, probe imports
        before = rss_bytes(server.process.pid)
        peak = before
        done = threading.Event()

        def watch() -> None:
            nonlocal peak
            while not done.is_set():
                peak = max(peak, rss_bytes(server.process.pid))
                time.sleep(0.05)

        watcher = threading.Thread(target=watch)
        watcher.start()
        try:
            last = client.upload(path, wav.length, wav.read, 64 * MiB)
        finally:
            done.set()
            watcher.join()
        key = json.loads(unquote(last.headers["upload-result"]))["key"]
        stored = server.data_dir / "buckets" / f"{user}-uploads" / key
        assert stored.stat().st_size == wav.length
        assert stored_hash(stored) == wav.sha256()
        assert peak - before < 100 * MiB, f"server RSS grew by {(peak - before) / MiB:.0f} MiB"
    finally:
        stop_server(server)
