"""Benchmark: CreateJob and ReadJob latency through boto3 against a real ``mediamill serve``.

A fresh data folder (SQLite, local buckets) is set up in a temporary directory: a user and an
access key are made with the CLI (``mediamill createuser``, ``mediamill keys create``), then
``mediamill serve`` is started on a free loopback port. A pipeline on two of the user's own
buckets (``bench-uploads``, ``bench-media``: names in its namespace) is created and paused,
so the jobs stay queued and no transcoding competes with the requests. Each client is its own
boto3 ``elastictranscoder`` client (botocore 1.42.17), signing every request with SigV4 as
any caller does; the timings are what the client sees, signing and parsing included.

For 1 and for 16 concurrent clients (threads of this process), every client sends its share
of CreateJob requests (the tutorial's three outputs, so three "does the output exist?"
checks each), then ReadJob requests for jobs made earlier.

    python -m bench.api [--requests 400] [--clients 1,16] [--warmup 30]
    python -m bench.api --smoke     # 20 requests, 1 and 4 clients: a few seconds

Results are recorded in docs/benchmarks.md. The script exits 0 once it has run, 1 if any
request failed; it reports the targets (CreateJob p50 <= 20 ms, ReadJob p50 <= 10 ms), it
does not enforce them.
"""

from __future__ import annotations

import argparse
import functools
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import botocore
from botocore.config import Config

from mediamill.testing import child_env, free_ports

TARGETS_MS = {"CreateJob": 20.0, "ReadJob": 10.0}
ROLE = "arn:aws:iam::123456789012:role/Elastic_Transcoder_Default_Role"
USER = "bench"
#: A user that is not an administrator may use the buckets named after it (``bench-...``).
BUCKETS = (f"{USER}-uploads", f"{USER}-media")
OUTPUTS = [
    {"Key": "song.wav", "PresetId": "1351620000001-300300"},
    {"Key": "song.flac", "PresetId": "1351620000001-300110"},
    {"Key": "song.mp4", "PresetId": "1351620000001-100110"},
]


@dataclass
class Server:
    url: str
    key_id: str
    secret: str
    process: subprocess.Popen[bytes]


@dataclass
class Run:
    operation: str
    clients: int
    latencies: list[float] = field(default_factory=list)  # seconds
    errors: list[str] = field(default_factory=list)
    wall: float = 0.0
    server_cpu: float | None = None  # seconds of the server process's CPU during the run

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))
        return ordered[index] * 1000

    def row(self) -> str:
        if not self.latencies:
            blanks = " - |" * 6
            return f"| {self.operation} | {self.clients} | 0 |{blanks} {len(self.errors)} |"
        mean = statistics.fmean(self.latencies) * 1000
        rate = len(self.latencies) / self.wall
        cpu = (
            "-"
            if self.server_cpu is None
            else f"{self.server_cpu / len(self.latencies) * 1000:.1f}"
        )
        return (
            f"| {self.operation} | {self.clients} | {len(self.latencies)} | "
            f"{self.percentile(50):.1f} | {self.percentile(99):.1f} | {mean:.1f} | "
            f"{rate:.0f} | {cpu} | {len(self.errors)} |"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=400, help="requests per operation and run")
    parser.add_argument("--clients", default="1,16", help="concurrent clients, comma-separated")
    parser.add_argument("--warmup", type=int, default=30, help="requests of each kind first")
    parser.add_argument(
        "--smoke", action="store_true", help="20 requests, 1 and 4 clients, 3 warm-up requests"
    )
    args = parser.parse_args(argv)
    if args.smoke:
        args.requests, args.clients, args.warmup = 20, "1,4", 3
    counts = [int(c) for c in args.clients.split(",")]

    with tempfile.TemporaryDirectory(prefix="mediamill-bench-api-") as data:
        server = start_server(Path(data))
        try:
            return measure(server, counts, args.requests, args.warmup)
        finally:
            server.process.terminate()
            server.process.wait(30)


