"""The sandbox: a child that misbehaves fails alone, with a clear error."""

from __future__ import annotations

# Imported here, while the child can still read the standard library: connecting to "127.0.0.1"
# encodes the host name with it, and a child running as another user may not reach it later.
import ctypes
import encodings.idna  # noqa: F401
import json
import os
import pickle
import pwd
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from mediamill.errors import CanceledError, MediaError, ResourceLimitError, TranscodeError
from mediamill.sandbox import Limits, confine, fd_path, give_to_child, run_isolated
from mediamill.testing.processes import child_env

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


def test_a_cancel_before_the_child_is_ready_is_a_cancel() -> None:
    # The token is set before the child starts: the signal may arrive before the child has
    # installed its handler (its default action ends the process). Either way the caller
    # must see a cancel, never a crash (a canceled job is released, a crashed one fails).
    for _ in range(3):
        cancel = threading.Event()
        cancel.set()
        with pytest.raises(CanceledError):
            run_isolated(wait_for_cancel, limits=LIMITS, cancel=cancel)


def write_big_file(path: str, *, emit: Any, cancel: Any) -> int:
    with open(path, "wb") as out:
        for _ in range(8):
            out.write(b"\0" * 1024 * 1024)
    return 8


def read_environment(*, emit: Any, cancel: Any) -> dict[str, str]:
    return dict(os.environ)


def _write_through_fd(tmp_path: Path, name: str, limits: Limits) -> int:
    fd = os.open(tmp_path / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        give_to_child(fd)
        result: int = run_isolated(write_big_file, fd_path(fd), limits=limits, pass_fds=[fd])
        return result
    finally:
        os.close(fd)


def test_file_size_limit(tmp_path: Path) -> None:
    limits = Limits(memory_mb=1024, timeout=20, file_mb=2)
    with pytest.raises(ResourceLimitError, match="file size limit"):
        _write_through_fd(tmp_path, "big", limits)
    assert _write_through_fd(tmp_path, "ok", LIMITS) == 8
    assert (tmp_path / "ok").stat().st_size == 8 * 1024 * 1024


def test_child_gets_no_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDIAMILL_SECRET_KEY", "do-not-leak")
    monkeypatch.setenv("DATABASE_URL", "postgres://user:password@db/mediamill")
    monkeypatch.setenv("MEDIAMILL_S3_SECRET_ACCESS_KEY", "s3-secret")
    seen = run_isolated(read_environment, limits=LIMITS)
    leaked = {k for k, v in seen.items() if "do-not-leak" in v or "password" in v or "s3-" in v}
    assert not leaked
    assert "PATH" in seen


def spin(*, emit: Any, cancel: Any) -> None:
    while True:
        pass


@pytest.mark.slow  # the child spins for a CPU second
def test_cpu_time_limit() -> None:
    started = time.monotonic()
    with pytest.raises(ResourceLimitError, match=r"CPU-time limit of 1 s .*CPU_SECONDS"):
        run_isolated(spin, limits=Limits(memory_mb=1024, timeout=30, cpu_seconds=1))
    assert time.monotonic() - started < 15


def test_memory_limit_names_the_setting() -> None:
    with pytest.raises(ResourceLimitError, match="MEDIAMILL_DECODE_MEMORY_MB"):
        run_isolated(hog_memory, limits=Limits(memory_mb=512, timeout=20))


# --- the boundary: secrets, files, network, what the parent reads ----------------------

SECRET = "parent-secret-7d1e"

_PARENT = """
import json, sys
from mediamill.sandbox import Limits, run_isolated
from tests.test_sandbox import read_parent_environ
print(json.dumps(run_isolated(read_parent_environ, limits=Limits(memory_mb=1024, timeout=20))))
"""


def read_parent_environ(*, emit: Any, cancel: Any) -> str:
    try:
        with open(f"/proc/{os.getppid()}/environ", "rb") as environ:
            return environ.read().decode(errors="replace")
    except OSError as exc:
        return f"refused: {exc.strerror}"


@pytest.mark.slow  # a parent process of its own
def test_child_cannot_read_the_parents_environment() -> None:
    # A real parent process whose environment (as exec'd, not scrubbed) holds a secret.
    env = child_env({"MEDIAMILL_SECRET_KEY": SECRET, "DATABASE_URL": f"sqlite:///{SECRET}"})
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run(
        [sys.executable, "-c", _PARENT], env=env, cwd=root, capture_output=True, check=True
    )
    seen = json.loads(out.stdout)
    assert SECRET not in seen
    assert seen.startswith("refused")


def read_file(path: str, *, emit: Any, cancel: Any) -> str:
    try:
        with open(path) as file:
            return file.read()
    except OSError as exc:
        return f"refused: {exc.strerror}"


@pytest.mark.skipif(os.geteuid() != 0, reason="the user switch needs root (run as root to test)")
def test_child_cannot_read_the_services_private_files(tmp_path: Path) -> None:
    secret = tmp_path / "secret_key"
    secret.write_text(SECRET)
    secret.chmod(0o600)
    assert run_isolated(read_file, str(secret), limits=LIMITS) == "refused: Permission denied"


def who_am_i(*, emit: Any, cancel: Any) -> list[int]:
    dumpable = ctypes.CDLL(None).prctl(3, 0, 0, 0, 0)  # PR_GET_DUMPABLE
    return [dumpable, os.getuid(), os.geteuid(), os.getgid(), *os.getgroups()]


@pytest.mark.skipif(os.geteuid() != 0, reason="the user switch needs root (run as root to test)")
def test_child_runs_as_the_sandbox_user() -> None:
    nobody = pwd.getpwnam("nobody")
    ids = run_isolated(who_am_i, limits=LIMITS)
    # Not dumpable: another child running as nobody cannot read its memory.
    assert ids == [0, nobody.pw_uid, nobody.pw_uid, nobody.pw_gid]
    assert any("user nobody" in d for d in confine.reported())


def connect(port: int, *, emit: Any, cancel: Any) -> str:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=3).close()
    except OSError as exc:
        return f"refused: {exc.strerror or exc}"
    return "connected"


