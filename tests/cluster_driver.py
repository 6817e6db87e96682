"""A client of a running mediamill cluster, driven by the tests over JSON lines.

``python -m tests.cluster_driver`` runs with the cluster's environment (its database, broker
and buckets) — not the test suite's Django settings — and answers one JSON request per line
on stdin with one JSON line on stdout. It does what an application using mediamill does:
create pipelines and jobs through ``mediamill.jobs.service``, and, when a broker is
configured, send new jobs to the Celery workers as ``mediamill serve`` would. The tests read
job state through it too, so they never need the cluster's database themselves.

Requests: ``{"op": NAME, ...}``; answers: ``{"ok": RESULT}`` or ``{"error": TEXT}``.
Anything printed by libraries goes to stderr, which the tests keep as the driver's log.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Callable
from typing import IO, Any

ROLE = "arn:aws:iam::123456789012:role/Elastic_Transcoder_Default_Role"


def _job(job_id: str) -> dict[str, Any]:
    from mediamill.jobs.models import Job

    job = Job.objects.get(pk=job_id)
    return {
        "id": job.id,
        "status": job.status,
        "status_detail": job.status_detail,
        "progress": job.progress,
        "attempts": job.attempts,
        "claimed_by": job.claimed_by,
        "lease_expires_at": job.lease_expires_at,
        "submit_time_millis": job.submit_time_millis,
        "start_time_millis": job.start_time_millis,
        "finish_time_millis": job.finish_time_millis,
        "outputs": [
            {
                "index": o.index,
                "key": job.output_key_prefix + o.key,
                "preset_id": o.preset_id,
                "status": o.status,
                "status_detail": o.status_detail,
                "duration_millis": o.duration_millis,
                "file_size": o.file_size,
                "width": o.width,
                "height": o.height,
            }
            for o in job.outputs.order_by("index")
        ],
    }


class Driver:
    def __init__(self) -> None:
        from mediamill import settings

        self.dispatcher: Any = None
        if settings.get("MEDIAMILL_BROKER_URL"):
            from mediamill.workers.celery_app import Dispatcher, make_app

            # Like `mediamill serve` with a broker: new jobs are sent to the workers.
            self.dispatcher = Dispatcher(make_app())
            self.dispatcher.start(sweep=False)

    def ping(self) -> str:
        from django.db import connection

        connection.ensure_connection()
        return "pong"

    def pipeline(self, input_bucket: str, output_bucket: str) -> str:
        from mediamill.jobs.models import Pipeline

        pipeline = Pipeline.objects.create(
            name="cluster", input_bucket=input_bucket, output_bucket=output_bucket, role=ROLE
        )
        return pipeline.id

    def create(
        self, pipeline_id: str, input_key: str, outputs: list[dict[str, str]], prefix: str
    ) -> str:
        from mediamill.jobs import service
        from mediamill.jobs.requests import JobInput, JobRequest, RequestedOutput

        request = JobRequest(
            pipeline_id,
            JobInput(input_key),
            tuple(RequestedOutput(o["Key"], o["PresetId"]) for o in outputs),
            output_key_prefix=prefix,
        )
        job = service.create_job(request)
        return job.id

    def jobs(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        return {job_id: _job(job_id) for job_id in ids}

    def send(self, job_id: str, times: int = 1) -> int:
        """Deliver the job's Celery message again (a broker redelivering, a sweep racing)."""
        if self.dispatcher is None:
            raise RuntimeError("no broker configured")
        for _ in range(times):
            self.dispatcher.send(job_id)
        return times

    def run(self, job_id: str, threads: int = 2) -> list[str | None]:
        """Call ``run_job`` for one job from several threads at once; their results."""
        from django.db import connection

        from mediamill.jobs import runner

        barrier = threading.Barrier(threads)
        results: list[str | None] = [None] * threads

        def one(n: int) -> None:
            try:
                barrier.wait()
                results[n] = runner.run_job(job_id)
            finally:
                connection.close()

        workers = [threading.Thread(target=one, args=(n,)) for n in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        return results


def serve(requests: IO[str], answers: IO[str]) -> None:
    from django.db import close_old_connections

    driver = Driver()
    ops: dict[str, Callable[..., Any]] = {
        "ping": driver.ping,
        "pipeline": driver.pipeline,
        "create": driver.create,
        "jobs": driver.jobs,
        "send": driver.send,
        "run": driver.run,
    }
    for line in requests:
        request = json.loads(line)
        op = request.pop("op")
        if op == "quit":
            break
        close_old_connections()
        try:
            answer: dict[str, Any] = {"ok": ops[op](**request)}
        except Exception as exc:
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        answers.write(json.dumps(answer) + "\n")
        answers.flush()
    if driver.dispatcher is not None:
        driver.dispatcher.stop()


def main() -> None:
    # The answers get a private copy of stdout; fd 1 then points at stderr, so nothing a
    # library prints can corrupt the protocol.
    answers = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    from mediamill.site import setup

    setup()
    answers.write(json.dumps({"ok": "ready"}) + "\n")
    answers.flush()
    serve(sys.stdin, answers)


if __name__ == "__main__":
    main()
