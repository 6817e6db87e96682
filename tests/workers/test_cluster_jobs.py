"""The job suite on real clusters: every test runs in each mode of tests/cluster.py.

    embedded  `mediamill serve` with worker threads, SQLite, local-folder buckets
    rabbitmq  two `mediamill worker` on RabbitMQ, PostgreSQL, S3 buckets on SeaweedFS
    redis     two `mediamill worker` on Redis, PostgreSQL, shared local-folder buckets

Jobs are created by a separate driver process, as an application would create them, and
their outputs are fetched from the output bucket and decoded.
"""

from __future__ import annotations

import re
import time
import uuid
from pathlib import Path

import pytest
from tests.cluster import Cluster, check_outputs

#: Real `mediamill serve` and `mediamill worker` processes; the distributed modes of the
#: ``cluster`` fixture are also marked ``services``.
pytestmark = pytest.mark.slow

WAV = "1351620000001-300300"
FLAC = "1351620000001-300110"
AAC = "1351620000001-100110"
#: The tutorial's outputs.
TUTORIAL = [
    {"Key": "song.wav", "PresetId": WAV},
    {"Key": "song.flac", "PresetId": FLAC},
    {"Key": "song.mp4", "PresetId": AAC},
]
ORDER = ["Submitted", "Progressing", "Complete"]
DETAIL = re.compile(r"(\d{4}) [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}:(.+)")


def upload(cluster: Cluster, source: Path) -> str:
    key = f"media/{uuid.uuid4().hex[:10]}{source.suffix}"
    cluster.put(key, source)
    return key


def prefix() -> str:
    return f"processed/{uuid.uuid4().hex[:10]}/"


def test_a_job_goes_submitted_progressing_complete(
    cluster: Cluster, short_song: Path, tmp_path: Path
) -> None:
    job_id = cluster.submit(upload(cluster, short_song), TUTORIAL, prefix())
    seen: list[str] = []
    deadline = time.monotonic() + 60
    while not seen or seen[-1] not in ("Complete", "Error"):
        job = cluster.job(job_id)
        if not seen or seen[-1] != job["status"]:
            seen.append(job["status"])
        assert time.monotonic() < deadline, f"not finished: {job}\n{cluster.logs()}"
        time.sleep(0.02)

    assert job["status"] == "Complete", f"{job}\n{cluster.logs()}"
    # Polling cannot promise to see every state, but what it sees comes in this order.
    assert seen == [s for s in ORDER if s in seen], seen
    assert job["progress"] == 100
    assert job["status_detail"] == ""
    assert job["attempts"] == 1
    assert job["submit_time_millis"] <= job["start_time_millis"] <= job["finish_time_millis"]
    assert [o["key"].rsplit("/", 1)[1] for o in job["outputs"]] == [
        "song.wav",
        "song.flac",
        "song.mp4",
    ]
    check_outputs(cluster, job, short_song, tmp_path)
    assert cluster.count_log(job_id, "started") == 1
    assert cluster.count_log(job_id, "complete") == 1


def test_bad_inputs_fail_alone_with_clear_details(
    cluster: Cluster,
    short_song: Path,
    short_song_truncated: Path,
    text_mp3: Path,
    tmp_path: Path,
) -> None:
    """Jobs submitted together: the good ones complete, each bad one ends in its own Error."""
    good = [cluster.submit(upload(cluster, short_song), TUTORIAL, prefix()) for _ in range(2)]
    text = cluster.submit(upload(cluster, text_mp3), TUTORIAL, prefix())
    truncated = cluster.submit(upload(cluster, short_song_truncated), TUTORIAL, prefix())
    missing = cluster.submit("media/not-uploaded.mp3", TUTORIAL, prefix())

    jobs = cluster.wait_final([*good, text, truncated, missing])

    for job_id in good:
        assert jobs[job_id]["status"] == "Complete", f"{jobs[job_id]}\n{cluster.logs()}"
        check_outputs(cluster, jobs[job_id], short_song, tmp_path)
    expected = {text: 4000, truncated: 4000, missing: 3001}
    for job_id, code in expected.items():
        job = jobs[job_id]
        assert job["status"] == "Error", f"{job}\n{cluster.logs()}"
        match = DETAIL.fullmatch(job["status_detail"])
        assert match, job["status_detail"]
        assert int(match[1]) == code, job["status_detail"]
        assert len(match[2]) > 10, job["status_detail"]  # says what is wrong
        assert [o["status"] for o in job["outputs"]] == ["Error"] * 3
        assert all(o["status_detail"].startswith(f"{code} ") for o in job["outputs"])
        assert job["attempts"] == 1  # an error is final: no retry
        prefix_of_job = job["outputs"][0]["key"].rsplit("/", 1)[0] + "/"
        assert cluster.output_keys(prefix_of_job) == []
    assert "not-uploaded.mp3" in jobs[missing]["status_detail"]


def test_a_job_delivered_twice_runs_once(
    cluster: Cluster, short_song: Path, tmp_path: Path
) -> None:
    job_id = cluster.submit(upload(cluster, short_song), TUTORIAL, prefix())
    if cluster.distributed:
        # The job's message twice more: both idle workers receive one at the same moment.
        cluster.call("send", job_id=job_id, times=2)
    else:
        # Two more runners race the server's worker threads for the job.
        results = cluster.call("run", job_id=job_id, threads=2)
        assert results.count(None) >= 1, results

    job = cluster.wait_final([job_id])[job_id]

    assert job["status"] == "Complete", f"{job}\n{cluster.logs()}"
    assert job["attempts"] == 1
    assert cluster.count_log(job_id, "started") == 1, cluster.logs()
    assert cluster.count_log(job_id, "complete") == 1
    check_outputs(cluster, job, short_song, tmp_path)
