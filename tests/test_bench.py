"""Every benchmark in bench/ runs, in its smoke mode (tiny inputs, one repetition), so none
can rot unnoticed. Nothing is timed here: each run must finish and print the comparison it
exists for; the figures themselves are for docs/benchmarks.md, measured with full runs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from mediamill.testing import child_env
from mediamill.testing.pytest_plugin import unavailable

ROOT = Path(__file__).resolve().parent.parent
#: Each benchmark starts processes (and some servers of its own).
pytestmark = pytest.mark.slow


def smoke(module: str) -> str:
    """``python -m MODULE --smoke`` from the project's root; its output, once it exited 0."""
    run = subprocess.run(
        [sys.executable, "-m", module, "--smoke"],
        cwd=ROOT,
        env=child_env({}),  # no setting of ours (the test database, say) leaks in
        capture_output=True,
        text=True,
        timeout=600,
    )
    if "needs the ffmpeg command line" in run.stderr:
        unavailable(f"{module}: the ffmpeg command line is not installed")
    assert run.returncode == 0, f"{module} exited {run.returncode}:\n{run.stdout}\n{run.stderr}"
    return run.stdout


def test_api_benchmark_runs() -> None:
    out = smoke("bench.api")
    for operation in ("CreateJob", "ReadJob"):
        for clients in (1, 4):
            assert re.search(
                rf"^{operation} with {clients} client\(s\): p50 [\d.]+ ms = [\d.]+ x the target",
                out,
                re.MULTILINE,
            ), out


def test_transcode_benchmark_runs() -> None:
    out = smoke("bench.transcode_vs_ffmpeg")
    assert re.search(r"^ratio mediamill/ffmpeg: [\d.]+ of medians", out, re.MULTILINE), out
    assert "same kinds of output: yes" in out, out


def test_video_benchmark_runs() -> None:
    out = smoke("bench.video")
    assert re.search(r"^\(a\) mp4 ratio mediamill/ffmpeg: [\d.]+ \(target", out, re.MULTILINE), out
    assert re.search(r"^\(b\) ladder ratio mediamill/ffmpeg: [\d.]+ \(target", out, re.M), out


@pytest.mark.services
def test_service_benchmark_runs() -> None:
    out = smoke("bench.service")
    skipped = re.findall(r"^.*SKIPPED.*$", out, re.MULTILINE)
    if skipped:
        unavailable("bench.service: " + "; ".join(skipped))
    assert re.search(r"^latency embedded: median submit->Progressing [\d.]+ ms", out, re.M), out
    assert re.search(r"^latency celery: median submit->Progressing [\d.]+ ms", out, re.M), out
    assert re.search(r"^ratio makespan / ideal\s+[\d.]+$", out, re.MULTILINE), out
    assert re.search(r"^memory worker process: peak RSS [\d.]+ MB", out, re.MULTILINE), out
    assert re.search(r"^memory upload write: RSS growth [\d.]+ MB", out, re.MULTILINE), out


def test_uploads_benchmark_runs() -> None:
    out = smoke("bench.uploads")
    assert re.search(r"^upload 16 MiB: median [\d.]+ s", out, re.MULTILINE), out
    assert re.search(r"^ratio upload/cp throughput: [\d.]+ \(target >= 0.5\)", out, re.M), out


def test_web_benchmark_runs() -> None:
    out = smoke("bench.web")
    assert re.search(r"^\| library, first page \| [\d.]+ \| [\d.]+ \|", out, re.MULTILINE), out
    assert re.search(r"^library page p50 [\d.]+ ms = [\d.]+ x the target", out, re.M), out


def test_images_benchmark_runs() -> None:
    out = smoke("bench.images")
    assert re.search(r"^\| mediamill \| uncached \| 8 \| [\d.]+ \|", out, re.MULTILINE), out
    assert re.search(r"^\| mediamill \| cached \| 40 \| [\d.]+ \|", out, re.MULTILINE), out
    assert re.search(r"^mediamill: peak RSS \d+ MB", out, re.MULTILINE), out
    if "SKIPPED thumbor" not in out:
        assert re.search(r"^ratio uncached mediamill/thumbor: [\d.]+", out, re.MULTILINE), out


def test_triggers_benchmark_runs() -> None:
    out = smoke("bench.triggers")
    for path in ("upload", "/events/s3", "watched"):
        assert re.search(rf"^{path}: p50 [\d.]+ ms = [\d.]+ x the target", out, re.MULTILINE), out
    assert re.search(r"^burst: 200 objects .* missed 0, twice 0$", out, re.MULTILINE), out
