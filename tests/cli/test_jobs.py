"""``mediamill jobs create|list|show|watch|cancel``: JSON output, progress and errors."""

from __future__ import annotations

import threading
import time

import pytest
from tests.cli.conftest import Cli, one_line_error
from tests.jobs_helpers import FLAC, WAV, Measures, make_pipeline

from mediamill.jobs import service
from mediamill.jobs.models import Job

pytestmark = pytest.mark.django_db


def create(cli: Cli, pipeline_id: str, *extra: str) -> str:
    run = cli("jobs", "create", pipeline_id, "media/song.mp3", "-p", WAV, "-p", f"{FLAC}=x.flac",
              "--prefix", "processed/", *extra)  # fmt: skip
    assert run.status == 0, run.err
    return run.out.strip()


def test_create_builds_the_request(cli: Cli) -> None:
    job = Job.objects.get(pk=create(cli, make_pipeline().id))
    assert job.input_key == "media/song.mp3" and job.output_key_prefix == "processed/"
    assert [(o.key, o.preset_id) for o in job.outputs.all()] == [
        ("song.wav", WAV),
        ("x.flac", FLAC),
    ]


def test_create_list_show_json(cli: Cli) -> None:
    pipeline = make_pipeline()
    run = cli("jobs", "create", pipeline.id, "media/song.mp3", "-p", WAV, "--json")
    created = run.json()
    assert created["Status"] == "Submitted" and created["Progress"] == 0
    assert created["Outputs"][0]["Key"] == "song.wav"
    second = create(cli, pipeline.id)
    listed = cli("jobs", "list", "--json").json()
    assert [j["Id"] for j in listed] == [second, created["Id"]]  # newest first
    assert cli("jobs", "show", created["Id"], "--json").json() == created
    assert cli("jobs", "list", "--status", "Complete", "--json").json() == []


def test_list_table(cli: Cli) -> None:
    assert cli("jobs", "list").out == "no jobs (create one with `mediamill jobs create`)\n"
    job_id = create(cli, make_pipeline().id)
    lines = cli("jobs", "list").out.splitlines()
    assert lines[0].split()[:4] == ["ID", "STATUS", "PROGRESS", "PIPELINE"]
    assert lines[1].split()[:3] == [job_id, "Submitted", "0%"]


def test_cancel(cli: Cli) -> None:
    job_id = create(cli, make_pipeline().id)
    assert cli("jobs", "cancel", job_id).out == f"canceled {job_id}\n"
    assert Job.objects.get(pk=job_id).status == "Canceled"
    one_line_error(cli("jobs", "cancel", job_id), "jobs cancel", "only Submitted jobs")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_watch_follows_a_running_job_to_the_end(cli: Cli) -> None:
    job_id = create(cli, make_pipeline().id)

    def work() -> None:
        time.sleep(0.3)
        assert service.claim(job_id, "w1", 60)
        for percent in (10, 40, 80):
            service.report_progress(job_id, "w1", percent)
            time.sleep(0.2)
        service.complete(job_id, "w1", {1: Measures(), 2: Measures()})

    worker = threading.Thread(target=work)
    worker.start()
    run = cli("jobs", "watch", job_id, "--interval", "0.05")
    worker.join()
    assert run.status == 0, run.err
    seen = [int(line.rsplit(" ", 1)[1].rstrip("%")) for line in run.err.splitlines()]
    assert seen[0] < 100 and seen[-1] == 100 and seen == sorted(seen)
    assert "status:     Complete" in run.out


def test_watch_of_a_failed_job_fails(cli: Cli) -> None:
    job_id = create(cli, make_pipeline().id)
    assert service.claim(job_id, "w1", 60)
    from mediamill.errors import MediaError

    service.fail(job_id, "w1", MediaError("the input is not media", code=4000))
    run = cli("jobs", "watch", job_id)
    assert run.status == 1
    assert (
        run.err.strip()
        .splitlines()[-1]
        .startswith(f"mediamill jobs watch: error: job {job_id} ended Error: 4000")
    )


def test_watch_gives_up_after_its_timeout(cli: Cli) -> None:
    job_id = create(cli, make_pipeline().id)
    run = cli("jobs", "watch", job_id, "--interval", "0.05", "--timeout", "0.2")
    one_line_error(run, "jobs watch", "is still Submitted after 0.2 s")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("jobs", "show", "nope"), "no job 'nope'"),
        (("jobs", "watch", "nope"), "no job 'nope'"),
        (("jobs", "cancel", "nope"), "not found"),
        (("jobs", "create", "1111111111111-abcdef", "a.mp3", "-p", WAV), "pipeline was not found"),
        (("jobs", "create", "nope", "a.mp3", "-p", WAV), "at 'pipelineId'"),
        (("jobs", "create", "{p}", "a.mp3", "-p", "1351620000001-999999"), "1351620000001-999999"),
        (("jobs", "create", "{p}", "a.mp3", "-p", "1111111111111-abcdef"), "=KEY"),
        (("jobs", "create", "{p}", "a.mp3", "-p", WAV, "--owner", "ghost"), "no user 'ghost'"),
    ],
)
def test_errors_are_one_line(cli: Cli, argv: tuple[str, ...], message: str) -> None:
    pipeline = make_pipeline()
    run = cli(*(a.replace("{p}", pipeline.id) for a in argv))
    one_line_error(run, " ".join(argv[:2]), message)
