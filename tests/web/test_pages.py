"""The pages, end to end in-process: a real upload transcoded by the real runner, then the
library, the file's page, its player sources (Range), waveform, expiring downloads,
notices and deletion, as its owner sees them."""

from __future__ import annotations

import io
import re
import time
from pathlib import Path

import pytest
from django.core import mail
from django.test import Client
from PIL import Image
from tests.decoded import decode
from tests.web_helpers import PASSWORD, person, tutorial_recipe, upload

from mediamill.buckets import get_bucket
from mediamill.jobs import runner
from mediamill.jobs.models import Job, JobOutput, JobStatus
from mediamill.notifications.models import Notice
from mediamill.testing import write_audio
from mediamill.web.models import MediaFile

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MEDIAMILL_DATA_DIR", str(tmp_path / "data"))
    tutorial_recipe()
    return tmp_path


@pytest.fixture(scope="module")
def song(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_audio(tmp_path_factory.mktemp("pages") / "song.mp3", 3.0)


def signed_in(username: str) -> Client:
    person(username)
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def processed(client: Client, song: Path, username: str = "alice") -> MediaFile:
    from django.contrib.auth.models import User

    item = upload(User.objects.get(username=username), song)
    assert item.job is not None
    assert runner.run_job(item.job.id) == JobStatus.COMPLETE
    item.refresh_from_db()
    return item


def test_the_whole_life_of_a_file(song: Path, tmp_path: Path) -> None:
    client = signed_in("alice")
    item = processed(client, song)

    # Library: the file, Ready, and the notice on every page with the unread count.
    page = client.get("/").content.decode()
    assert "song.mp3" in page and "Ready" in page
    notice = Notice.objects.get(owner__username="alice")
    assert "Your file song.mp3 has been processed" in page
    assert re.search(r'id="unread"[^>]*>1<', page)
    # What the outputs take, against the person's limit (MEDIAMILL_USER_MAX_STORED_MB).
    assert re.search(r"Your processed files take [\d.]+\s[KM]B of the 50.0\sGB you may keep", page)

    # Detail: input and outputs with format, duration, size; player; waveform.
    detail = client.get(f"/files/{item.pk}/").content.decode()
    for expected in ("WAV", "FLAC", "MP4", "0:03", "song.flac", "<audio", "waveform.png"):
        assert expected in detail, expected
    png = client.get(f"/files/{item.pk}/waveform.png")
    assert png.status_code == 200 and png["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(b"".join(png.streaming_content)))  # type: ignore[attr-defined]
    assert image.size == (1200, 160)
    assert image.getbbox() is not None  # something was drawn

    # Player sources answer Range requests (seeking).
    flac = JobOutput.objects.get(job=item.job, key="song.flac")
    whole = get_bucket("alice-media").size(f"files/{item.pk}/song.flac")
    part = client.get(f"/files/{item.pk}/play/{flac.index}/", HTTP_RANGE="bytes=100-199")
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 100-199/{whole}"
    assert len(b"".join(part.streaming_content)) == 100  # type: ignore[attr-defined]
    assert client.get(f"/files/{item.pk}/play/9/").status_code == 404

    # The FLAC through its expiring link decodes to the song's length.
    link = re.search(
        r'href="(/download/[^"]+)"[^>]*>Download<span class="visually-hidden"> '
        r"song.flac",
        detail,
    )
    assert link is not None
    answer = client.get(link.group(1))
    assert answer.status_code == 200
    assert "attachment" in answer["Content-Disposition"]
    saved = tmp_path / "downloaded.flac"
    saved.write_bytes(b"".join(answer.streaming_content))  # type: ignore[attr-defined]
    decoded = decode(saved)
    assert decoded.audio_codec == "flac" and abs(decoded.duration - 3.0) < 0.1

    # Dismissing the notice (POST) removes it from every page.
    assert client.post("/notices/dismiss/", {"id": notice.pk}).status_code == 302
    assert "has been processed" not in client.get("/").content.decode()

    # Delete: input, outputs, waveform and job records together.
    job_id = item.job_id
    unconfirmed = client.post(f"/files/{item.pk}/delete/")
    assert unconfirmed.status_code == 400 and 'id="delete-error"' in unconfirmed.content.decode()
    assert MediaFile.objects.exists()
    assert client.post(f"/files/{item.pk}/delete/", {"confirm": "yes"}).status_code == 302
    assert not MediaFile.objects.exists() and not Job.objects.filter(pk=job_id).exists()
    assert list(get_bucket("alice-uploads").list()) == []
    assert list(get_bucket("alice-media").list()) == []
    assert client.get(link.group(1)).status_code == 404


def test_download_links_expire_and_cannot_be_altered(
    song: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEDIAMILL_WEB_LINK_SECONDS", "1")
    client = signed_in("alice")
    item = processed(client, song)
    detail = client.get(f"/files/{item.pk}/").content.decode()
    link = re.findall(r'href="(/download/[^"]+)"', detail)[1]
    assert client.get(link).status_code == 200
    tampered = link[:-3] + ("A" if link[-3] != "A" else "B") + link[-2:]
    assert client.get(tampered).status_code == 404
    time.sleep(2.1)
    assert client.get(link).status_code == 404


def test_a_failed_file_says_why(tmp_path: Path) -> None:
    client = signed_in("alice")
    broken = tmp_path / "broken.mp3"
    broken.write_bytes(b"ID3" + b"\x00" * 64 + b"not audio at all" * 100)
    from django.contrib.auth.models import User

    item = upload(User.objects.get(username="alice"), broken)
    assert item.job is not None
    assert runner.run_job(item.job.id) == JobStatus.ERROR
    page = client.get("/").content.decode()
    assert "Your file broken.mp3 could not be processed" in page
    reason = page.split("could not be processed", 1)[1]
    assert 'class="reason"' in reason.split("</p>", 1)[0]
    assert re.search(r"\d{4} [0-9a-f-]{36}:", page) is None  # no raw error codes
    assert "Failed" in client.get(f"/files/{item.pk}/").content.decode()


def test_the_status_fragment_polls_while_running_and_stops_when_done(song: Path) -> None:
    client = signed_in("alice")
    from django.contrib.auth.models import User

    item = upload(User.objects.get(username="alice"), song)
    waiting = client.get(f"/files/{item.pk}/status/")
    assert 'hx-trigger="every 1s"' in waiting.content.decode()
    assert "HX-Trigger" not in waiting
    assert item.job is not None
    Job.objects.filter(pk=item.job.id).update(status=JobStatus.PROGRESSING, progress=42)
    running = client.get(f"/files/{item.pk}/status/").content.decode()
    assert 'value="42"' in running and "Processing 42%" in running
    runner.run_job(item.job.id)  # claims nothing: it is Progressing without a lease holder
    Job.objects.filter(pk=item.job.id).update(status=JobStatus.COMPLETE, progress=100)
    done = client.get(f"/files/{item.pk}/status/")
    assert "every 1s" not in done.content.decode()
    assert done["HX-Trigger"] == "notices-changed"


def test_library_is_newest_first_paginated_and_searchable(song: Path) -> None:
    from django.contrib.auth.models import User

    client = signed_in("alice")
    alice = User.objects.get(username="alice")
    for i in range(27):
        MediaFile.objects.create(
            owner=alice, name=f"take {i:02d}.mp3", bucket="b", key=f"k{i}", size=1
        )
    first = client.get("/").content.decode()
    assert first.index("take 26.mp3") < first.index("take 25.mp3")
    assert "take 01.mp3" not in first and "Page 1 of 2" in first
    second = client.get("/?page=2").content.decode()
    assert "take 01.mp3" in second and "take 26.mp3" not in second
    found = client.get("/?q=TAKE 1").content.decode()
    assert "take 10.mp3" in found and "take 20.mp3" not in found
    assert "No file" in client.get("/?q=nothing").content.decode()


def test_an_empty_library_invites_a_drop() -> None:
    assert "No files yet — drop one here" in signed_in("alice").get("/").content.decode()


def test_password_reset_by_mail() -> None:
    person("alice")
    client = Client()
    assert client.post("/accounts/reset/", {"email": "alice@example.org"}).status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+/)", str(mail.outbox[0].body))
    assert link is not None
    form = client.get(link.group(1), follow=True)
    new = "another long passphrase 7"
    done = client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert done.status_code == 302
    assert Client().login(username="alice", password=new)


def test_a_video_gets_a_video_player_with_its_dimensions_and_no_waveform(tmp_path: Path) -> None:
    from django.contrib.auth.models import User

    from mediamill.testing import write_video
    from mediamill.web.models import Recipe

    client = signed_in("alice")
    recipe = Recipe.objects.create(name="Small video", preset_ids=["1351620000001-000061"])
    clip = write_video(tmp_path / "clip.mp4", 1.0, width=320, height=240)
    item = upload(User.objects.get(username="alice"), clip, recipe=str(recipe.pk))
    assert item.job is not None
    assert runner.run_job(item.job.id) == JobStatus.COMPLETE
    item.refresh_from_db()
    assert item.waveform_key == ""
    page = client.get(f"/files/{item.pk}/").content.decode()
    assert "<video" in page and "<audio" not in page
    assert page.count("320×240") == 2  # the original and the output
