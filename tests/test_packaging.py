"""The package as users get it: a wheel built from this tree, installed in a new virtualenv.

First with ``--no-deps`` and only boto3 and cryptography beside it (the newest the index has:
a botocore without an elastictranscoder client of its own), to show ``mediamill.client``
needs neither Django nor PyAV; then with its dependencies, to run the command.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

import mediamill

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

ROOT = Path(__file__).resolve().parent.parent
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]

CLIENT_CHECK = """
import sys, botocore, mediamill
from mediamill.client import elastictranscoder
et = elastictranscoder(endpoint_url="http://127.0.0.1:9", aws_access_key_id="a",
                       aws_secret_access_key="b")
assert et.meta.service_model.api_version == "2012-09-25"
assert "job_complete" in et.waiter_names and et.can_paginate("list_jobs_by_pipeline")
assert "django" not in sys.modules and "av" not in sys.modules
print(mediamill.__version__, botocore.__version__)
"""


def run(*args: str | Path, cwd: Path | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=600, cwd=cwd
    )
    assert done.returncode == 0, f"{args}\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    return done.stdout


def test_the_version_is_written_once() -> None:
    assert mediamill.__version__ == VERSION
    init = (ROOT / "src/mediamill/__init__.py").read_text()
    assert not re.search(r"\d+\.\d+\.\d+", init), "the version is read from the metadata"
    assert f"## [{VERSION}]" in (ROOT / "CHANGELOG.md").read_text()


def test_a_built_wheel_installs_and_runs(tmp_path: Path) -> None:
    run(sys.executable, "-m", "build", "--wheel", "--outdir", tmp_path / "dist", ROOT)
    [wheel] = (tmp_path / "dist").glob("mediamill-*.whl")
    assert wheel.name.startswith(f"mediamill-{VERSION}-")
    names = zipfile.ZipFile(wheel).namelist()
    model = "mediamill/servicemodel/data/elastictranscoder/2012-09-25/"
    for name in ("service-2.json", "waiters-2.json", "paginators-1.json"):
        assert model + name in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)

    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv)
    python, mediamill_command = venv / "bin" / "python", venv / "bin" / "mediamill"
    run(python, "-m", "pip", "install", "--quiet", "--no-deps", wheel)
    run(python, "-m", "pip", "install", "--quiet", "boto3", "cryptography")
    version, botocore_version = run(python, "-c", CLIENT_CHECK, cwd=tmp_path).split()
    assert version == VERSION
    assert tuple(int(p) for p in botocore_version.split(".")[:3]) > (1, 42, 17), (
        "the index's newest botocore should be one without the client"
    )

    run(python, "-m", "pip", "install", "--quiet", wheel)
    assert run(mediamill_command, "--version") == f"mediamill {VERSION}\n"
    run(mediamill_command, "sample", tmp_path / "tone.flac", "--seconds", "1", cwd=tmp_path)
    out = run(mediamill_command, "presets", "show", "1351620000001-300110", "--json")
    assert '"Container": "flac"' in out
