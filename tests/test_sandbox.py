"""The sandbox: a child that misbehaves fails alone, with a clear error."""

from __future__ import annotations

import os
import signal
import threading
import time
from typing import Any

import pytest

from mediamill.errors import CanceledError, MediaError, ResourceLimitError, TranscodeError
from mediamill.sandbox import Limits, run_isolated

LIMITS = Limits(memory_mb=1024, timeout=20)


# Work functions must be importable by name: the child is a fresh interpreter.
def add(a: int, b: int, *, emit: Any, cancel: Any) -> int:
    emit("adding")
    return a + b


def hog_memory(*, emit: Any, cancel: Any) -> int:
    blocks = [bytearray(64 * 1024 * 1024) for _ in range(64)]  # 4 GiB
    return len(blocks)


def hang(*, emit: Any, cancel: Any) -> None:
    time.sleep(3600)


def crash(*, emit: Any, cancel: Any) -> None:
    os.kill(os.getpid(), signal.SIGSEGV)


def wait_for_cancel(*, emit: Any, cancel: Any) -> None:
    emit("waiting")
    while not cancel.is_set():
        time.sleep(0.01)
    raise CanceledError("stopped as asked")


def fail_badly(*, emit: Any, cancel: Any) -> None:
    raise KeyError("surprise")


def print_noise(*, emit: Any, cancel: Any) -> str:
    print("stray output must not corrupt the answer pipe")
    return "fine"


def test_result_and_events_come_back() -> None:
    events: list[str] = []
    assert run_isolated(add, 2, 3, limits=LIMITS, on_event=events.append) == 5
    assert events == ["adding"]


def test_stdout_noise_does_not_break_answers() -> None:
    assert run_isolated(print_noise, limits=LIMITS) == "fine"


def test_memory_limit() -> None:
    with pytest.raises(ResourceLimitError, match="memory"):
        run_isolated(hog_memory, limits=Limits(memory_mb=512, timeout=20))


@pytest.mark.slow
def test_time_limit() -> None:
    started = time.monotonic()
    with pytest.raises(ResourceLimitError, match="longer than"):
        run_isolated(hang, limits=Limits(memory_mb=1024, timeout=1.5))
    assert time.monotonic() - started < 10


def test_crash_becomes_media_error() -> None:
    with pytest.raises(MediaError, match="SIGSEGV"):
        run_isolated(crash, limits=LIMITS)


def test_unexpected_exception_is_reported() -> None:
    with pytest.raises(TranscodeError, match="KeyError"):
        run_isolated(fail_badly, limits=LIMITS)


def test_cancel_reaches_the_child() -> None:
    cancel = threading.Event()

    def on_event(event: str) -> None:
        cancel.set()

    with pytest.raises(CanceledError):
        run_isolated(wait_for_cancel, limits=LIMITS, on_event=on_event, cancel=cancel)


def write_big_file(path: str, *, emit: Any, cancel: Any) -> int:
    with open(path, "wb") as out:
        for _ in range(8):
            out.write(b"\0" * 1024 * 1024)
    return 8


def read_environment(*, emit: Any, cancel: Any) -> dict[str, str]:
    return dict(os.environ)


def test_file_size_limit(tmp_path: Any) -> None:
    limits = Limits(memory_mb=1024, timeout=20, file_mb=2)
    with pytest.raises(ResourceLimitError, match="file size limit"):
        run_isolated(write_big_file, str(tmp_path / "big"), limits=limits)
    assert run_isolated(write_big_file, str(tmp_path / "ok"), limits=LIMITS) == 8


def test_child_gets_no_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDIAMILL_SECRET_KEY", "do-not-leak")
    monkeypatch.setenv("DATABASE_URL", "postgres://user:password@db/mediamill")
    monkeypatch.setenv("MEDIAMILL_S3_SECRET_ACCESS_KEY", "s3-secret")
    seen = run_isolated(read_environment, limits=LIMITS)
    leaked = {k for k, v in seen.items() if "do-not-leak" in v or "password" in v or "s3-" in v}
    assert not leaked
    assert "PATH" in seen