def test_child_has_no_network_where_isolation_is_available() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        answer = run_isolated(connect, server.getsockname()[1], limits=LIMITS)
    if not any("no network" in d for d in confine.reported()):
        assert answer == "connected"  # explicit degradation, logged as a warning
        pytest.skip("no network isolation on this machine (needs root or user namespaces)")
    assert answer.startswith("refused")


def send_crafted_pickle(marker: str, *, emit: Any, cancel: Any) -> None:
    import __main__  # the sandbox child's module

    class Exploit:
        def __reduce__(self) -> tuple[Any, ...]:
            return (exec, (f"open({marker!r}, 'w').write('pwned')",))

    stream = __main__._answers
    stream.write(pickle.dumps(("result", Exploit())))
    stream.flush()
    time.sleep(5)


@pytest.mark.slow  # the parent reads to the child's end, 5 s on
def test_a_crafted_pickle_from_the_child_is_not_executed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    with pytest.raises(TranscodeError, match="malformed answer"):
        run_isolated(send_crafted_pickle, str(marker), limits=LIMITS)
    assert not marker.exists()


def send_unknown_object(*, emit: Any, cancel: Any) -> None:
    import __main__

    line = json.dumps({"kind": "result", "payload": {"$dataclass": "Popen", "fields": {}}})
    __main__._answers.write(line.encode() + b"\n")
    __main__._answers.flush()
    time.sleep(5)


def test_objects_the_caller_did_not_name_are_refused() -> None:
    with pytest.raises(TranscodeError, match="malformed answer"):
        run_isolated(send_unknown_object, limits=LIMITS)


def send_deep_nesting(*, emit: Any, cancel: Any) -> None:
    import __main__

    depth = 200_000
    line = '{"kind": "result", "payload": ' + "[" * depth + "]" * depth + "}\n"
    __main__._answers.write(line.encode())
    __main__._answers.flush()
    time.sleep(5)


def test_an_answer_nested_too_deep_is_refused() -> None:
    with pytest.raises(TranscodeError, match="malformed answer"):
        run_isolated(send_deep_nesting, limits=LIMITS)


def test_without_a_user_switch_the_network_is_still_cut(monkeypatch: pytest.MonkeyPatch) -> None:
    # What a service not running as root gets where user namespaces are allowed (here: root
    # told not to switch users, which takes the same user-namespace path).
    monkeypatch.setenv("MEDIAMILL_SANDBOX_USER", "")
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        answer = run_isolated(connect, server.getsockname()[1], limits=LIMITS)
    if "the service's user, no network" not in confine.reported():
        pytest.skip("no unprivileged user namespaces on this machine")
    assert answer.startswith("refused")
