"""Benchmark: the service core — queue latency, makespan of a batch, memory of a worker.

Three parts, each run against real processes and servers on this machine:

    latency   Submit -> Progressing of one job at a time on an idle worker, in two modes:
              embedded (SQLite, EmbeddedWorkers(1) in this process, woken by the creation
              signal) and Celery (PostgreSQL, RabbitMQ, SeaweedFS, one `mediamill worker -c 1`).
              Target: median under 100 ms.
    makespan  The tutorial job (MP3 -> WAV, FLAC, AAC) on N distinct 30 s inputs: each alone
              for its CPU time, then all at once on 2 embedded workers.
              Target: makespan <= 1.1 x (sum of CPU time / cores).
    memory    Peak RSS of a worker and of its sandbox child transcoding a 1-hour MP3
              (target: under 300 MB each), and RSS growth of a process uploading a 2 GiB
              file to S3 (SeaweedFS) (target: under 100 MB).

    python -m bench.service [--part latency|makespan|memory|all] [--jobs 30] [--seconds 30] ...
    python -m bench.service --smoke     # every part on tiny inputs, once: a few seconds each

Django can be configured for one database per process, so every measurement runs in a child
process (this module again, with ``--child``) whose environment the parent builds. The
servers come from ``mediamill.testing``'s starters, as in the tests: a database, a virtual
host and a SeaweedFS of this run's own. Inputs are synthetic and cached in bench/out/.
Results are recorded in docs/benchmarks.md. The script exits 0 once it has run: it reports
whether the targets are met, it does not enforce them; a part that fails exits 1.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any

import av
from bench import proc

from mediamill.testing import (
    PostgresDatabase,
    RabbitMQVhost,
    SeaweedFS,
    ServiceUnavailable,
    child_env,
    encode_audio,
    postgresql,
    rabbitmq,
    tail,
)

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "bench" / "out"

#: The tutorial's job: one MP3 into WAV, FLAC and AAC copies.
TUTORIAL = (
    ("1351620000001-300300", "song.wav"),
    ("1351620000001-300110", "song.flac"),
    ("1351620000001-100110", "song.mp4"),
)
#: The cheap preset of the latency jobs (PCM WAV).
LATENCY_PRESET = "1351620000001-300300"

LATENCY_TARGET_MS = 100.0
MAKESPAN_TARGET = 1.1
WORKER_RSS_TARGET_MB = 300.0
UPLOAD_GROWTH_TARGET_MB = 100.0
UPLOAD_MIN_FREE_GB = 10.0

FINAL = ("Complete", "Error", "Canceled")
MB = 1_000_000  # targets are in MB; RSS figures are printed in MB (10^6 bytes) too


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--part", choices=["latency", "makespan", "memory", "all"], default="all", help="(all)"
    )
    parser.add_argument("--jobs", type=int, default=30, help="latency: measured jobs (30)")
    parser.add_argument(
        "--modes", default="embedded,celery", help="latency: modes to run (embedded,celery)"
    )
    parser.add_argument(
        "--idle", type=float, default=0.5, help="latency: seconds of idleness before each job"
    )
    parser.add_argument(
        "--makespan-jobs", type=int, default=20, help="makespan: jobs, one input each (20)"
    )
    parser.add_argument(
        "--seconds", type=float, default=30.0, help="makespan: length of each input (30)"
    )
    parser.add_argument("--workers", type=int, default=2, help="makespan: worker threads (2)")
    parser.add_argument(
        "--hour-seconds",
        type=float,
        default=3600.0,
        help="memory: length of the long input (3600); 0 skips the transcode",
    )
    parser.add_argument(
        "--upload-mib", type=int, default=2048, help="memory: upload size in MiB (2048); 0 skips"
    )
    parser.add_argument(
        "--keep", action="store_true", help="memory: keep the upload file in bench/out/"
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="every part once on tiny inputs (2 jobs, 2 s inputs, 8 MiB upload): checks that "
        "the benchmark runs, measures nothing worth recording",
    )
    parser.add_argument("--child", nargs=2, metavar=("KIND", "REQUEST"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child_main(*args.child)
    if args.smoke:
        args.jobs, args.idle, args.makespan_jobs, args.seconds = 2, 0.05, 2, 2.0
        args.hour_seconds, args.upload_mib = 3.0, 8
    if args.jobs < 1 or args.makespan_jobs < 1 or args.workers < 1 or args.seconds <= 0:
        parser.error("--jobs, --makespan-jobs, --workers and --seconds must be positive")
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if not set(modes) <= {"embedded", "celery"}:
        parser.error("--modes takes embedded and/or celery")

    print_context()
    verdicts: list[str] = []
    parts: list[tuple[str, Callable[[], list[str]]]] = [
        ("latency", lambda: part_latency(args.jobs, modes, args.idle)),
        ("makespan", lambda: part_makespan(args.makespan_jobs, args.seconds, args.workers)),
        ("memory", lambda: part_memory(args.hour_seconds, args.upload_mib, args.keep)),
    ]
    for name, run in parts:
        if args.part not in (name, "all"):
            continue
        print(f"\n{'=' * 30} {name} {'=' * (60 - len(name))}")
        print(f"at start: {load_line()}")
        started = time.perf_counter()
        try:
            verdicts += run()
        except Exception as exc:  # report and go on: the other parts still tell something
            traceback.print_exc()
            verdicts.append(f"{name}: FAILED ({exc})")
        print(f"at end:   {load_line()}  ({time.perf_counter() - started:.0f} s)")

    print(f"\n{'=' * 30} summary {'=' * 53}")
    for line in verdicts:
        print(line)
    print(f"load now: {load_line()}")
    return 1 if any(": FAILED" in line for line in verdicts) else 0


# --- context -------------------------------------------------------------------------------


def load_line() -> str:
    line = "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    with contextlib.suppress(OSError, ValueError, IndexError):
        # "some avg10=1.23 avg60=4.56 ...": the share of time runnable tasks waited for a CPU.
        some = Path("/proc/pressure/cpu").read_text().splitlines()[0].split()
        fields = dict(f.split("=") for f in some[1:])
        line += f"; CPU pressure avg10 {fields['avg10']} % avg60 {fields['avg60']} %"
    return line


def print_context() -> None:
    import django

    print("== Machine")
    print(f"cores (os.cpu_count): {os.cpu_count()}", end="")
    if hasattr(os, "sched_getaffinity"):
        print(f"; usable by this process: {len(os.sched_getaffinity(0))}", end="")
    print(f"; memory: {os.sysconf('SC_PHYS_PAGES') * os.sysconf('SC_PAGE_SIZE') / 1e9:.1f} GB")
    print(load_line())
    if os.getloadavg()[0] > 0.5 * (os.cpu_count() or 1):
        print("note: the machine is busy; expect noisy figures")
    print(f"platform: {platform.platform()}; Python {platform.python_version()}")
    info = getattr(av, "ffmpeg_version_info", "?")
    print(f"PyAV {av.__version__} (FFmpeg {info}); Django {django.__version__}", end="")
    for name in ("celery", "boto3"):
        with contextlib.suppress(ImportError):
            print(f"; {name} {__import__(name).__version__}", end="")
    print()


# --- synthetic inputs ----------------------------------------------------------------------


def make_mp3(seconds: float, seed: int = 0) -> Path:
    """A stereo 44.1 kHz MP3 at 192 kbit/s, made once per length and seed in bench/out/.

    Two tones (one per channel, pitched by ``seed``) mixed with pink noise of that seed, so
    inputs of different seeds differ and lossy encoders cannot coast on a pure tone. The
    sources are FFmpeg's ``sine`` and ``anoisesrc``, fast enough for an hour of audio
    (``mediamill.testing.write_audio`` evaluates an expression per sample: too slow here).
    """
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    path = OUT_DIR / f"queue-{seconds:g}s-{seed:02d}.mp3"
    if path.exists():
        return path
    print(f"writing {seconds:g} s of synthetic audio to {path.name} ...", flush=True)
    d, left, right = f"{seconds:g}", 220 + 11 * seed, 330 + 7 * seed
    graph = (
        f"sine=f={left}:r=44100:d={d}[a];anoisesrc=c=pink:r=44100:a=0.1:d={d}:seed={seed}[b];"
        f"sine=f={right}:r=44100:d={d}[c];"
        f"anoisesrc=c=pink:r=44100:a=0.1:d={d}:seed={seed + 1000}[e];"
        "[a][b]amix=inputs=2[l];[c][e]amix=inputs=2[r];[l][r]amerge=inputs=2[out0]"
    )
    temp = path.with_name(f".{path.stem}.{os.getpid()}.mp3")
    encode_audio(graph, temp)
    os.replace(temp, path)
    return path


def make_random_file(mib: int) -> Path:
    """``mib`` MiB of random bytes in bench/out/ (random, so checksums work for real)."""
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    path = OUT_DIR / f"queue-upload-{mib}MiB.bin"
    if path.exists() and path.stat().st_size == mib << 20:
        return path
    print(f"writing {mib} MiB of random bytes to {path.name} ...", flush=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}")
    with open(temp, "wb") as out:
        for _ in range(mib // 8):
            out.write(os.urandom(8 << 20))
        out.write(os.urandom((mib % 8) << 20))
    os.replace(temp, path)
    return path


# --- children ------------------------------------------------------------------------------


class ChildFailed(Exception):
    """A child process (a measurement, a worker) failed; the message carries its log."""


def run_child(kind: str, env: dict[str, str], request: dict[str, Any], folder: Path) -> Any:
    """Run ``bench.service --child KIND`` with ``env``; its answer (JSON), or ``ChildFailed``.

    The child's progress lines come through on our stdout; its logs go to a file.
    """
    request_path = folder / f"{kind}-request.json"
    result_path = folder / f"{kind}-result.json"
    log = folder / f"{kind}.log"
    request_path.write_text(json.dumps({**request, "result": str(result_path)}))
    command = [sys.executable, "-m", "bench.service", "--child", kind, str(request_path)]
    env = {**env, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))}
    with open(log, "ab") as stderr:
        status = subprocess.run(command, env=env, stderr=stderr, cwd=folder).returncode
    if status != 0 or not result_path.exists():
        raise ChildFailed(f"child {kind} exited with status {status}:\n{tail(log)}")
    return json.loads(result_path.read_text())


class Worker:
    """A `mediamill worker` process, logging to a file."""

    def __init__(self, env: dict[str, str], log: Path, concurrency: int = 1) -> None:
        self.log = log
        command = [sys.executable, "-m", "mediamill", "worker", "-c", str(concurrency)]
        with open(log, "ab") as out:
            self.process = subprocess.Popen(
                command,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                cwd=log.parent,
            )

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while " ready." not in self.log.read_text(errors="replace"):
            if self.process.poll() is not None:
                raise ChildFailed(f"mediamill worker exited:\n{tail(self.log)}")
            if time.monotonic() > deadline:
                raise ChildFailed(f"mediamill worker not ready:\n{tail(self.log)}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@contextlib.contextmanager
def scratch(prefix: str) -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# --- part 1: latency -----------------------------------------------------------------------


def part_latency(jobs: int, modes: Sequence[str], idle: float) -> list[str]:
    print(
        f"Submit -> Progressing, one job at a time: 1 warm-up + {jobs} jobs, each on an idle "
        f"worker ({idle:g} s after the previous one completed), a 1 s MP3 to WAV "
        f"({LATENCY_PRESET})."
    )
    song = make_mp3(1.0)
    results: dict[str, dict[str, Any]] = {}
    verdicts = []
    for mode in modes:
        print(f"\n-- {mode}")
        try:
            results[mode] = (latency_embedded if mode == "embedded" else latency_celery)(
                song, jobs, idle
            )
        except (ServiceUnavailable, ChildFailed) as exc:
            what = "SKIPPED" if isinstance(exc, ServiceUnavailable) else "FAILED"
            print(f"{what} {mode}: {exc}")
            verdicts.append(f"latency {mode}: {what} ({str(exc).splitlines()[0]})")
    if not results:
        return verdicts

    columns = [
        ("submit->start", "latency"),
        ("create_job() call", "create"),
        ("its return->start", "returned_to_start"),
        ("start->complete", "run"),
        ("submit->complete", "total"),
    ]
    print(f"\nmilliseconds over {jobs} jobs (warm-up excluded; its submit->start in brackets)")
    print(f"{'mode':<9} {'measure':<18} {'median':>8} {'p90':>8} {'max':>8} {'min':>8}")
    for mode, result in results.items():
        for label, key in columns:
            values = [row[key] for row in result["jobs"]]
            extra = f"  [{result['warmup']['latency']:.0f}]" if key == "latency" else ""
            print(
                f"{mode:<9} {label:<18} {statistics.median(values):>8.1f} {p90(values):>8.1f} "
                f"{max(values):>8.1f} {min(values):>8.1f}{extra}"
            )
    for mode, result in results.items():
        median = statistics.median(row["latency"] for row in result["jobs"])
        verdict = "MET" if median < LATENCY_TARGET_MS else "NOT MET"
        line = (
            f"latency {mode}: median submit->Progressing {median:.1f} ms "
            f"(target < {LATENCY_TARGET_MS:g} ms): TARGET {verdict}"
        )
        print(line)
        verdicts.append(line)
    return verdicts


def latency_embedded(song: Path, jobs: int, idle: float) -> dict[str, Any]:
    with scratch("mm-bench-embedded-") as root:
        env = child_env({"MEDIAMILL_DATA_DIR": str(root / "data")})
        request = {"mode": "embedded", "input": str(song), "jobs": jobs, "idle": idle}
        request |= {"input_bucket": "bench-in", "output_bucket": "bench-out"}
        result: dict[str, Any] = run_child("latency", env, request, root)
        return result


def latency_celery(song: Path, jobs: int, idle: float) -> dict[str, Any]:
    _, pg_version = postgresql.find_server()
    rabbit_version = rabbitmq.server_version()
    with contextlib.ExitStack() as stack:
        root = stack.enter_context(scratch("mm-bench-celery-"))
        s3 = stack.enter_context(SeaweedFS(startup_timeout=60))
        print(
            f"PostgreSQL {pg_version}, RabbitMQ {rabbit_version}, SeaweedFS {s3.version}; "
            "`mediamill worker -c 1` (buckets on SeaweedFS)",
            flush=True,
        )
        database = stack.enter_context(PostgresDatabase("bench")).url
        broker = stack.enter_context(RabbitMQVhost("bench")).url
        buckets = (f"mm-bench-{os.getpid()}-in", f"mm-bench-{os.getpid()}-out")
        for bucket in buckets:
            s3.client().create_bucket(Bucket=bucket)
        settings = {
            "DATABASE_URL": database,
            "MEDIAMILL_BROKER_URL": broker,
            "MEDIAMILL_BUCKETS": "*=s3://*",
            **s3.env(),
        }
        # The worker has a data folder of its own, as if on another machine.
        worker_env = child_env({**settings, "MEDIAMILL_DATA_DIR": str(root / "worker")})
        worker = Worker(worker_env, root / "worker.log")
        stack.callback(worker.stop)
        worker.wait_ready()
        env = child_env({**settings, "MEDIAMILL_DATA_DIR": str(root / "client")})
        request = {"mode": "celery", "input": str(song), "jobs": jobs, "idle": idle}
        request |= {"input_bucket": buckets[0], "output_bucket": buckets[1]}
        result: dict[str, Any] = run_child("latency", env, request, root)
        return result


# --- part 2: makespan ----------------------------------------------------------------------


def part_makespan(count: int, seconds: float, workers: int) -> list[str]:
    cores = os.cpu_count() or 1
    print(
        f"{count} tutorial jobs (MP3 -> WAV + FLAC + AAC) on distinct {seconds:g} s inputs, "
        f"embedded mode (SQLite, local buckets): each alone on 1 worker, then all at once on "
        f"{workers} workers; {cores} cores."
    )
    inputs = [make_mp3(seconds, seed) for seed in range(1, count + 1)]
    with scratch("mm-bench-makespan-") as root:
        env = child_env({"MEDIAMILL_DATA_DIR": str(root / "data")})
        request = {"inputs": [str(p) for p in inputs], "workers": workers}
        request |= {"input_bucket": "bench-in", "output_bucket": "bench-out"}
        result = run_child("makespan", env, request, root)

    alone, batch = result["alone"], result["batch"]
    cpu_sum = sum(row["cpu"] for row in alone)
    wall_sum = sum(row["run"] for row in alone)
    ideal = cpu_sum / cores
    makespan = batch["makespan"]
    ratio = makespan / ideal
    print(f"\neach job alone ({count} jobs): seconds")
    print(f"{'':<28} {'median':>8} {'min':>8} {'max':>8} {'sum':>9}")
    measures = (
        ("CPU (worker + sandbox child)", "cpu"),
        ("  of which the worker process", "own"),
        ("start->complete (wall)", "run"),
    )
    for label, key in measures:
        values = [row[key] for row in alone]
        print(
            f"{label:<28} {statistics.median(values):>8.3f} {min(values):>8.3f} "
            f"{max(values):>8.3f} {sum(values):>9.3f}"
        )
    alone_run = statistics.median(row["run"] for row in alone)
    quiet = result["alone_machine"]
    others_alone = max(0.0, quiet["busy"] - quiet["ours"])
    print(
        f"machine CPU during these runs: ours {quiet['ours']:.1f} s, other processes (and "
        f"steal) {others_alone:.1f} s, idle {quiet['idle']:.1f} s"
    )
    others = max(0.0, batch["machine_busy"] - batch["cpu"])
    # What the batch could have done with the CPU the other processes left it.
    adjusted = (cpu_sum + others) / cores
    rows = [
        ("sum of single-job CPU time", f"{cpu_sum:.3f} s"),
        ("cores (os.cpu_count)", f"{cores}"),
        ("ideal = sum CPU / cores", f"{ideal:.3f} s"),
        (f"target = {MAKESPAN_TARGET} x ideal", f"{MAKESPAN_TARGET * ideal:.3f} s"),
        ("makespan (first submit -> last Complete)", f"{makespan:.3f} s"),
        ("ratio makespan / ideal", f"{ratio:.3f}"),
        ("  wall clock around the batch", f"{batch['wall']:.3f} s"),
        (f"  sum of wall alone / {workers} workers", f"{wall_sum / workers:.3f} s"),
        (f"  time with fewer than {workers} jobs running", f"{batch['underfull']:.3f} s"),
        ("  gaps between jobs on one worker (sum)", f"{batch['gaps']:.3f} s"),
        (
            "  job start->complete, median (alone)",
            f"{batch['run_median']:.3f} s ({alone_run:.3f} s)",
        ),
        ("machine CPU during the batch: ours", f"{batch['cpu']:.3f} s"),
        ("  ours over the sum of CPU alone", f"{batch['cpu'] / cpu_sum:.3f}"),
        ("  other processes (and steal)", f"{others:.3f} s"),
        ("  idle", f"{batch['machine_idle']:.3f} s"),
        ("load-adjusted ideal = (sum CPU + others) / cores", f"{adjusted:.3f} s"),
        ("load-adjusted ratio (not the target's)", f"{makespan / adjusted:.3f}"),
    ]
    print(f"\nall {count} at once on {workers} workers")
    for label, value in rows:
        print(f"{label:<50} {value:>10}")
    verdict = "MET" if ratio <= MAKESPAN_TARGET else "NOT MET"
    line = (
        f"makespan: {makespan:.3f} s for {count} jobs on {workers} workers, {ratio:.3f} x ideal "
        f"{ideal:.3f} s (target <= {MAKESPAN_TARGET}): TARGET {verdict}"
    )
    print(line)
    return [line]


# --- part 3: memory ------------------------------------------------------------------------


def part_memory(hour_seconds: float, upload_mib: int, keep: bool) -> list[str]:
    verdicts = []
    if hour_seconds > 0:
        verdicts += memory_transcode(hour_seconds)
    if upload_mib > 0:
        print()
        verdicts += memory_upload(upload_mib, keep)
    return verdicts


def memory_transcode(seconds: float) -> list[str]:
    print(
        f"-- peak RSS: the tutorial job on a {seconds:g} s stereo 44.1 kHz MP3, one embedded "
        "worker in a child process (SQLite, local buckets)"
    )
    song = make_mp3(seconds)
    with scratch("mm-bench-memory-") as root:
        env = child_env(
            {
                "MEDIAMILL_DATA_DIR": str(root / "data"),
                # The input bucket is bench/out itself: the worker reads the input in place.
                "MEDIAMILL_BUCKETS": f"bench-in={OUT_DIR.as_uri()}",
            }
        )
        request = {"input": song.name, "input_bucket": "bench-in", "output_bucket": "bench-out"}
        result = run_child("memory", env, request, root)

    def mb(kib: float) -> str:
        return f"{kib * 1024 / MB:8.1f} MB"

    print(f"\njob: {result['run']:.1f} s start->complete; outputs:")
    for output in result["outputs"]:
        print(f"  {output['key']:<10} {output['file_size'] / MB:9.1f} MB {output['duration']} s")
    rows = [
        ("worker process: RSS before the job", "before_kib"),
        ("worker process: peak during the job (sampled)", "own_peak_kib"),
        ("worker process: peak, VmHWM (whole life)", "hwm_kib"),
        ("sandbox child: peak, its VmHWM", "child_peak_kib"),
        ("both at once: peak of the sum (sampled)", "sum_peak_kib"),
        ("for reference: ru_maxrss, RUSAGE_SELF *", "self_maxrss_kib"),
        ("for reference: ru_maxrss, RUSAGE_CHILDREN *", "children_maxrss_kib"),
    ]
    print(f"{'':<50} {'RSS':>11}")
    for label, key in rows:
        print(f"{label:<50} {mb(result[key])}")
    print(
        "* ru_maxrss is not the process's own peak here: Linux also records the address space\n"
        "  a process had before exec, i.e. that of the process that started it (our parent\n"
        "  for the worker, the worker for the sandbox child). VmHWM is each process's own."
    )
    worker = result["hwm_kib"] * 1024 / MB
    child = result["child_peak_kib"] * 1024 / MB
    verdicts = []
    for what, value in (("worker process", worker), ("sandbox child", child)):
        verdict = "MET" if value < WORKER_RSS_TARGET_MB else "NOT MET"
        line = (
            f"memory {what}: peak RSS {value:.1f} MB transcoding {seconds:g} s "
            f"(target < {WORKER_RSS_TARGET_MB:g} MB): TARGET {verdict}"
        )
        print(line)
        verdicts.append(line)
    return verdicts


def memory_upload(mib: int, keep: bool) -> list[str]:
    print(f"-- RSS growth uploading {mib} MiB of random bytes to S3 (SeaweedFS) with S3Bucket")
    folders = {str(OUT_DIR), tempfile.gettempdir()}
    free = min(shutil.disk_usage(folder).free for folder in folders if os.path.isdir(folder))
    if free < UPLOAD_MIN_FREE_GB * 1e9:
        line = (
            f"memory upload: SKIPPED, only {free / 1e9:.1f} GB free "
            f"(needs {UPLOAD_MIN_FREE_GB:g} GB)"
        )
        print(line)
        return [line]
    print(f"free disk space: {free / 1e9:.0f} GB")
    path = make_random_file(mib)
    rows = []
    try:
        with contextlib.ExitStack() as stack:
            root = stack.enter_context(scratch("mm-bench-upload-"))
            try:
                s3 = stack.enter_context(SeaweedFS(startup_timeout=60))
            except ServiceUnavailable as exc:
                print(f"SKIPPED: {exc}")
                return [f"memory upload: SKIPPED ({str(exc).splitlines()[0]})"]
            print(f"SeaweedFS {s3.version}", flush=True)
            s3.client().create_bucket(Bucket="mm-bench-big")
            env = child_env(
                {
                    "MEDIAMILL_DATA_DIR": str(root / "data"),
                    "MEDIAMILL_BUCKETS": "big=s3://mm-bench-big",
                    **s3.env(),
                }
            )
            for how in ("upload_file", "write"):
                request = {"path": str(path), "how": how, "bucket": "big"}
                rows.append(run_child(f"upload-{how}", env, request, root))
    finally:
        if not keep:
            path.unlink(missing_ok=True)

    print(f"\n{'call':<38} {'before':>9} {'peak':>9} {'growth':>9} {'time':>8} {'MB/s':>7}")
    labels = {
        "upload_file": "upload_file(key, path) (seekable)",
        "write": "write(key, stream) (not seekable)",
    }
    verdicts = []
    for row in rows:
        before = row["before_kib"] * 1024 / MB
        peak = row["peak_kib"] * 1024 / MB
        growth = peak - before
        rate = row["size"] / MB / row["seconds"]
        print(
            f"{labels[row['how']]:<38} {before:>6.1f} MB {peak:>6.1f} MB {growth:>6.1f} MB "
            f"{row['seconds']:>6.1f} s {rate:>7.0f}"
        )
        verdict = "MET" if growth < UPLOAD_GROWTH_TARGET_MB else "NOT MET"
        verdicts.append(
            f"memory upload {row['how']}: RSS growth {growth:.1f} MB "
            f"for {row['size'] / 1e9:.2f} GB "
            f"(target < {UPLOAD_GROWTH_TARGET_MB:g} MB): TARGET {verdict}"
        )
    for line in verdicts:
        print(line)
    return verdicts


# --- statistics ----------------------------------------------------------------------------


def p90(values: Sequence[float]) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=10, method="inclusive")[8]


def cpu_seconds() -> float:
    """CPU time (user + system) of this process and of the children it has waited for."""
    own, children = (
        resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def own_cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def machine_cpu() -> tuple[float, float]:
    """(busy, idle) CPU seconds of the whole machine since boot, all cores, from /proc/stat.

    Busy counts every process (other test suites included) and time stolen by the
    hypervisor; idle includes waiting for I/O.
    """
    with open("/proc/stat") as stat:
        fields = [int(v) for v in stat.readline().split()[1:9]]
    user, nice, system, idle, iowait, irq, softirq, steal = fields
    tick = os.sysconf("SC_CLK_TCK")
    return (user + nice + system + irq + softirq + steal) / tick, (idle + iowait) / tick


class MachineCpu:
    """CPU seconds the machine spent busy and idle between ``__enter__`` and ``__exit__``."""

    def __enter__(self) -> MachineCpu:
        self._start = machine_cpu()
        return self

    def __exit__(self, *exc_info: object) -> None:
        end = machine_cpu()
        self.busy, self.idle = end[0] - self._start[0], end[1] - self._start[1]


# --- the child side: runs with mediamill configured by its environment ---------------------


def child_main(kind: str, request_path: str) -> int:
    request = json.loads(Path(request_path).read_text())
    handlers: dict[str, Callable[[dict[str, Any]], Any]] = {
        "latency": child_latency,
        "makespan": child_makespan,
        "memory": child_memory,
        "upload-upload_file": child_upload,
        "upload-write": child_upload,
    }
    result = handlers[kind](request)
    Path(request["result"]).write_text(json.dumps(result))
    return 0


class Finished:
    """Waits for jobs to reach a final state.

    With ``by_signal`` (the jobs run in this process) it listens to ``job_state_changed``
    and costs nothing while waiting; otherwise it polls the database every 10 ms.
    """

    def __init__(self, by_signal: bool) -> None:
        self.by_signal = by_signal
        self._done: dict[str, str] = {}
        self._changed = threading.Condition()
        if by_signal:
            from mediamill.jobs.signals import job_state_changed

            job_state_changed.connect(self._on_change, weak=False, dispatch_uid="bench-finished")

    def _on_change(self, sender: Any, job_id: str, status: str, **kwargs: Any) -> None:
        if status in FINAL:
            with self._changed:
                self._done[job_id] = status
                self._changed.notify_all()

    def wait(self, ids: Sequence[str], timeout: float) -> None:
        from mediamill.jobs.models import Job

        deadline = time.monotonic() + timeout
        while True:
            if self.by_signal:
                with self._changed:
                    if all(i in self._done for i in ids):
                        break
                    self._changed.wait(max(0.0, deadline - time.monotonic()))
            else:
                done = Job.objects.filter(pk__in=ids, status__in=FINAL).count()
                if done == len(ids):
                    break
                time.sleep(0.01)
            if time.monotonic() > deadline:
                raise TimeoutError(f"jobs not finished after {timeout:g} s")
        failed = Job.objects.filter(pk__in=ids).exclude(status="Complete")
        for job in failed:
            raise RuntimeError(f"job {job.id} is {job.status}: {job.status_detail}")


def _prepare(request: dict[str, Any]) -> str:
    """Migrate the database; create the pipeline; return its ID."""
    from mediamill.site import migrate

    migrate()
    from mediamill.jobs.models import Pipeline

    pipeline = Pipeline.objects.create(
        name="bench", input_bucket=request["input_bucket"], output_bucket=request["output_bucket"]
    )
    return str(pipeline.id)


def _create(pipeline_id: str, key: str, outputs: Sequence[tuple[str, str]], prefix: str) -> str:
    from mediamill.jobs import service
    from mediamill.jobs.requests import JobInput, JobRequest, RequestedOutput

    job = service.create_job(
        JobRequest(
            pipeline_id,
            JobInput(key),
            tuple(RequestedOutput(name, preset) for preset, name in outputs),
            output_key_prefix=prefix,
        )
    )
    return str(job.id)


def _times(ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    from mediamill.jobs.models import Job

    rows = Job.objects.filter(pk__in=ids).values(
        "id", "submit_time_millis", "start_time_millis", "finish_time_millis", "claimed_by"
    )
    return {row["id"]: dict(row) for row in rows}


def child_latency(request: dict[str, Any]) -> dict[str, Any]:
    from mediamill.buckets import get_bucket

    pipeline_id = _prepare(request)
    get_bucket(request["input_bucket"]).upload_file("latency/input.mp3", request["input"])
    dispatch: Any
    if request["mode"] == "embedded":
        from mediamill.workers.embedded import EmbeddedWorkers

        dispatch = EmbeddedWorkers(1)
    else:
        from mediamill.workers.celery_app import Dispatcher, make_app

        dispatch = Dispatcher(make_app())
    finished = Finished(by_signal=request["mode"] == "embedded")
    dispatch.start()
    rows = []
    try:
        for n in range(request["jobs"] + 1):
            time.sleep(request["idle"])
            before = time.perf_counter()
            job_id = _create(
                pipeline_id, "latency/input.mp3", [(LATENCY_PRESET, "out.wav")], f"latency/{n}/"
            )
            returned = time.time_ns() // 1_000_000
            create = (time.perf_counter() - before) * 1000
            finished.wait([job_id], 120)
            times = _times([job_id])[job_id]
            submit, start = times["submit_time_millis"], times["start_time_millis"]
            finish = times["finish_time_millis"]
            row = {
                "latency": start - submit,
                "create": create,
                "returned_to_start": start - returned,
                "run": finish - start,
                "total": finish - submit,
            }
            rows.append(row)
            label = "warm-up" if n == 0 else f"job {n:>2}"
            print(
                f"   {label}: submit->start {row['latency']:4d} ms, create_job() "
                f"{create:6.1f} ms, start->complete {row['run']:4d} ms",
                flush=True,
            )
    finally:
        dispatch.stop()
    return {"warmup": rows[0], "jobs": rows[1:]}


def child_makespan(request: dict[str, Any]) -> dict[str, Any]:
    pipeline_id = _prepare(request)  # sets Django up: mediamill's models import after it
    from mediamill.buckets import get_bucket
    from mediamill.workers.embedded import EmbeddedWorkers

    bucket = get_bucket(request["input_bucket"])
    keys = []
    for n, path in enumerate(request["inputs"]):
        keys.append(f"makespan/{n:02d}.mp3")
        bucket.upload_file(keys[-1], path)
    finished = Finished(by_signal=True)

    print("   each job alone on 1 worker:", flush=True)
    workers = EmbeddedWorkers(1)
    workers.start()
    time.sleep(1.0)  # past the start-up sweep: the worker is idle
    alone = []
    try:
        with MachineCpu() as machine_alone:
            cpu_alone = cpu_seconds()
            for n, key in enumerate(keys):
                alone.append(_alone(pipeline_id, key, n, finished))
            cpu_alone = cpu_seconds() - cpu_alone
    finally:
        workers.stop()
    machine = {"busy": machine_alone.busy, "idle": machine_alone.idle, "ours": cpu_alone}

    count = request["workers"]
    print(f"   all {len(keys)} at once on {count} workers ...", flush=True)
    workers = EmbeddedWorkers(count)
    workers.start()
    time.sleep(1.0)
    try:
        with MachineCpu() as machine_batch:
            cpu, before = cpu_seconds(), time.perf_counter()
            ids = [
                _create(pipeline_id, key, TUTORIAL, f"batch/{n:02d}/") for n, key in enumerate(keys)
            ]
            finished.wait(ids, 3600)
            wall, cpu = time.perf_counter() - before, cpu_seconds() - cpu
    finally:
        workers.stop()
    times = list(_times(ids).values())
    first = min(t["submit_time_millis"] for t in times)
    last = max(t["finish_time_millis"] for t in times)
    batch = {"makespan": (last - first) / 1000, "wall": wall, "cpu": cpu}
    batch |= {"machine_busy": machine_batch.busy, "machine_idle": machine_batch.idle}
    batch["run_median"] = statistics.median(
        (t["finish_time_millis"] - t["start_time_millis"]) / 1000 for t in times
    )
    # Time during which fewer jobs ran than there are workers (a worker idle or between jobs).
    events = sorted(
        [(t["start_time_millis"], 1) for t in times]
        + [(t["finish_time_millis"], -1) for t in times]
    )
    running, previous, underfull = 0, first, 0
    for moment, change in events:
        if running < count:
            underfull += moment - previous
        running, previous = running + change, moment
    batch["underfull"] = underfull / 1000
    # Gaps between one job's end and the next job's start on the same worker thread.
    by_worker: dict[str, list[dict[str, Any]]] = {}
    for t in times:
        thread = ":".join(t["claimed_by"].split(":")[:3])  # host:pid:thread, not the attempt
        by_worker.setdefault(thread, []).append(t)
    gaps = []
    for jobs in by_worker.values():
        jobs.sort(key=lambda t: t["start_time_millis"])
        gaps += [b["start_time_millis"] - a["finish_time_millis"] for a, b in pairwise(jobs)]
    batch["gaps"] = sum(gaps) / 1000
    batch["gap_max"] = max(gaps, default=0) / 1000
    print(f"   done: makespan {batch['makespan']:.3f} s", flush=True)
    return {"alone": alone, "alone_machine": machine, "batch": batch}


def _alone(pipeline_id: str, key: str, n: int, finished: Finished) -> dict[str, float]:
    """Run one job on the idle worker; its CPU time (this process and the sandbox child)."""
    cpu, own, before = cpu_seconds(), own_cpu_seconds(), time.perf_counter()
    job_id = _create(pipeline_id, key, TUTORIAL, f"alone/{n:02d}/")
    finished.wait([job_id], 600)
    row = {"cpu": cpu_seconds() - cpu, "own": own_cpu_seconds() - own}
    row["wall"] = time.perf_counter() - before
    times = _times([job_id])[job_id]
    row["run"] = (times["finish_time_millis"] - times["start_time_millis"]) / 1000
    print(
        f"   job {n + 1:>2}: CPU {row['cpu']:6.3f} s (worker process {row['own']:.3f} s), "
        f"start->complete {row['run']:6.3f} s",
        flush=True,
    )
    return row


def child_memory(request: dict[str, Any]) -> dict[str, Any]:
    pipeline_id = _prepare(request)
    from mediamill.jobs.models import JobOutput
    from mediamill.workers.embedded import EmbeddedWorkers

    finished = Finished(by_signal=True)
    workers = EmbeddedWorkers(1)
    workers.start()
    time.sleep(1.0)
    before_kib = proc.status_kib("self", "VmRSS")
    try:
        with proc.RssSampler() as sampler:
            job_id = _create(pipeline_id, request["input"], TUTORIAL, "memory/")
            print("   job submitted; transcoding ...", flush=True)
            finished.wait([job_id], 3600)
    finally:
        workers.stop()
    times = _times([job_id])[job_id]
    outputs = JobOutput.objects.filter(job_id=job_id).order_by("index")
    return {
        "run": (times["finish_time_millis"] - times["start_time_millis"]) / 1000,
        "outputs": [
            {"key": o.key, "file_size": o.file_size, "duration": o.duration} for o in outputs
        ],
        "before_kib": before_kib,
        "hwm_kib": proc.status_kib("self", "VmHWM"),
        "own_peak_kib": sampler.own_peak_kib,
        "child_peak_kib": sampler.child_peak_kib,
        "sum_peak_kib": sampler.sum_peak_kib,
        "self_maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "children_maxrss_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    }


class _Unseekable:
    """A file seen as a stream that cannot seek, as a request body or a pipe would be."""

    def __init__(self, raw: Any) -> None:
        self._raw = raw

    def read(self, size: int = -1) -> bytes:
        data: bytes = self._raw.read(size)
        return data

    def seekable(self) -> bool:
        return False


def child_upload(request: dict[str, Any]) -> dict[str, Any]:
    import gc
    import io

    from mediamill.buckets import get_bucket

    bucket = get_bucket(request["bucket"])
    bucket.check()
    # A small object first: the client, its connection pool and boto3's modules belong to the
    # bucket, not to the upload whose growth is measured.
    bucket.write("warm-up", io.BytesIO(b"x" * 1024))
    gc.collect()
    before_kib = proc.status_kib("self", "VmRSS") or 0
    key = f"big-{request['how']}.bin"
    with proc.RssSampler() as sampler:
        started = time.perf_counter()
        if request["how"] == "upload_file":
            size = bucket.upload_file(key, request["path"])
        else:
            with open(request["path"], "rb") as source:
                size = bucket.write(key, _Unseekable(source))  # type: ignore[arg-type]
        seconds = time.perf_counter() - started
    stored = bucket.size(key)
    if stored != os.path.getsize(request["path"]) or size != stored:
        raise RuntimeError(f"stored {stored} bytes, sent {size}")
    bucket.delete(key)
    bucket.delete("warm-up")
    peak = max(sampler.own_peak_kib, proc.status_kib("self", "VmHWM") or 0)
    print(
        f"   {request['how']}: {size / MB:.0f} MB in {seconds:.1f} s, RSS {before_kib / 1024:.0f} "
        f"-> peak {peak / 1024:.0f} MiB",
        flush=True,
    )
    return {
        "how": request["how"],
        "size": size,
        "seconds": seconds,
        "before_kib": before_kib,
        "peak_kib": peak,
    }


if __name__ == "__main__":
    sys.exit(main())
