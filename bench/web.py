"""Benchmark: the web app's library page for a person with 1,000 files, server time.

A fresh data folder (SQLite, as `mediamill serve` uses by default) is set up in a temporary
directory and migrated; one person gets ``--files`` library entries, each with its job (a mix
of Complete, Progressing, Submitted and Error, three outputs each) on their own pipeline.
Then the pages are requested through Django's whole request handling in this process
(middleware, session, the queries, template rendering), without a socket: what is timed is
the server's own work for each page, not the network or the HTTP server in front.

Pages: the first page of the library (25 files), a page deep in it, a search by name, a
file's page, and the one-second progress poll of a running file.

    python -m bench.web [--files 1000] [--requests 200]
    python -m bench.web --smoke     # 50 files, 10 requests: a few seconds

Results are recorded in docs/benchmarks.md. It reports the target (library page p50 under
50 ms); it does not enforce it.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from typing import Any

TARGET_MS = 50.0


def populate(files: int) -> tuple[Any, int, int]:
    """A person with ``files`` library entries; ``(user, a file's ID, a running file's ID)``."""
    from django.contrib.auth.models import User

    from mediamill.jobs.models import Job, JobOutput, JobStatus
    from mediamill.web import personal
    from mediamill.web.models import MediaFile

    user = User.objects.create_user("bench", password="a long enough passphrase 42")
    pipeline = personal.pipeline(user)
    statuses = [JobStatus.COMPLETE] * 7 + [JobStatus.PROGRESSING, JobStatus.SUBMITTED]
    statuses += [JobStatus.ERROR]
    jobs = Job.objects.bulk_create(
        Job(
            pipeline=pipeline,
            input={"Key": f"k{i}/take {i}.mp3"},
            output_key_prefix=f"files/{i}/",
            owner=user,
            status=statuses[i % len(statuses)],
            progress=100 if statuses[i % len(statuses)] == JobStatus.COMPLETE else 40,
            status_detail="4000 00000000-0000-0000-0000-000000000000:not media"
            if statuses[i % len(statuses)] == JobStatus.ERROR
            else "",
        )
        for i in range(files)
    )
    JobOutput.objects.bulk_create(
        JobOutput(job=job, index=n, key=f"take.{ext}", preset_id=preset, status=job.status)
        for job in jobs
        for n, (ext, preset) in enumerate(
            [
                ("wav", "1351620000001-300300"),
                ("flac", "1351620000001-300110"),
                ("mp4", "1351620000001-100110"),
            ],
            start=1,
        )
    )
    items = MediaFile.objects.bulk_create(
        MediaFile(
            owner=user,
            name=f"take {i:04d}.mp3",
            bucket="bench-uploads",
            key=f"k{i}/take {i}.mp3",
            size=3_000_000 + i,
            job=job,
        )
        for i, job in enumerate(jobs)
    )
    running = next(
        item for item, job in zip(items, jobs, strict=True) if job.status == JobStatus.PROGRESSING
    )
    return user, items[-1].pk, running.pk


def timed(client: Any, url: str, requests: int) -> list[float]:
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        answer = client.get(url)
        times.append(time.perf_counter() - started)
        if answer.status_code != 200:
            raise SystemExit(f"{url} answered {answer.status_code}")
    return times


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))] * 1000


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--smoke", action="store_true", help="50 files, 10 requests")
    args = parser.parse_args(argv)
    if args.smoke:
        args.files, args.requests = 50, 10

    with tempfile.TemporaryDirectory(prefix="mediamill-bench-web-") as data_dir:
        os.environ["MEDIAMILL_DATA_DIR"] = data_dir
        from mediamill.site import migrate

        migrate()
        from django.test import Client

        user, file_id, running_id = populate(args.files)
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        deep = max(1, args.files // 25 // 2)
        pages = {
            "library, first page": "/",
            f"library, page {deep}": f"/?page={deep}",
            "library, search": "/?q=take 09",
            "file page": f"/files/{file_id}/",
            "progress poll": f"/files/{running_id}/status/",
        }
        for url in pages.values():  # warm up: templates compiled, connections opened
            timed(client, url, 3)
        print(
            f"{args.files} files, {args.requests} requests per page, SQLite, in-process "
            f"(Python {platform.python_version()}, {os.cpu_count()} CPUs)"
        )
        print("| page | p50 ms | p99 ms | mean ms |")
        print("|---|---:|---:|---:|")
        results = {}
        for name, url in pages.items():
            times = timed(client, url, args.requests)
            results[name] = times
            print(
                f"| {name} | {percentile(times, 50):.1f} | {percentile(times, 99):.1f} | "
                f"{statistics.mean(times) * 1000:.1f} |",
                flush=True,
            )
        first = percentile(results["library, first page"], 50)
        print()
        print(
            f"library page p50 {first:.1f} ms = {first / TARGET_MS:.2f} x the target "
            f"({TARGET_MS:.0f} ms)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
