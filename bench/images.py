"""Benchmark: image resizes, mediamill against thumbor, same machine, same images, one process.

Two source images are generated (no downloads): a 4000×3000 JPEG (gradients under noise,
4.8 MB) and a 2000×2000 PNG with an alpha channel (12 MB). Both servers read them from the
same folder and render the same outputs at the same quality: the JPEG filled and cropped to
about 800×600 as JPEG q85, the PNG fitted in about 400×400 as WebP q80.

- **mediamill**: ``mediamill serve`` (waitress, 16 HTTP threads) with the folder as a local
  bucket; URLs signed with ``mediamill.imaging.resize_path``; resizes stored back in the bucket.
- **thumbor** (the current PyPI release, installed by this script into its own virtualenv,
  ``bench/out/thumbor-venv``): ``thumbor`` with the file loader on the folder, the file
  result storage on (``RESULT_STORAGE_STORES_UNSAFE``), 8 engine threads
  (``ENGINE_THREADPOOL_SIZE``; with the default 0 it renders on its event loop, one at a time),
  and unsafe URLs (no HMAC to compute; mediamill checks its signature on every request).

Both are one process. Phases, each at 8 concurrent clients with keep-alive connections:

    (a) uncached: every request a new size (800+i × 600 and 400+i × 400+i), so every one is
        rendered: renders/s, p50, p99; then the peak RSS of the server process (VmHWM)
    (b) cached: the URLs of (a) again, in a shuffled order: hits/s, p50, p99

    python -m bench.images             # 2x48 renders, 2000 hits per server: a few minutes
    python -m bench.images --smoke     # 2x4 renders, 40 hits; thumbor only if installed already
    python -m bench.images --libraries # Pillow vs pyvips as well (pip install pyvips-binary)

Results are recorded in docs/benchmarks.md; targets (uncached ≥ 1.2× thumbor, cached ≥ 1.0×
with p99 under 10 ms) are reported, not enforced.
"""

from __future__ import annotations

import argparse
import http.client
import io
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.proc import status_kib
from PIL import Image

from mediamill.imaging import Keyring, resize_path
from mediamill.testing import child_env, free_ports

ROOT = Path(__file__).resolve().parent.parent
THUMBOR_VENV = ROOT / "bench" / "out" / "thumbor-venv"
CLIENTS = 8
BUCKET = "bench"


