"""A person's files on S3 buckets (SeaweedFS, which checks signatures and expiry): the
player and downloads are redirected to presigned URLs, and the waveform is drawn from an
object read as a stream."""

from __future__ import annotations

import re
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.test import Client
from tests.web_helpers import PASSWORD, person, tutorial_recipe, upload

from mediamill.jobs import runner
from mediamill.jobs.models import JobStatus
from mediamill.testing import SeaweedFS, write_audio

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_files_on_s3_play_and_download_through_presigned_urls(
    s3_server: SeaweedFS, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEDIAMILL_DATA_DIR", str(tmp_path / "data"))
    tag = uuid.uuid4().hex[:8]
    uploads = s3_server.create_bucket(f"up-{tag}")
    media = s3_server.create_bucket(f"media-{tag}")
    for name, value in s3_server.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv(
        "MEDIAMILL_BUCKETS", f"alice-uploads=s3://{uploads};alice-media=s3://{media}"
    )
    tutorial_recipe()
    item = upload(person("alice"), write_audio(tmp_path / "song.mp3", 2.0))
    assert item.job is not None
    assert runner.run_job(item.job.id) == JobStatus.COMPLETE
    item.refresh_from_db()
    assert item.waveform_key == f"files/{item.pk}/waveform.png"

    client = Client()
    assert client.login(username="alice", password=PASSWORD)
    page = client.get(f"/files/{item.pk}/").content.decode()
    policy = client.get(f"/files/{item.pk}/")["Content-Security-Policy"]
    assert f"media-src 'self' blob: {s3_server.endpoint_url}" in policy

    play = client.get(f"/files/{item.pk}/play/2/")  # the FLAC
    assert play.status_code == 302 and play["Location"].startswith(s3_server.endpoint_url)
    ranged = urllib.request.Request(play["Location"], headers={"Range": "bytes=0-3"})
    with urllib.request.urlopen(ranged, timeout=10) as answer:
        assert answer.status == 206 and answer.read() == b"fLaC"

    link = re.findall(r'href="(/download/[^"]+)"', page)[2]
    download = client.get(link)
    assert download.status_code == 302
    with urllib.request.urlopen(download["Location"], timeout=10) as answer:
        assert "attachment" in answer.headers["Content-Disposition"]
        assert answer.read(4) == b"fLaC"

    # Another person is not redirected anywhere.
    person("bob")
    bob = Client()
    assert bob.login(username="bob", password=PASSWORD)
    assert bob.get(f"/files/{item.pk}/play/2/").status_code == 404
    assert bob.get(link).status_code == 404
