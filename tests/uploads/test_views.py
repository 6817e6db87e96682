"""The tus endpoint in process (Django's test client): the protocol, the rules, the hooks."""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from tests import upload_hooks

from mediamill.buckets import get_bucket
from mediamill.jobs.models import UserLimits
from mediamill.testing import write_audio
from mediamill.uploads import hooks, service
from mediamill.uploads.models import Upload

pytestmark = pytest.mark.django_db

TUS = {"Tus-Resumable": "1.0.0"}
PIECE = "application/offset+octet-stream"


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MEDIAMILL_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("MEDIAMILL_BUCKETS", raising=False)
    return tmp_path


@pytest.fixture(autouse=True)
def installed_hooks() -> Iterator[None]:
    upload_hooks.install()
    yield
    hooks.clear()


@pytest.fixture(scope="module")
def song(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return write_audio(tmp_path_factory.mktemp("song") / "song.mp3", 2.0).read_bytes()


def signed_in(name: str) -> Client:
    client = Client()
    client.force_login(User.objects.get_or_create(username=name)[0])
    return client


def post(client: Client, headers: dict[str, str]) -> Any:
    """A creation request (no body: Django's client would send an empty form)."""
    return client.generic("POST", "/uploads/", b"", headers=headers)


def metadata(**values: str) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


def create(client: Client, length: int, **values: str) -> str:
    answer = post(
        client,
        headers={**TUS, "Upload-Length": str(length), "Upload-Metadata": metadata(**values)},
    )
    assert answer.status_code == 201, answer.content
    assert answer["Tus-Resumable"] == "1.0.0" and answer["Upload-Offset"] == "0"
    return str(answer["Location"]).removeprefix("http://testserver")


def patch(client: Client, url: str, offset: int, data: bytes) -> Any:
    return client.generic(
        "PATCH",
        url,
        data=data,
        content_type=PIECE,
        headers={**TUS, "Upload-Offset": str(offset)},
        CONTENT_TYPE=PIECE,  # the client leaves it out of an empty body otherwise
    )


def test_options_describes_the_server() -> None:
    answer = Client().options("/uploads/")
    assert answer.status_code == 204
    assert answer["Tus-Version"] == "1.0.0"
    assert set(answer["Tus-Extension"].split(",")) == {"creation", "termination", "expiration"}
    assert int(answer["Tus-Max-Size"]) == 20480 * 1024 * 1024


def test_an_upload_in_pieces_is_stored_probed_and_handed_over_once(song: bytes) -> None:
    alice = signed_in("alice")
    url = create(alice, len(song), filename="../My Song.mp3", recipe="3")
    offset = 0
    for start in range(0, len(song), 7000):
        answer = patch(alice, url, offset, song[start : start + 7000])
        assert answer.status_code == 204, answer.content
        offset = int(answer["Upload-Offset"])
        assert offset == min(start + 7000, len(song))
    result = json.loads(unquote(answer["Upload-Result"]))
    assert result["detail_url"] == "/files/1/"
    [done] = upload_hooks.completions
    assert done.user.username == "alice" and done.filename == "My Song.mp3"
    assert done.metadata == {"filename": "../My Song.mp3", "recipe": "3"}
    assert done.size == len(song) and done.bucket == "alice-uploads"
    with get_bucket("alice-uploads").open_read(done.key) as stored:
        assert hashlib.sha256(stored.read()).digest() == hashlib.sha256(song).digest()
    assert list(get_bucket("alice-uploads").list()) == [done.key]  # no staging file left

    # The last piece retried, or a HEAD after its answer was lost: same result, no new call.
    again = patch(alice, url, len(song), b"")
    assert again.status_code == 204
    assert json.loads(unquote(again["Upload-Result"])) == result
    head = alice.head(url, headers=TUS)
    assert head["Upload-Offset"] == str(len(song))
    assert json.loads(unquote(head["Upload-Result"])) == result
    assert len(upload_hooks.completions) == 1


def test_head_reports_the_stored_offset_and_a_wrong_offset_is_refused(song: bytes) -> None:
    alice = signed_in("alice")
    url = create(alice, len(song), filename="a.mp3")
    assert patch(alice, url, 0, song[:1000]).status_code == 204
    head = alice.head(url, headers=TUS)
    assert head.status_code == 200 and head["Upload-Offset"] == "1000"
    assert head["Upload-Length"] == str(len(song)) and head["Cache-Control"] == "no-store"
    assert "GMT" in head["Upload-Expires"]
    stale = patch(alice, url, 0, song[:1000])
    assert stale.status_code == 409 and stale["Upload-Offset"] == "1000"
    past_end = patch(alice, url, 1000, b"x" * len(song))
    assert past_end.status_code == 400
    assert alice.head(url, headers=TUS)["Upload-Offset"] == "1000"


def test_a_text_file_named_mp3_is_refused_and_removed(tmp_path: Path) -> None:
    alice = signed_in("alice")
    text = b"this is not a song\n" * 100
    url = create(alice, len(text), filename="song.mp3")
    answer = patch(alice, url, 0, text)
    assert answer.status_code == 422
    message = json.loads(answer.content)["message"]
    assert "song.mp3 is not an audio or video file" in message and str(tmp_path) not in message
    assert list(get_bucket("alice-uploads").list()) == []
    assert not list((tmp_path / "buckets" / "alice-uploads").rglob("*.part"))
    assert not Upload.objects.exists() and upload_hooks.completions == []


def test_the_web_apps_refusal_removes_the_file(song: bytes) -> None:
    alice = signed_in("alice")
    url = create(alice, len(song), filename="a.mp3", refuse="yes")
    answer = patch(alice, url, 0, song)
    assert answer.status_code == 422
    assert "The web app refused this file." in json.loads(answer.content)["message"]
    assert list(get_bucket("alice-uploads").list()) == []


def test_another_user_cannot_see_continue_or_stop_an_upload(song: bytes) -> None:
    alice, bob = signed_in("alice"), signed_in("bob")
    url = create(alice, len(song), filename="a.mp3")
    assert bob.head(url, headers=TUS).status_code == 404
    assert patch(bob, url, 0, song).status_code == 404
    assert bob.delete(url, headers=TUS).status_code == 404
    assert alice.head(url, headers=TUS)["Upload-Offset"] == "0"


def test_signed_out_and_non_tus_requests_are_refused() -> None:
    assert post(Client(), headers={**TUS, "Upload-Length": "10"}).status_code == 401
    alice = signed_in("alice")
    answer = post(alice, headers={"Upload-Length": "10"})
    assert answer.status_code == 412 and answer["Tus-Version"] == "1.0.0"
    assert post(alice, headers={**TUS}).status_code == 400  # no Upload-Length
    bad = post(alice, headers={**TUS, "Upload-Length": "-1"})
    assert bad.status_code == 400


def test_csrf_is_required_for_browsers() -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.create(username="alice"))
    answer = post(client, headers={**TUS, "Upload-Length": "10"})
    assert answer.status_code == 403