@dataclass
class Phase:
    name: str
    seconds: float
    latencies: list[float]
    errors: int

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000

    def row(self, server: str) -> str:
        return (
            f"| {server} | {self.name} | {len(self.latencies)} | {self.rate:.1f} | "
            f"{self.percentile(50):.1f} | {self.percentile(99):.1f} | {self.errors} |"
        )


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    url_for: Callable[[str, int], str]
    """(image, i) -> the path of the i-th distinct resize of that image."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny run (for the test suite)")
    parser.add_argument("--renders", type=int, default=48, help="uncached renders per image")
    parser.add_argument("--hits", type=int, default=2000, help="cached requests")
    parser.add_argument("--libraries", action="store_true", help="also Pillow vs pyvips")
    args = parser.parse_args(argv)
    renders, hits = (4, 40) if args.smoke else (args.renders, args.hits)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{os.cpu_count()} CPUs, Python {platform.python_version()}, load average {load}")
    with tempfile.TemporaryDirectory(prefix="mediamill-bench-images-") as work:
        folder = Path(work) / "images"
        sources = make_sources(folder)
        if args.libraries:
            compare_libraries(sources)
        results: dict[str, tuple[Phase, Phase, int]] = {}
        thumbor = thumbor_python(install=not args.smoke)
        for start in (start_mediamill, start_thumbor):
            if start is start_thumbor and thumbor is None:
                print("SKIPPED thumbor: not installed yet (a full run installs it)")
                continue
            server = start(Path(work), folder, thumbor)
            try:
                results[server.name] = measure(server, renders, hits)
            finally:
                server.process.terminate()
                server.process.wait(30)
    print()
    print("| server | phase | requests | per second | p50 ms | p99 ms | errors |")
    print("|---|---|---|---|---|---|---|")
    for name, (uncached, cached, _) in results.items():
        print(uncached.row(name))
        print(cached.row(name))
    print()
    for name, (uncached, cached, rss) in results.items():
        print(
            f"{name}: uncached {uncached.rate:.1f} renders/s, p50 {uncached.percentile(50):.1f} ms"
        )
        print(f"{name}: cached {cached.rate:.1f} hits/s, p99 {cached.percentile(99):.1f} ms")
        print(f"{name}: peak RSS {rss / 1024:.0f} MB")
    if "mediamill" in results and "thumbor" in results:
        ours, theirs = results["mediamill"], results["thumbor"]
        print(f"ratio uncached mediamill/thumbor: {ours[0].rate / theirs[0].rate:.2f} (target 1.2)")
        print(f"ratio cached mediamill/thumbor: {ours[1].rate / theirs[1].rate:.2f} (target 1.0)")
    failed = sum(p.errors for u, c, _ in results.values() for p in (u, c))
    return 1 if failed else 0


def make_sources(folder: Path) -> dict[str, bytes]:
    folder.mkdir(parents=True)
    rng = random.Random(7)
    gradient = Image.radial_gradient("L").resize((4000, 3000))
    photo = Image.merge(
        "RGB", (gradient, Image.linear_gradient("L").resize((4000, 3000)), gradient.rotate(180))
    )
    photo = Image.blend(photo, Image.effect_noise((4000, 3000), 40).convert("RGB"), 0.3)
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=90)
    jpeg = out.getvalue()
    logo = Image.effect_noise((2000, 2000), 60).convert("RGBA")
    logo.putalpha(Image.radial_gradient("L").resize((2000, 2000)))
    out = io.BytesIO()
    logo.save(out, "PNG")
    png = out.getvalue()
    rng.random()
    (folder / "photo.jpg").write_bytes(jpeg)
    (folder / "logo.png").write_bytes(png)
    print(f"sources: photo.jpg 4000x3000 {len(jpeg)} B, logo.png 2000x2000 RGBA {len(png)} B")
    return {"photo.jpg": jpeg, "logo.png": png}


def start_mediamill(work: Path, folder: Path, _: Path | None) -> Server:
    data = work / "mediamill-data"
    env = child_env(
        {
            "MEDIAMILL_DATA_DIR": str(data),
            "MEDIAMILL_BUCKETS": f"{BUCKET}=file://{folder}",
            "MEDIAMILL_IMAGE_RENDERS_PER_MINUTE": "0",
        }
    )
    (port,) = free_ports(1)
    process = subprocess.Popen(
        [sys.executable, "-m", "mediamill", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(work / "mediamill.log").open("wb"),
    )
    wait_until_up(port, "/healthz", process, work / "mediamill.log")
    keyring = Keyring(data / "image-keys.json")

    def url_for(image: str, i: int) -> str:
        spec = (
            f"{800 + i}x600-fill-q85.jpg"
            if image == "photo.jpg"
            else f"{400 + i}x{400 + i}-q80.webp"
        )
        return resize_path(BUCKET, image, spec, keyring=keyring)

    return Server("mediamill", port, process, url_for)


def start_thumbor(work: Path, folder: Path, python: Path | None) -> Server:
    assert python is not None
    config = work / "thumbor.conf"
    config.write_text(
        f"LOADER = 'thumbor.loaders.file_loader'\n"
        f"FILE_LOADER_ROOT_PATH = {str(folder)!r}\n"
        f"STORAGE = 'thumbor.storages.no_storage'\n"
        f"RESULT_STORAGE = 'thumbor.result_storages.file_storage'\n"
        f"RESULT_STORAGE_FILE_STORAGE_ROOT_PATH = {str(work / 'thumbor-results')!r}\n"
        f"RESULT_STORAGE_STORES_UNSAFE = True\n"
        f"ALLOW_UNSAFE_URL = True\n"
        f"SECURITY_KEY = 'bench'\n"
        f"ENGINE_THREADPOOL_SIZE = {CLIENTS}\n"
        f"QUALITY = 85\n"
        f"WEBP_QUALITY = 80\n"
        f"RESPECT_ORIENTATION = True\n"
        f"AUTO_WEBP = False\n"
    )
    (port,) = free_ports(1)
    process = subprocess.Popen(
        [str(python.parent / "thumbor"), "-p", str(port), "-i", "127.0.0.1", "-c", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=(work / "thumbor.log").open("wb"),
    )
    wait_until_up(port, "/healthcheck", process, work / "thumbor.log")

    def url_for(image: str, i: int) -> str:
        if image == "photo.jpg":
            return f"/unsafe/{800 + i}x600/filters:quality(85)/photo.jpg"
        return f"/unsafe/fit-in/{400 + i}x{400 + i}/filters:format(webp):quality(80)/logo.png"

    return Server("thumbor", port, process, url_for)


def thumbor_python(install: bool) -> Path | None:
    """thumbor's interpreter in its own virtualenv, installed from PyPI when asked."""
    python = THUMBOR_VENV / "bin" / "python"
    if python.exists():
        return python
    if not install:
        return None
    print("installing thumbor from PyPI into", THUMBOR_VENV.relative_to(ROOT))
    shutil.rmtree(THUMBOR_VENV, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(THUMBOR_VENV)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "thumbor"],
        check=True,
    )
    return python


