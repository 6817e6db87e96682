"""Benchmark: a 1 GiB resumable upload through ``/uploads/`` vs ``cp`` on the same disk.

A fresh ``mediamill serve`` (SQLite, folder buckets, data in a temporary folder on the disk
being measured) runs with stand-in upload hooks (``tests.hooked_serve``: the web app's real
hooks only decide where the file goes and what happens next). A user is signed in with a
session, as a browser would be. A WAV file of the chosen size (noise: a 1 MiB random block
repeated) is written first, then, per repetition:

- **cp**: ``cp SOURCE COPY`` into the same folder, then ``sync COPY`` (the upload syncs every
  piece before counting it, so ``cp`` alone would be compared with less work); both timed,
  the plain ``cp`` as well;
- **upload**: creation (POST), then pieces of ``MEDIAMILL_UPLOAD_CHUNK_MB`` (64 MiB) streamed
  from the file with PATCH over one HTTP connection per piece, as tus-js-client sends them,
  to the final answer, which comes after the file is published in the bucket and probed.
  The stored file's size is checked, and the server's RSS sampled (every 50 ms, from
  ``/proc``) against its value after a first small upload.

    python -m bench.uploads [--mib 1024] [--repeat 3] [--dir DIR]
    python -m bench.uploads --smoke    # 16 MiB, once: shows that it runs

Reports medians and the ratio of the upload's throughput to cp's (target >= 0.5). It
exits 0 once it has run; it does not enforce the target. Figures: docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from tests.serve_process import start_server, stop_server
from tests.tus_client import TusClient, WavFile, session_for

MiB = 1024 * 1024
CHUNK_MB = 64
TARGET = 0.5


def file_pieces(path: Path, start: int, end: int) -> Iterator[bytes]:
    with open(path, "rb") as source:
        source.seek(start)
        left = end - start
        while left:
            data = source.read(min(left, MiB))
            if not data:
                return
            left -= len(data)
            yield data


def time_cp(source: Path, folder: Path) -> tuple[float, float]:
    """Seconds for ``cp`` alone, and for ``cp`` then ``sync`` of the copy."""
    copy = folder / "copy.wav"
    started = time.perf_counter()
    subprocess.run(["cp", str(source), str(copy)], check=True)
    copied = time.perf_counter()
    subprocess.run(["sync", str(copy)], check=True)
    synced = time.perf_counter()
    copy.unlink()
    return copied - started, synced - started


def time_upload(client: TusClient, source: Path, length: int) -> float:
    started = time.perf_counter()
    path = client.create(length, filename=f"bench-{time.monotonic_ns()}.wav")
    client.upload(path, length, lambda a, b: file_pieces(source, a, b), CHUNK_MB * MiB)
    return time.perf_counter() - started


def rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


class RssWatch:
    """The largest RSS of a process, sampled every 50 ms while the watch runs."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = rss(pid)
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RssWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._done.wait(0.05):
            self.peak = max(self.peak, rss(self.pid))


def load() -> str:
    one = os.getloadavg()[0]
    try:
        pressure = Path("/proc/pressure/cpu").read_text().split()[1]
    except OSError:
        pressure = "avg10=?"
    return f"load(1 min) {one:.2f}, CPU pressure {pressure}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=1024, help="file size in MiB (1024)")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions (3)")
    parser.add_argument("--dir", type=Path, default=None, help="folder on the disk to measure")
    parser.add_argument("--smoke", action="store_true", help="16 MiB, once")
    args = parser.parse_args(argv)
    if args.smoke:
        args.mib, args.repeat = 16, 1
    root = Path(tempfile.mkdtemp(prefix="mediamill-bench-uploads-", dir=args.dir))
    print(
        f"machine: {os.cpu_count()} CPU(s), {platform.platform()}; Python {sys.version.split()[0]}"
    )
    print(f"folder: {root} (the source, the copies and the server's buckets)")
    print(f"before: {load()}")
    server = start_server(
        root,
        module="tests.hooked_serve",
        MEDIAMILL_UPLOAD_CHUNK_MB=str(CHUNK_MB),
        MEDIAMILL_UPLOAD_MAX_MB=str(max(args.mib, 1)),
    )
    try:
        user = "bench"
        client = TusClient(server.port, session_for(server, user))
        length = args.mib * MiB
        source = root / "source.wav"
        WavFile(length).write_to(source)
        cp_times, cp_sync_times, upload_times = [], [], []
        # A first small upload (first request, the probe's imports), so that the RSS growth
        # measured is the uploads' own.
        warm = WavFile(MiB)
        client.upload(client.create(warm.length, filename="warm.wav"), warm.length, warm.read, MiB)
        before = rss(server.process.pid)
        with RssWatch(server.process.pid) as watch:
            for n in range(args.repeat):
                plain, synced = time_cp(source, root)
                cp_times.append(plain)
                cp_sync_times.append(synced)
                upload_times.append(time_upload(client, source, length))
                print(
                    f"run {n + 1}: cp {plain:.2f} s, cp+sync {synced:.2f} s, "
                    f"upload {upload_times[-1]:.2f} s"
                )
        bucket = server.data_dir / "buckets" / f"{user}-uploads"
        sizes = {p.stat().st_size for p in bucket.rglob("bench-*.wav")}
        assert sizes == {length}, f"stored sizes {sizes}, expected {length}"
    finally:
        stop_server(server)
        print(f"after: {load()}")
        shutil.rmtree(root, ignore_errors=True)

    mib: int = args.mib

    def rate(seconds: float) -> float:
        return mib / seconds

    cp, cp_sync, upload = (statistics.median(t) for t in (cp_times, cp_sync_times, upload_times))
    print(f"cp {args.mib} MiB: median {cp:.2f} s = {rate(cp):.0f} MiB/s")
    print(f"cp+sync {args.mib} MiB: median {cp_sync:.2f} s = {rate(cp_sync):.0f} MiB/s")
    print(f"upload {args.mib} MiB: median {upload:.2f} s = {rate(upload):.0f} MiB/s")
    print(f"ratio upload/cp throughput: {cp / upload:.2f} (target >= {TARGET})")
    print(f"ratio upload/cp+sync throughput: {cp_sync / upload:.2f}")
    print(f"server RSS growth during the uploads: {(watch.peak - before) / MiB:.1f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
