"""``/metrics`` scraped after a real job, parsed by prometheus-client's own parser."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families
from tests.jobs_helpers import FLAC, WAV, job_request, make_pipeline

from mediamill.buckets import get_bucket
from mediamill.jobs import runner, service
from mediamill.jobs.requests import RequestedOutput
from mediamill.testing import write_audio

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def scrape(client: Client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def test_a_job_is_counted(client: Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDIAMILL_DATA_DIR", str(tmp_path))
    before = scrape(client)
    assert before[("mediamill_jobs", (("state", "Complete"),))] == 0
    song = write_audio(tmp_path / "song.mp3", 2.0)
    with open(song, "rb") as stream:
        get_bucket("uploads").write("media/song.mp3", stream)
    outputs = (RequestedOutput("song.wav", WAV), RequestedOutput("song.flac", FLAC))
    job = service.create_job(job_request(make_pipeline(), outputs=outputs))
    waiting = scrape(client)
    assert waiting[("mediamill_queue_jobs", ())] == 1
    assert waiting[("mediamill_queue_oldest_age_seconds", ())] >= 0
    assert runner.run_job(job.id) == "Complete"

    after = scrape(client)
    assert after[("mediamill_jobs", (("state", "Complete"),))] == 1
    assert after[("mediamill_jobs", (("state", "Submitted"),))] == 0
    assert after[("mediamill_queue_jobs", ())] == 0
    assert after[("mediamill_job_run_seconds_count", ())] == 1
    assert after[("mediamill_job_run_seconds_bucket", (("le", "+Inf"),))] == 1
    assert after[("mediamill_job_seconds_count", ())] == 1
    assert after[("mediamill_output_media_seconds_count", ())] == 2
    assert 3.5 < after[("mediamill_output_media_seconds_sum", ())] < 4.5  # two 2 s outputs
    assert after[("mediamill_deliveries", (("status", "Pending"),))] == 0
    scraped = (("method", "GET"), ("route", "metrics"), ("status", "200"))
    assert after[("mediamill_http_requests_total", scraped)] >= 2  # the two before this one


def test_requests_are_counted_by_route_and_status(client: Client) -> None:
    before = scrape(client)
    key = (
        "mediamill_http_requests_total",
        (("method", "GET"), ("route", "healthz"), ("status", "200")),
    )
    client.get("/healthz")
    client.get("/healthz")
    client.get("/no/such/page")
    after = scrape(client)
    assert after[key] - before.get(key, 0) == 2
    missing = (("method", "GET"), ("route", "(unmatched)"), ("status", "404"))
    assert after[("mediamill_http_requests_total", missing)] >= 1


def test_other_addresses_are_refused(client: Client) -> None:
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 403
    assert b"MEDIAMILL_METRICS_ALLOWED_NETWORKS" in response.content


def test_answers_carry_a_request_id(client: Client) -> None:
    given = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert given["X-Request-ID"] == "abc-123"
    made = client.get("/healthz", headers={"X-Request-ID": "no spaces allowed"})
    assert len(made["X-Request-ID"]) == 32 and made["X-Request-ID"] != "no spaces allowed"