def measure(server: Server, counts: list[int], requests: int, warmup: int) -> int:
    setup = client(server)
    pipeline = setup.create_pipeline(
        Name="bench", InputBucket=BUCKETS[0], OutputBucket=BUCKETS[1], Role=ROLE
    )["Pipeline"]["Id"]
    setup.update_pipeline_status(Id=pipeline, Status="Paused")  # jobs stay queued

    def create(et: Any) -> str:
        job_id: str = et.create_job(
            PipelineId=pipeline,
            Input={"Key": "media/song.mp3"},
            Outputs=OUTPUTS,
            OutputKeyPrefix="processed/",
        )["Job"]["Id"]
        return job_id

    made = [create(setup) for _ in range(warmup)]
    for job_id in made:
        setup.read_job(Id=job_id)

    print_machine()
    print(
        "| operation | clients | requests | p50 ms | p99 ms | mean ms | req/s "
        "| server CPU ms/req | errors |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    runs = []
    for count in counts:
        clients = [client(server) for _ in range(count)]
        for et in clients:  # each client's first request opens its connection
            et.read_job(Id=made[0])
        created: list[str] = []
        runs.append(
            run(server, "CreateJob", clients, requests, functools.partial(_append, created, create))
        )
        print(runs[-1].row(), flush=True)
        reads = functools.partial(_read, created or made)
        runs.append(run(server, "ReadJob", clients, requests, reads))
        print(runs[-1].row(), flush=True)

    failed = [e for r in runs for e in r.errors]
    print()
    for r in runs:
        target = TARGETS_MS[r.operation]
        if not r.latencies:
            print(f"{r.operation} with {r.clients} client(s): no request succeeded")
            continue
        p50 = r.percentile(50)
        verdict = "met" if p50 <= target else "NOT met"
        print(
            f"{r.operation} with {r.clients} client(s): p50 {p50:.1f} ms = "
            f"{p50 / target:.2f} x the target (<= {target:.0f} ms): {verdict}"
        )
    if failed:
        print(f"{len(failed)} request(s) failed, e.g. {failed[0]}")
    return 1 if failed else 0


def _append(into: list[str], create: Callable[[Any], str], et: Any, i: int) -> None:
    into.append(create(et))


def _read(ids: list[str], et: Any, i: int) -> None:
    et.read_job(Id=ids[i % len(ids)])


def run(
    server: Server,
    operation: str,
    clients: list[Any],
    requests: int,
    call: Callable[[Any, int], Any],
) -> Run:
    """``requests`` calls spread over the clients, each in its own thread, all at once."""
    result = Run(operation, len(clients))
    lock = threading.Lock()
    start = threading.Barrier(len(clients) + 1)

    def work(et: Any, share: range) -> None:
        start.wait()
        for i in share:
            began = time.perf_counter()
            try:
                call(et, i)
            except Exception as exc:  # every failure is reported, none stops the run
                with lock:
                    result.errors.append(f"{type(exc).__name__}: {exc}")
                continue
            elapsed = time.perf_counter() - began
            with lock:
                result.latencies.append(elapsed)

    threads = [
        threading.Thread(target=work, args=(et, range(n, requests, len(clients))))
        for n, et in enumerate(clients)
    ]
    for thread in threads:
        thread.start()
    cpu_before = _cpu_seconds(server.process.pid)
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    result.wall = time.perf_counter() - began
    cpu_after = _cpu_seconds(server.process.pid)
    if cpu_before is not None and cpu_after is not None:
        result.server_cpu = cpu_after - cpu_before
    return result


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process (Linux /proc); None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def client(server: Server) -> Any:
    return boto3.client(
        "elastictranscoder",
        endpoint_url=server.url,
        region_name="us-east-1",
        aws_access_key_id=server.key_id,
        aws_secret_access_key=server.secret,
        # No retries: a failed request counts as an error, not as a slow success.
        config=Config(retries={"mode": "standard", "max_attempts": 1}, max_pool_connections=4),
    )


def start_server(data: Path) -> Server:
    # Only the data folder: no setting of the caller's (a broker, a database) leaks in. This
    # measures request latency: the per-user job limits would refuse most of the jobs.
    env = child_env(
        {
            "MEDIAMILL_DATA_DIR": str(data),
            "MEDIAMILL_USER_MAX_JOBS_PER_MINUTE": "0",
            "MEDIAMILL_USER_MAX_JOBS_IN_FLIGHT": "0",
        }
    )
    mediamill = [sys.executable, "-m", "mediamill"]
    subprocess.run(
        [*mediamill, "createuser", USER, "--password-stdin"],
        input=b"bench-password-2026\n",
        env=env,
        check=True,
        capture_output=True,
    )
    keys = subprocess.run(
        [*mediamill, "keys", "create", "--user", USER],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    key_id = _field(keys, "aws_access_key_id")
    secret = _field(keys, "aws_secret_access_key")
    (port,) = free_ports(1)
    process = subprocess.Popen(
        [*mediamill, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(data / "serve.log").open("wb"),
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("mediamill serve did not start: see its log") from None
            time.sleep(0.1)
    return Server(url, key_id, secret, process)


def print_machine() -> None:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"{os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}, "
        f"botocore {botocore.__version__}, load average {load}"
    )
    print()


def _field(text: str, name: str) -> str:
    match = re.search(rf"^{name}:\s*(\S+)", text, re.MULTILINE)
    if match is None:
        raise SystemExit(f"`mediamill keys create` printed no {name}")
    return match.group(1)


if __name__ == "__main__":
    sys.exit(main())
