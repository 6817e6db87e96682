"""The README works verbatim: every fenced ``sh`` and ``python`` block, in order, in one shell.

The blocks run in an empty folder standing for the reader's checkout (its ``.venv`` is this
virtualenv), with HOME in that folder too, so the per-user data folder starts empty. The one
change made to the text: ports 8000 and 8001 become free ports, so runs in parallel do not
collide. A block after ``<!-- file: NAME -->`` is saved as NAME; one after
``<!-- not run: REASON -->`` is skipped, and must give its reason.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.decoded import decode

from mediamill.testing import free_ports
from mediamill.testing.processes import child_env

README = Path(__file__).resolve().parent.parent / "README.md"
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```\s*$", re.S | re.M)
MARK = re.compile(r"<!-- (not run|file): ?(.*?) -->")


@dataclass(frozen=True)
class Block:
    language: str
    code: str
    line: int
    skip_reason: str | None = None
    file_name: str | None = None


def blocks(text: str) -> list[Block]:
    found = []
    for match in FENCE.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        above = text[: match.start()].rstrip("\n").splitlines()
        marks: dict[str, str] = {}
        while above and above[-1].startswith("<!--"):
            mark = MARK.fullmatch(above.pop().strip())
            if mark:
                marks[mark.group(1)] = mark.group(2).strip()
        found.append(
            Block(match.group(1), match.group(2), line, marks.get("not run"), marks.get("file"))
        )
    return found


def test_every_block_runs_or_says_why_not() -> None:
    for block in blocks(README.read_text()):
        if block.language in ("sh", "python") and block.skip_reason is not None:
            assert len(block.skip_reason) > 10, f"README.md:{block.line}: say why it is not run"


def script(text: str, folder: Path) -> str:
    """The README's blocks as one bash script, python blocks as files it runs."""
    lines = ["set -euo pipefail", "trap 'kill $(jobs -p) 2>/dev/null || true' EXIT"]
    for n, block in enumerate(blocks(text)):
        if block.language not in ("sh", "python") or block.skip_reason is not None:
            continue
        lines.append(f"echo '--- README.md:{block.line}' >&2")
        if block.file_name:
            (folder / block.file_name).write_text(block.code)
        elif block.language == "python":
            name = f".readme-block-{n}.py"
            (folder / name).write_text(block.code)
            lines.append(f"python {name}")
        else:
            lines.append(block.code)
    return "\n".join(lines) + "\n"


@pytest.mark.slow
def test_the_readme_runs_verbatim(tmp_path: Path) -> None:
    folder = tmp_path / "checkout"
    folder.mkdir()
    (folder / ".venv").symlink_to(Path(sys.prefix))
    server, receiver = free_ports(2)
    text = re.sub(r"\b8000\b", str(server), README.read_text())
    text = re.sub(r"\b8001\b", str(receiver), text)
    (folder / "readme.sh").write_text(script(text, folder))
    env = child_env({"HOME": str(tmp_path / "home")})
    for name in ("XDG_DATA_HOME", "VIRTUAL_ENV", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        env.pop(name, None)
    with open(tmp_path / "stdout", "w+") as out, open(tmp_path / "stderr", "w+") as err:
        # Files, not pipes: the server started in the background must not hold them open.
        process = subprocess.Popen(
            ["bash", "readme.sh"], cwd=folder, env=env, stdout=out, stderr=err,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        try:
            status = process.wait(timeout=240)
        finally:
            _kill_group(process.pid)
        out.seek(0)
        err.seek(0)
        run = subprocess.CompletedProcess(process.args, status, out.read(), err.read())
    assert run.returncode == 0, f"{run.stdout[-3000:]}\n{run.stderr[-5000:]}"

    # The quick start's outputs, decoded.
    codecs = [decode(folder / "out" / name).audio_codec for name in ("song.wav", "song.flac")]
    assert codecs == ["pcm_s16le", "flac"]
    assert decode(folder / "out" / "song.mp4").audio_codec == "aac"
    # The tutorial: boto3 saw three outputs Complete; the receiver verified the notification.
    assert re.search(r"^song\.wav Complete \d+ bytes$", run.stdout, re.M)
    assert re.search(r"^song\.mp4 Complete \d+ bytes$", run.stdout, re.M)
    assert "subscription confirmed" in run.stdout
    assert re.search(r"^media/song\.mp3 has been processed \(job \d{13}-\w{6}\)$", run.stdout, re.M)
    assert not re.search(r"^refused:", run.stdout, re.M), "the receiver refused a message"
    assert decode(folder / "song.flac").audio_codec == "flac"
    assert f"public URL http://127.0.0.1:{server}, from --host and --port" in run.stderr


def _kill_group(pid: int) -> None:
    """Whatever the script left running (it started the server and receiver in the background)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGTERM)
