"""Every URL of one person's files, jobs, notices, waveforms, download links and keys is
404 for anybody else, whatever IDs they try; and nothing answers without signing in."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client
from tests.web_helpers import PASSWORD, person, tutorial_recipe, upload

from mediamill.accounts import access_keys
from mediamill.jobs import runner
from mediamill.jobs.models import Job, JobStatus
from mediamill.notifications.models import Notice
from mediamill.testing import write_audio
from mediamill.web.models import MediaFile

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MEDIAMILL_DATA_DIR", str(tmp_path / "data"))
    tutorial_recipe()
    return tmp_path


@pytest.fixture
def alices_file(tmp_path: Path) -> MediaFile:
    alice = person("alice")
    item = upload(alice, write_audio(tmp_path / "secret song.mp3", 2.0))
    assert item.job is not None
    assert runner.run_job(item.job.id) == JobStatus.COMPLETE
    item.refresh_from_db()
    assert item.waveform_key
    return item


def alices_urls(item: MediaFile) -> list[str]:
    owner = Client()
    assert owner.login(username="alice", password=PASSWORD)
    page = owner.get(f"/files/{item.pk}/").content.decode()
    links = re.findall(r'href="(/download/[^"]+)"', page)
    assert len(links) == 4  # the original and three outputs
    for link in links:  # each works for alice herself
        assert owner.get(link).status_code == 200
    return [
        f"/files/{item.pk}/",
        f"/files/{item.pk}/status/",
        f"/files/{item.pk}/waveform.png",
        *(f"/files/{item.pk}/play/{n}/" for n in range(4)),
        *links,
    ]


def test_another_person_gets_404_for_every_url(alices_file: MediaFile) -> None:
    urls = alices_urls(alices_file)
    person("bob")
    bob = Client()
    assert bob.login(username="bob", password=PASSWORD)
    for url in urls:
        assert bob.get(url).status_code == 404, url
    assert bob.post(f"/files/{alices_file.pk}/delete/", {"confirm": "yes"}).status_code == 404
    assert MediaFile.objects.filter(pk=alices_file.pk).exists()
    page = bob.get("/").content.decode()
    assert "secret song" not in page and "No files yet" in page
    assert "secret song" not in bob.get("/notices/").content.decode()
    assert "secret song" not in bob.get("/?q=secret").content.decode()


def test_another_persons_notices_cannot_be_dismissed(alices_file: MediaFile) -> None:
    notice = Notice.objects.get(owner__username="alice")
    person("bob")
    bob = Client()
    assert bob.login(username="bob", password=PASSWORD)
    bob.post("/notices/dismiss/", {"id": notice.pk})
    notice.refresh_from_db()
    assert not notice.read


def test_another_persons_keys_cannot_be_revoked() -> None:
    key_id, _ = access_keys.create_key(person("alice"))
    person("bob")
    bob = Client()
    assert bob.login(username="bob", password=PASSWORD)
    assert bob.post(f"/keys/{key_id}/revoke/").status_code == 404
    assert key_id not in bob.get("/keys/").content.decode()
    assert access_keys.lookup(key_id) is not None


def test_nothing_answers_without_signing_in(alices_file: MediaFile) -> None:
    urls = alices_urls(alices_file)
    anonymous = Client()
    for url in [*urls, "/", "/keys/", "/notices/"]:
        answer = anonymous.get(url)
        if url.startswith("/download/"):
            assert answer.status_code == 404, url
        else:
            assert answer.status_code == 302, url
            assert answer["Location"].startswith("/accounts/signin/"), url


def test_ids_that_never_existed_are_404_too(alices_file: MediaFile) -> None:
    client = Client()
    assert client.login(username="alice", password=PASSWORD)
    for url in ("/files/999/", "/files/999/status/", "/files/999/waveform.png", "/files/0/play/0/"):
        assert client.get(url).status_code == 404, url
    assert client.get("/download/not-a-token/").status_code == 404


def test_deleting_a_running_file_is_refused_next_to_the_button(tmp_path: Path) -> None:
    alice = person("alice")
    item = upload(alice, write_audio(tmp_path / "song.mp3", 1.0))
    assert item.job is not None
    Job.objects.filter(pk=item.job.id).update(status=JobStatus.PROGRESSING)
    client = Client()
    assert client.login(username="alice", password=PASSWORD)
    answer = client.post(f"/files/{item.pk}/delete/", {"confirm": "yes"})
    assert answer.status_code == 409
    assert 'id="delete-error"' in answer.content.decode()
    assert MediaFile.objects.filter(pk=item.pk).exists()
