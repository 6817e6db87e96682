"""Every failure of ``mediamill`` is one line on stderr and a non-zero status, in a real
process; ``--debug`` adds the traceback. The four tracebacks a new user met are here."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from mediamill.cli import main

pytestmark = pytest.mark.slow

SETTINGS = ("MEDIAMILL_", "AWS_", "DATABASE_URL", "DJANGO_")


def mediamill(
    *args: str, tmp_path: Path, stdin: int | None = subprocess.DEVNULL, **env: str
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(SETTINGS)}
    return subprocess.run(
        [sys.executable, "-m", "mediamill", *args],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=stdin,
        env={**clean, "MEDIAMILL_DATA_DIR": str(tmp_path / "data"), **env},
    )


def assert_one_line(run: subprocess.CompletedProcess[str], command: str, message: str) -> None:
    assert run.returncode == 1, run
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith(f"mediamill {command}: error: ") and message in lines[0], lines[0]


def test_createuser_without_a_terminal(tmp_path: Path) -> None:
    run = mediamill("createuser", "alice", tmp_path=tmp_path)
    assert_one_line(run, "createuser", "no terminal to ask for the password on")
    assert "--password-stdin" in run.stderr


def test_serve_on_a_port_in_use(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = mediamill("serve", "--port", str(port), "--workers", "1", tmp_path=tmp_path)
    assert_one_line(run, "serve", f"cannot listen on 127.0.0.1:{port}: Address already in use")


def test_unreachable_database(tmp_path: Path) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # bound, never listening: connections are refused
        url = f"postgres://someone:s3cret@127.0.0.1:{port}/db"
        run = mediamill("jobs", "list", tmp_path=tmp_path, DATABASE_URL=url)
    assert_one_line(run, "jobs list", f"cannot use the database (PostgreSQL db on 127.0.0.1:{port}")
    assert "s3cret" not in run.stderr


def test_a_reader_that_goes_away_is_no_error(tmp_path: Path) -> None:
    # `mediamill presets list | head -1`, without the race: the reading end is closed before
    # the command writes anything, so its output meets a broken pipe every time.
    child = subprocess.Popen(
        [sys.executable, "-m", "mediamill", "presets", "list"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdout is not None and child.stderr is not None
    child.stdout.close()
    status = child.wait(timeout=60)
    assert child.stderr.read() == b""
    assert status == 141


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    run = mediamill("createuser", "alice", "--debug", tmp_path=tmp_path)
    assert run.returncode == 1
    assert "Traceback (most recent call last)" in run.stderr
    assert run.stderr.strip().splitlines()[-1].startswith("mediamill createuser: error: ")


def test_an_unexpected_failure_is_one_line_too(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*args: object) -> None:
        raise ZeroDivisionError("division by zero\nsecond line")

    monkeypatch.setattr("mediamill.cli.presets.list_presets", broken)
    assert main(["presets", "list"]) == 1
    err = capsys.readouterr().err
    assert err == (
        "mediamill presets list: error: unexpected ZeroDivisionError: division by zero "
        "(run again with --debug for the traceback)\n"
    )


def test_argument_errors_name_the_full_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["pipelines", "show"])
    assert exited.value.code == 2
    assert "mediamill pipelines show: error: the following arguments are required" in (
        capsys.readouterr().err
    )


def test_help_shows_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["serve", "--help"])
    out = capsys.readouterr().out
    assert "(default: 127.0.0.1)" in out and "(default: 8000)" in out