def test_termination_removes_what_arrived(song: bytes, tmp_path: Path) -> None:
    alice = signed_in("alice")
    url = create(alice, len(song), filename="a.mp3")
    patch(alice, url, 0, song[:5000])
    assert list((tmp_path / "buckets" / "alice-uploads").rglob("*.part"))
    assert alice.delete(url, headers=TUS).status_code == 204
    assert not list((tmp_path / "buckets" / "alice-uploads").rglob("*.part"))
    assert alice.head(url, headers=TUS).status_code == 404


def test_size_limit_and_quota_are_enforced_at_creation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDIAMILL_UPLOAD_MAX_MB", "1")
    alice = signed_in("alice")
    big = post(alice, headers={**TUS, "Upload-Length": str(1024 * 1024 + 1)})
    assert big.status_code == 413 and "1 MiB" in json.loads(big.content)["message"]
    UserLimits.objects.create(user=User.objects.get(username="alice"), max_stored_mb=1)
    monkeypatch.setenv("MEDIAMILL_UPLOAD_MAX_MB", "100")
    create(alice, 600_000, filename="a.mp3")
    over = post(alice, headers={**TUS, "Upload-Length": "600000"})
    assert over.status_code == 429 and "Limit exceeded" in json.loads(over.content)["message"]


def test_without_a_destination_uploads_are_refused() -> None:
    hooks.clear()
    answer = post(signed_in("alice"), headers={**TUS, "Upload-Length": "10"})
    assert answer.status_code == 503
    assert json.loads(answer.content)["message"].startswith("Uploads are not available")


def test_the_destinations_refusal_is_answered_with_its_message() -> None:
    answer = post(
        signed_in("alice"),
        headers={**TUS, "Upload-Length": "10", "Upload-Metadata": metadata(recipe="none")},
    )
    assert answer.status_code == 400 and json.loads(answer.content)["message"] == "No such recipe."


def test_expired_uploads_are_swept_with_their_staging_file(song: bytes, tmp_path: Path) -> None:
    alice = signed_in("alice")
    url = create(alice, len(song), filename="a.mp3")
    patch(alice, url, 0, song[:5000])
    Upload.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert alice.head(url, headers=TUS).status_code == 404  # expired: gone for the client
    assert service.remove_expired() == 1
    assert not Upload.objects.exists()
    assert not list((tmp_path / "buckets" / "alice-uploads").rglob("*.part"))


def test_a_piece_sent_while_another_is_being_stored_waits(song: bytes) -> None:
    alice = signed_in("alice")
    url = create(alice, len(song), filename="a.mp3")
    held = timezone.now() + datetime.timedelta(minutes=1)
    Upload.objects.update(busy_until=held)  # another request is storing a piece
    answer = patch(alice, url, 0, song[:1000])
    assert answer.status_code == 423  # tus clients wait and retry
    Upload.objects.update(busy_until=timezone.now() - datetime.timedelta(seconds=1))
    assert patch(alice, url, 0, song[:1000]).status_code == 204  # a lease that ran out
    assert Upload.objects.get().busy_until is None
