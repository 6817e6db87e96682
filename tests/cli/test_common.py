"""One data folder wherever a command is run from, and the commands say which."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mediamill.testing.processes import child_env

pytestmark = pytest.mark.slow


def test_commands_share_the_per_user_folder_from_anywhere(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = child_env({"HOME": str(home)})
    env.pop("XDG_DATA_HOME", None)
    folder = home / ".local" / "share" / "mediamill"
    runs = []
    for here, args in (
        ("a", ["buckets", "grant", "uploads", "admin"]),
        ("b", ["buckets", "grants", "--json"]),
    ):
        (tmp_path / here).mkdir()
        if here == "a":
            subprocess.run(
                [sys.executable, "-m", "mediamill", "keys", "create"],
                cwd=tmp_path / here, env=env, capture_output=True, check=True,
            )  # fmt: skip
        run = subprocess.run(
            [sys.executable, "-m", "mediamill", *args],
            cwd=tmp_path / here, env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert run.returncode == 0, run.stderr
        assert run.stderr == (
            f"mediamill: data in {folder} (set MEDIAMILL_DATA_DIR to use another folder)\n"
        )
        runs.append(run)
    assert '"bucket": "uploads"' in runs[1].stdout  # made from a, seen from b
    assert (folder / "mediamill.sqlite3").is_file()
    assert not (tmp_path / "a" / "var").exists() and not (tmp_path / "b" / "var").exists()


def test_a_chosen_folder_is_not_announced(tmp_path: Path) -> None:
    env = child_env({"MEDIAMILL_DATA_DIR": str(tmp_path / "data")})
    run = subprocess.run(
        [sys.executable, "-m", "mediamill", "users", "list"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert run.returncode == 0 and run.stderr == ""
