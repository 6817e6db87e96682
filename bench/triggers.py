"""Benchmark: object stored -> job Submitted, through each way mediamill learns of objects.

A fresh data folder (SQLite, folder buckets) in a temporary directory; this process sets up
the database (a paused pipeline, so nothing transcodes; a declarative trigger on ``media/``
of each bucket; an event source), then starts a real ``mediamill serve`` on a free port,
watching one bucket every ``--interval`` seconds. For each path, ``--samples`` objects, one
at a time:

- **upload**: stored through the bucket API in this process (as `mediamill upload` and the
  web upload do); measured from the call until the job is committed (the trigger fires
  inside the store, so this is the store's own time plus the trigger's);
- **/events/s3**: the file is put in the folder by hand, then an S3 notification is POSTed
  to the server (bearer token); measured from the POST until its answer, which comes after
  the job is committed;
- **watched**: the file is written into the watched folder; measured from the write until
  the job exists, as this process sees by polling the database every 10 ms.

Then ``--burst`` objects land in the watched folder at once; measured: the time until every
one has its job, and that none has two.

    python -m bench.triggers [--samples 100] [--burst 10000] [--interval 1]
    python -m bench.triggers --smoke     # 10 samples, 200 objects: a few seconds

Targets (reported, not enforced): p50 under 200 ms for upload and /events/s3, under the
poll interval + 1 s for the watched bucket; the burst enqueued in under 60 s. Results are
recorded in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from mediamill.testing import child_env, free_ports

WAV = "1351620000001-300300"
BUCKETS = ("bench-uploads", "bench-events", "bench-watched")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--burst", type=int, default=10_000)
    parser.add_argument("--interval", type=float, default=1.0, help="watch interval, seconds")
    parser.add_argument("--smoke", action="store_true", help="10 samples, a burst of 200")
    args = parser.parse_args(argv)
    if args.smoke:
        args.samples, args.burst = 10, 200
    with tempfile.TemporaryDirectory(prefix="mediamill-bench-triggers-") as data:
        settings = {
            "MEDIAMILL_DATA_DIR": data,
            "MEDIAMILL_WATCH_BUCKETS": BUCKETS[2],
            "MEDIAMILL_WATCH_INTERVAL": str(args.interval),
        }
        os.environ.update(settings)
        secret = set_up()
        port = free_ports(1)[0]
        server = start_server(Path(data), port, settings)
        try:
            return measure(Path(data), port, secret, args)
        finally:
            server.terminate()
            server.wait(30)


def set_up() -> str:
    os.environ["DJANGO_SETTINGS_MODULE"] = "mediamill.site.settings"
    from mediamill.site import migrate

    migrate()
    from mediamill.jobs.models import Pipeline, PipelineStatus
    from mediamill.triggers import rules, sources

    for bucket in BUCKETS:
        pipeline = Pipeline.objects.create(
            name=bucket,
            input_bucket=bucket,
            output_bucket=bucket,
            role="r",
            status=PipelineStatus.PAUSED,
        )
        rules.create_rule(
            rules.RuleRequest(
                bucket,
                bucket,
                "media/",
                pipeline_id=pipeline.id,
                outputs=(rules.OutputTemplate(WAV, "transcoded/{stem}.wav"),),
            ),
            None,
        )
    return sources.create_source("bench")[1]


def start_server(data: Path, port: int, settings: dict[str, str]) -> subprocess.Popen[bytes]:
    log = open(data / "serve.log", "wb")  # noqa: SIM115 -- the server's for its whole life
    process = subprocess.Popen(
        [sys.executable, "-m", "mediamill", "serve", "--port", str(port), "--workers", "1"],
        env=child_env(settings),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while "mediamill serving on" not in (data / "serve.log").read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("mediamill serve did not start:\n" + (data / "serve.log").read_text())
        time.sleep(0.1)
    return process


def job_for(bucket: str, key: str) -> str:
    from mediamill.triggers.models import Event

    found = Event.objects.filter(bucket=bucket, key=key).values_list("job_id", flat=True).first()
    return found or ""


def measure(data: Path, port: int, secret: str, args: argparse.Namespace) -> int:
    import io

    from django.db import connection

    from mediamill.buckets import get_bucket

    payload = b"ID3" + b"\0" * 1021
    results: dict[str, list[float]] = {"upload": [], "/events/s3": [], "watched": []}

    bucket = get_bucket(BUCKETS[0])
    for i in range(args.samples):
        key = f"media/upload-{i}.mp3"
        start = time.perf_counter()
        bucket.write(key, io.BytesIO(payload))
        results["upload"].append(time.perf_counter() - start)
        assert job_for(BUCKETS[0], key), f"no job for {key}"

    folder = data / "buckets" / BUCKETS[1] / "media"
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(args.samples):
        key = f"media/event {i}.mp3"
        (folder / f"event {i}.mp3").write_bytes(payload)
        body = json.dumps(s3_event(BUCKETS[1], key, f"etag{i}")).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/events/s3",
            data=body,
            method="POST",
            headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
        )
        start = time.perf_counter()
        with urllib.request.urlopen(request, timeout=30) as answer:
            answer.read()
        results["/events/s3"].append(time.perf_counter() - start)
        assert job_for(BUCKETS[1], key), f"no job for {key}"

    watched = data / "buckets" / BUCKETS[2] / "media"
    watched.mkdir(parents=True, exist_ok=True)
    time.sleep(args.interval * 2 + 1)  # the first listing: the baseline
    for i in range(args.samples):
        key = f"media/watched-{i}.mp3"
        (watched / f"watched-{i}.mp3").write_bytes(payload)
        start = time.perf_counter()
        while not job_for(BUCKETS[2], key):
            connection.close()
            if time.perf_counter() - start > 60:
                raise SystemExit(f"no job for {key} after 60 s")
            time.sleep(0.01)
        results["watched"].append(time.perf_counter() - start)

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores (shared), "
        f"Python {platform.python_version()}, SQLite"
    )
    print("| path | samples | p50 ms | p99 ms | target p50 ms |")
    print("|---|---|---|---|---|")
    targets = {"upload": 200.0, "/events/s3": 200.0, "watched": (args.interval + 1) * 1000}
    for path, values in results.items():
        p50, p99 = percentile(values, 50), percentile(values, 99)
        print(f"| {path} | {len(values)} | {p50:.1f} | {p99:.1f} | {targets[path]:.0f} |")
    for path, values in results.items():
        ratio = percentile(values, 50) / targets[path]
        print(f"{path}: p50 {percentile(values, 50):.1f} ms = {ratio:.2f} x the target")

    burst_folder = watched / "burst"
    burst_folder.mkdir()
    start = time.perf_counter()
    for i in range(args.burst):
        (burst_folder / f"{i:05d}.mp3").write_bytes(payload)
    written = time.perf_counter() - start
    from mediamill.jobs.models import Job
    from mediamill.triggers.models import Event

    burst_events = Event.objects.filter(bucket=BUCKETS[2], key__startswith="media/burst/")
    while burst_events.exclude(job_id="").count() < args.burst:
        connection.close()
        if time.perf_counter() - start > 600:
            break
        time.sleep(0.2)
    enqueued = time.perf_counter() - start
    jobs = Job.objects.filter(input__Key__startswith="media/burst/")
    keys = list(jobs.values_list("input__Key", flat=True))
    missed = args.burst - len(set(keys))
    twice = len(keys) - len(set(keys))
    print(
        f"burst: {args.burst} objects written in {written:.1f} s; all {len(set(keys))} jobs "
        f"Submitted {enqueued:.1f} s after the first write (target 60 s); "
        f"missed {missed}, twice {twice}"
    )
    return 0 if missed == 0 and twice == 0 else 1


def s3_event(bucket: str, key: str, etag: str) -> dict[str, object]:
    import urllib.parse

    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "eventName": "ObjectCreated:Put",
                "eventTime": "2024-05-01T12:34:56.789Z",
                "s3": {
                    "bucket": {"name": bucket},
                    "object": {
                        "key": urllib.parse.quote_plus(key, safe="/"),
                        "size": 1024,
                        "eTag": etag,
                    },
                },
            }
        ]
    }


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))
    return ordered[index] * 1000 if ordered else float("nan")


if __name__ == "__main__":
    sys.exit(main())
