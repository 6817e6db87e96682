"""Log records carry what they belong to; MEDIAMILL_LOG_FORMAT=json writes them as JSON."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client
from tests.jobs_helpers import WAV, job_request, make_pipeline

from mediamill import logs
from mediamill.buckets import get_bucket
from mediamill.jobs import runner, service
from mediamill.jobs.requests import RequestedOutput
from mediamill.testing import write_audio


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """What the mediamill loggers write, as MEDIAMILL_LOG_FORMAT=json would."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(logs.ContextFilter())
    handler.setFormatter(logs.JsonFormatter())
    logger = logging.getLogger("mediamill")
    logger.addHandler(handler)
    yield stream
    logger.removeHandler(handler)


def parsed(stream: io.StringIO) -> list[dict[str, str]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_context_is_on_every_record_inside_it(json_lines: io.StringIO) -> None:
    log = logging.getLogger("mediamill.test")
    with logs.context(request_id="r1", user="alice"):
        log.warning("inside %s", "it")
        with logs.context(job_id="j1"):
            log.warning("deeper")
    log.warning("outside")
    first, deeper, outside = parsed(json_lines)
    assert first["message"] == "inside it" and first["level"] == "WARNING"
    assert (first["request_id"], first["user"], first["logger"]) == (
        "r1",
        "alice",
        "mediamill.test",
    )
    assert "job_id" not in first
    assert deeper["job_id"] == "j1" and deeper["user"] == "alice"
    assert set(outside) == {"time", "level", "logger", "message"}


def test_exceptions_keep_their_traceback(json_lines: io.StringIO) -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("mediamill.test").exception("failed")
    [line] = parsed(json_lines)
    assert "ValueError: boom" in line["exception"]


@pytest.mark.django_db
@pytest.mark.slow
def test_a_jobs_records_name_the_job_and_pipeline(
    json_lines: io.StringIO, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEDIAMILL_DATA_DIR", str(tmp_path))
    with open(write_audio(tmp_path / "song.mp3", 1.0), "rb") as stream:
        get_bucket("uploads").write("media/song.mp3", stream)
    pipeline = make_pipeline()
    job = service.create_job(job_request(pipeline, outputs=(RequestedOutput("s.wav", WAV),)))
    assert runner.run_job(job.id) == "Complete"
    records = [r for r in parsed(json_lines) if r["logger"] == "mediamill.jobs.runner"]
    assert [r["message"].split(": ", 1)[1].split(" ")[0] for r in records] == [
        "started",
        "complete",
    ]
    assert all((r["job_id"], r["pipeline_id"]) == (job.id, pipeline.id) for r in records)


@pytest.mark.django_db
def test_a_requests_records_carry_its_id(json_lines: io.StringIO, client: Client) -> None:
    response = client.get("/readyz", headers={"X-Request-ID": "req-42"}, REMOTE_ADDR="127.0.0.1")
    assert response["X-Request-ID"] == "req-42"
    with logs.context(request_id="req-43"):
        logging.getLogger("mediamill.site").info("in a request")
    assert parsed(json_lines)[-1]["request_id"] == "req-43"


def test_the_setting_chooses_the_format(monkeypatch: pytest.MonkeyPatch) -> None:
    assert logs.formatter_config("json") == {"()": logs.JsonFormatter}
    assert "format" in logs.formatter_config("plain")
