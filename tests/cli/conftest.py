"""Running ``mediamill`` in this process, on the test database, and reading what it printed."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from mediamill.cli import main


@dataclass(frozen=True)
class Run:
    status: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


Cli = Callable[..., Run]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Cli:
    """``cli("jobs", "list", "--json")``: exit status, stdout and stderr of one command."""

    def run(*argv: str | Path) -> Run:
        capsys.readouterr()
        status = main([str(a) for a in argv])
        out, err = capsys.readouterr()
        return Run(status, out, err)

    return run


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Local buckets of the test's own."""
    folder = tmp_path / "data"
    monkeypatch.setenv("MEDIAMILL_DATA_DIR", str(folder))
    return folder


def one_line_error(run: Run, command: str, message: str) -> None:
    """The failure contract: status 1, one line on stderr naming the full command."""
    assert run.status == 1, run
    assert run.out == ""
    lines = run.err.strip().splitlines()
    assert len(lines) == 1, run.err
    assert lines[0].startswith(f"mediamill {command}: error: "), lines[0]
    assert message in lines[0], lines[0]
