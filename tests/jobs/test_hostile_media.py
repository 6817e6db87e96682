"""The hostile-media corpus (``mediamill.testing.hostile``), each file run as a real job.

Every file goes through the runner as a worker would run it: uploaded to a local bucket,
transcoded in the sandboxed child (as ``nobody`` without network when the tests run as
root) and stored. Each must end in a clear error with an input error code and no server
path, or in outputs that decode and last what the case allows, and leave nothing behind:
no temporary ``.part`` files in any bucket, no work folder.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from tests.decoded import decode
from tests.jobs_helpers import make_pipeline, request_for

from mediamill.buckets import get_bucket
from mediamill.jobs import runner, service
from mediamill.jobs.models import JobStatus
from mediamill.presets import get_system
from mediamill.testing.hostile import CASES, HostileCase

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

DETAIL = re.compile(r"(\d{4}) [0-9a-f-]{36}:(.*)", re.DOTALL)


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("MEDIAMILL_DATA_DIR", str(folder))
    return folder


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 40
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_hostile_input_ends_cleanly(case: HostileCase, tmp_path: Path, data_dir: Path) -> None:
    source = case.make(tmp_path)
    key = f"in/{case.filename}"
    get_bucket("uploads").upload_file(key, source)
    outputs = [
        {"Key": f"{i}.{get_system(preset).extension}", "PresetId": preset}
        for i, preset in enumerate(case.presets)
    ]
    job = service.create_job(request_for(make_pipeline().id, key, outputs, "out/"))

    status = runner.run_job(job.id)

    job.refresh_from_db()
    if case.error is None:
        assert status == JobStatus.COMPLETE, job.status_detail
        media = get_bucket("media")
        for output in job.outputs.order_by("index"):
            path = media.local_path(f"out/{output.key}")
            assert path is not None
            decoded = decode(path)
            assert case.min_seconds <= decoded.duration <= case.max_seconds, decoded
            # The job reports what the file holds.
            assert output.duration_millis is not None
            assert abs(output.duration_millis / 1000 - decoded.duration) < 0.2
    else:
        assert status == JobStatus.ERROR
        match = DETAIL.fullmatch(job.status_detail)
        assert match is not None, job.status_detail
        code, text = int(match.group(1)), match.group(2)
        assert 4000 <= code <= 4099, job.status_detail
        assert re.search(case.error, text), text
        assert str(tmp_path) not in text and "/proc/" not in text
        assert list(get_bucket("media").list()) == []
    _assert_nothing_left(data_dir)


def _assert_nothing_left(data_dir: Path) -> None:
    leftovers = [
        os.path.join(folder, name)
        for folder, _, names in os.walk(data_dir)
        for name in names
        if name.endswith(".part")
    ]
    assert not leftovers
    work = data_dir / "work"
    assert not work.exists() or not any(work.iterdir())