def wait_until_up(port: int, path: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                tail = log.read_text(errors="replace")[-2000:]
                raise SystemExit(f"the server on port {port} did not start:\n{tail}") from None
            time.sleep(0.1)


def measure(server: Server, renders: int, hits: int) -> tuple[Phase, Phase, int]:
    paths = [
        server.url_for(image, i) for i in range(renders) for image in ("photo.jpg", "logo.png")
    ]
    uncached = run(server, "uncached", paths)
    rss = status_kib(server.process.pid, "VmHWM") or 0
    shuffled = random.Random(1).choices(paths, k=hits)
    cached = run(server, "cached", shuffled)
    return uncached, cached, rss


def run(server: Server, name: str, paths: list[str]) -> Phase:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    queue = iter(paths)

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
        while True:
            with lock:
                path = next(queue, None)
            if path is None:
                break
            started = time.perf_counter()
            connection.request("GET", path)
            response = connection.getresponse()
            body = response.read()
            took = time.perf_counter() - started
            with lock:
                if response.status == 200 and body:
                    latencies.append(took)
                else:
                    errors[0] += 1
                    print(f"{server.name}: {path} -> {response.status} {body[:200]!r}")
        connection.close()

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Phase(name, time.perf_counter() - began, latencies, errors[0])


def compare_libraries(sources: dict[str, bytes]) -> None:
    """The same two renders in this process, with Pillow (draft mode) and with pyvips."""
    from concurrent.futures import ThreadPoolExecutor

    from mediamill.images import parse_spec
    from mediamill.imaging import Limits, render

    limits = Limits(50_000_000, 4096, 4096, 200, ("JPEG", "PNG"))
    jobs: dict[str, Callable[[], object]] = {
        "Pillow JPEG 800x600 fill q85": lambda: render(
            io.BytesIO(sources["photo.jpg"]),
            parse_spec("800x600-fill-q85", max_width=4096, max_height=4096),
            "JPEG",
            limits,
        ),
        "Pillow PNG->WebP 400x400 q80": lambda: render(
            io.BytesIO(sources["logo.png"]),
            parse_spec("400x400-q80", max_width=4096, max_height=4096),
            "WEBP",
            limits,
        ),
    }
    try:
        import pyvips  # type: ignore[import-not-found, import-untyped, unused-ignore]

        pyvips.cache_set_max(0)
        jobs["pyvips JPEG 800x600 fill q85"] = lambda: pyvips.Image.thumbnail_buffer(
            sources["photo.jpg"], 800, height=600, crop="centre"
        ).jpegsave_buffer(Q=85, keep=0)
        jobs["pyvips PNG->WebP 400x400 q80"] = lambda: pyvips.Image.thumbnail_buffer(
            sources["logo.png"], 400, height=400
        ).webpsave_buffer(Q=80, keep=0)
    except ImportError:
        print("SKIPPED pyvips: not installed (pip install pyvips-binary pyvips)")
    for name, job in jobs.items():
        job()
        single = []
        for _ in range(10):
            began = time.perf_counter()
            job()
            single.append(time.perf_counter() - began)
        with ThreadPoolExecutor(CLIENTS) as pool:
            began = time.perf_counter()
            list(pool.map(lambda _, job=job: job(), range(32)))
            rate = 32 / (time.perf_counter() - began)
        print(
            f"library {name}: median {statistics.median(single) * 1000:.1f} ms alone, "
            f"{rate:.1f}/s with {CLIENTS} threads"
        )


if __name__ == "__main__":
    sys.exit(main())
