"""Faults on real clusters (tests/cluster.py): processes killed or stopped in mid-job.

Each test starts a job long enough to be caught in the middle (a 720p clip into two H.264
outputs, several seconds on two cores), waits until its progress is between 10 and 60 %,
then stops or kills the process running it. The job must still end Complete exactly once,
with correct outputs, and the killed process's sandbox child (the ``python -m
mediamill.sandbox`` doing the decoding) must not outlive it. Leases last LEASE_SECONDS here,
so a dead worker's job is taken over within seconds.
"""

from __future__ import annotations

import signal
import time
import uuid
from pathlib import Path

import pytest
from tests.cluster import (
    MODE_PARAMS,
    Cluster,
    ClusterError,
    Job,
    check_outputs,
    running,
    sandbox_children,
)

#: Real `mediamill serve` and `mediamill worker` processes, stopped and killed on purpose.
pytestmark = pytest.mark.slow

OUTPUTS = [
    {"Key": "clip-720p.mp4", "PresetId": "1351620000001-000010"},
    {"Key": "clip-360p.mp4", "PresetId": "1351620000001-000040"},
]


def start_long_job(cluster: Cluster, clip: Path) -> Job:
    """Submit the long job and return it once it is between 10 and 60 % done.

    At most 60 %, so that a sandbox child that outlived its parent would still be working
    (for a second or more) when ``assert_sandboxes_die`` looks for it.
    """
    key = f"media/{uuid.uuid4().hex[:10]}.mp4"
    cluster.put(key, clip)
    job_id = cluster.submit(key, OUTPUTS, f"processed/{uuid.uuid4().hex[:10]}/")
    return cluster.wait_for(
        job_id,
        lambda job: job["status"] == "Progressing" and 10 <= job["progress"] <= 60,
        "between 10 and 60 % done",
        timeout=60,
        give_up=lambda job: job["status"] != "Submitted" and job["progress"] > 60,
        interval=0.05,
    )


def holder(job: Job) -> int:
    """The PID in the job's ``claimed_by`` (host:pid:thread:random)."""
    return int(job["claimed_by"].split(":")[1])


def assert_sandboxes_die(children: list[int], after: str, timeout: float = 1.0) -> None:
    """The sandbox children stop at once (PR_SET_PDEATHSIG, or cancellation), well before
    they could have finished their work by themselves."""
    deadline = time.monotonic() + timeout
    while any(running(pid) for pid in children):
        if time.monotonic() > deadline:
            alive = [pid for pid in children if running(pid)]
            raise ClusterError(f"sandbox processes {alive} still running {timeout:.0f} s {after}")
        time.sleep(0.05)


@pytest.mark.parametrize("mode", MODE_PARAMS[1:])
def test_a_killed_workers_job_is_finished_by_the_other(
    mode: str, request: pytest.FixtureRequest, long_clip: Path, tmp_path: Path
) -> None:
    cluster: Cluster = request.getfixturevalue(f"{mode}_cluster")
    cluster.ensure_running()
    job = start_long_job(cluster, long_clip)
    victim = cluster.service_with(holder(job))
    (survivor,) = [s for s in cluster.services if s is not victim]
    children = sandbox_children(victim.pid)
    assert children, f"{victim.name} runs the job, but no sandbox child was found"

    cluster.stop_service(victim, signal.SIGKILL)
    assert_sandboxes_die(children, f"after kill -9 of {victim.name}")

    done = cluster.wait_for(job["id"], lambda j: j["status"] != "Progressing", "done", 90)
    assert done["status"] == "Complete", f"{done}\n{cluster.logs()}"
    assert done["attempts"] == 2  # the killed worker's claim, then the survivor's
    assert holder(done) == survivor.pid
    assert cluster.count_log(job["id"], "started", expect=2) == 2
    assert cluster.count_log(job["id"], "complete") == 1
    assert "another worker had taken it over" not in cluster.log_text()
    check_outputs(cluster, done, long_clip, tmp_path)


def test_serve_stopped_mid_job_releases_it_and_finishes_it_after_restart(
    embedded_cluster: Cluster, long_clip: Path, tmp_path: Path
) -> None:
    cluster = embedded_cluster
    cluster.ensure_running()
    (serve,) = cluster.services
    job = start_long_job(cluster, long_clip)
    assert holder(job) == serve.pid
    children = sandbox_children(serve.pid)
    assert children, "serve runs the job, but no sandbox child was found"

    started = time.monotonic()
    assert cluster.stop_service(serve, signal.SIGTERM) == 0, cluster.logs()
    stop_seconds = time.monotonic() - started
    assert_sandboxes_die(children, "after serve stopped")
    released = cluster.job(job["id"])
    # Given back unfinished: claimable again at once, and not counted as an abandoned attempt.
    assert released["status"] == "Progressing"
    assert released["claimed_by"] == ""
    assert released["lease_expires_at"] == 0
    assert released["attempts"] == 0
    assert released["progress"] == 0
    assert cluster.count_log(job["id"], "released unfinished") == 1
    assert stop_seconds < 10, f"serve took {stop_seconds:.1f} s to stop"

    cluster.start_service(serve)
    done = cluster.wait_for(job["id"], lambda j: j["status"] != "Progressing", "done", 90)
    assert done["status"] == "Complete", f"{done}\n{cluster.logs()}"
    assert done["attempts"] == 1
    assert holder(done) == serve.pid
    assert cluster.count_log(job["id"], "started", expect=2) == 2
    assert cluster.count_log(job["id"], "complete") == 1
    check_outputs(cluster, done, long_clip, tmp_path)


def test_serve_killed_mid_job_finishes_it_after_the_lease_expires(
    embedded_cluster: Cluster, long_clip: Path, tmp_path: Path
) -> None:
    cluster = embedded_cluster
    cluster.ensure_running()
    (serve,) = cluster.services
    job = start_long_job(cluster, long_clip)
    children = sandbox_children(serve.pid)
    assert children, "serve runs the job, but no sandbox child was found"

    cluster.stop_service(serve, signal.SIGKILL)
    assert_sandboxes_die(children, "after kill -9 of serve")
    orphaned = cluster.job(job["id"])
    assert orphaned["status"] == "Progressing"
    assert holder(orphaned) == holder(job)  # still held by the dead process, until its lease ends

    cluster.start_service(serve)
    done = cluster.wait_for(job["id"], lambda j: j["status"] != "Progressing", "done", 90)
    assert done["status"] == "Complete", f"{done}\n{cluster.logs()}"
    assert done["attempts"] == 2
    assert holder(done) == serve.pid
    assert cluster.count_log(job["id"], "started", expect=2) == 2
    assert cluster.count_log(job["id"], "complete") == 1
    check_outputs(cluster, done, long_clip, tmp_path)
