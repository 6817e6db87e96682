"""Run untrusted work in a child process with memory and time limits.

Decoding a hostile file can exhaust memory, spin forever or crash FFmpeg. Running that work
in a child process bounds the damage to the one job that asked for it: the child has an
address-space limit, the parent enforces a wall-clock limit, and a child that dies by a
signal becomes a clear ``MediaError`` instead of taking the caller down with it.

The child is a fresh interpreter (``python -m mediamill.sandbox``), not a fork: forking a
process that runs threads (a server, a worker) is unsafe, and unlike ``multiprocessing``'s
spawn it never re-imports the caller's ``__main__``. The work travels as a pickle on the
child's stdin; the child answers on a private pipe with any number of events (progress),
then exactly one result or one error. Errors derived from ``MediamillError`` arrive as
themselves; any other exception in the child becomes a ``TranscodeError``.
"""

from __future__ import annotations

import ctypes
import errno
import os
import pickle
import queue
import resource
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any, Protocol, TypeVar

from mediamill.errors import (
    CanceledError,
    MediaError,
    MediamillError,
    ResourceLimitError,
    TranscodeError,
)

T = TypeVar("T")


class CancelToken(Protocol):
    """Anything with ``is_set()``: ``threading.Event``, ``multiprocessing.Event``..."""

    def is_set(self) -> bool: ...


Emit = Callable[[Any], None]


@dataclass(frozen=True)
class Limits:
    memory_mb: int  # address-space limit of the child
    timeout: float  # wall-clock seconds before the child is killed
    file_mb: int = 0  # largest file the child may write; 0 = no limit


_FILE_TOO_LARGE = "an output grew past the file size limit (MEDIAMILL_OUTPUT_MAX_MB)"


def file_limit_error(exc: BaseException) -> ResourceLimitError | None:
    """The limit error when ``exc`` is a write refused by the child's file-size limit.

    Python ignores SIGXFSZ, so a write past RLIMIT_FSIZE fails with EFBIG instead; FFmpeg
    reports the same errno.
    """
    if getattr(exc, "errno", None) == errno.EFBIG:
        return ResourceLimitError(_FILE_TOO_LARGE)
    return None


#: The environment variables a child inherits.
_CHILD_ENV = frozenset({"PATH", "PYTHONPATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "HOME"})

#: How long a canceled child gets to stop by itself before it is killed.
CANCEL_GRACE_SECONDS = 5.0
#: The child's signal to stop at the next frame.
CANCEL_SIGNAL = signal.SIGUSR1


def run_isolated(
    func: Callable[..., T],
    *args: Any,
    limits: Limits,
    on_event: Emit | None = None,
    cancel: CancelToken | None = None,
    what: str = "decoding",
) -> T:
    """Call ``func(*args, emit=..., cancel=...)`` in a child process and return its result.

    ``func`` must be importable by name. It receives ``emit`` to send events to
    ``on_event`` and ``cancel``, a token it should check between units of work.
    """
    answer_read, answer_write = os.pipe()
    # The child gets no secrets: none of mediamill's settings (database URL, S3 keys, the
    # secret key), only what an interpreter and FFmpeg need to start.
    env = {name: value for name, value in os.environ.items() if name in _CHILD_ENV}
    env["MEDIAMILL_SANDBOX_FD"] = str(answer_write)
    try:
        child = subprocess.Popen(
            [sys.executable, "-m", "mediamill.sandbox"],
            stdin=subprocess.PIPE,
            pass_fds=(answer_write,),
            env=env,
        )
    finally:
        os.close(answer_write)
    messages: queue.Queue[tuple[str, Any]] = queue.Queue()
    reader = threading.Thread(
        target=_read_answers, args=(os.fdopen(answer_read, "rb"), messages), daemon=True
    )
    reader.start()
    try:
        assert child.stdin is not None
        try:
            # sys.path first: the work may live in a module only the parent can find.
            child.stdin.write(pickle.dumps(sys.path))
            child.stdin.write(pickle.dumps((func, args, limits.memory_mb, limits.file_mb)))
            child.stdin.close()
        except BrokenPipeError:
            pass  # the child died at start; reported below
        result: T = _supervise(child, messages, limits, on_event, cancel, what)
        return result
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()
        reader.join(5)


def _supervise(
    child: subprocess.Popen[bytes],
    messages: queue.Queue[tuple[str, Any]],
    limits: Limits,
    on_event: Emit | None,
    cancel: CancelToken | None,
    what: str,
) -> Any:
    deadline = time.monotonic() + limits.timeout
    kill_at: float | None = None
    while True:
        if cancel is not None and cancel.is_set() and kill_at is None:
            if child.poll() is None:
                child.send_signal(CANCEL_SIGNAL)
            kill_at = time.monotonic() + CANCEL_GRACE_SECONDS
        now = time.monotonic()
        if kill_at is not None and now > kill_at:
            raise CanceledError(f"{what} canceled")
        if now > deadline:
            raise ResourceLimitError(f"{what} took longer than the limit of {limits.timeout:g} s")
        try:
            kind, payload = messages.get(timeout=0.05)
        except queue.Empty:
            continue
        if kind == "event":
            if on_event is not None:
                on_event(payload)
        elif kind == "result":
            return payload
        elif kind == "error":
            raise payload
        else:  # "eof": the child closed its pipe without an answer
            child.wait()
            raise _death_error(child.returncode, what)


def _read_answers(stream: IO[bytes], messages: queue.Queue[tuple[str, Any]]) -> None:
    with stream:
        while True:
            try:
                messages.put(pickle.load(stream))
            except Exception:  # EOF, or anything that is not a well-formed answer
                messages.put(("eof", None))
                return


def _death_error(returncode: int | None, what: str) -> MediamillError:
    if returncode is not None and returncode < 0:
        try:
            signame = signal.Signals(-returncode).name
        except ValueError:
            signame = f"signal {-returncode}"
        if -returncode == signal.SIGXFSZ:
            return ResourceLimitError(_FILE_TOO_LARGE)
        if -returncode in (signal.SIGKILL, signal.SIGXCPU):
            return ResourceLimitError(f"{what} was stopped by {signame} (out of resources?)")
        return MediaError(f"{what} crashed with {signame}; the input is probably malformed")
    return TranscodeError(f"{what} process exited unexpectedly with status {returncode}")


def _die_with_parent() -> None:
    """Ask Linux to kill this child if its parent dies (a worker killed with -9)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return  # not Linux: the parent's wall-clock limit still bounds the child
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(1)


_PR_SET_PDEATHSIG = 1


def _child_main() -> None:
    _die_with_parent()
    answers = os.fdopen(int(os.environ.pop("MEDIAMILL_SANDBOX_FD")), "wb")
    # Anything the work prints goes to stderr, never into the answer pipe.
    os.dup2(2, 1)
    cancel = threading.Event()
    signal.signal(CANCEL_SIGNAL, lambda *_: cancel.set())
    # The work here is threads that spend most of their time in FFmpeg without the GIL and
    # need it back briefly between frames; a shorter switch interval keeps an encoder from
    # waiting up to 5 ms behind another thread's Python code (a few % faster multi-output runs).
    sys.setswitchinterval(0.0005)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    def send(kind: str, payload: Any) -> None:
        pickle.dump((kind, payload), answers)
        answers.flush()

    try:
        sys.path[:] = pickle.load(sys.stdin.buffer)
        func, args, memory_mb, file_mb = pickle.load(sys.stdin.buffer)
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        if file_mb:
            size = file_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
        try:
            result = func(*args, emit=lambda event: send("event", event), cancel=cancel)
        except MemoryError:
            raise ResourceLimitError(
                f"decoding needed more than {memory_mb} MiB of memory"
            ) from None
    except MediamillError as exc:
        send("error", exc)
    except BaseException as exc:
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        send(
            "error", file_limit_error(exc) or TranscodeError(f"internal error: {detail}", code=9999)
        )
    else:
        send("result", result)
    answers.close()
    # Skip interpreter teardown: FFmpeg threads may still hold resources we no longer need.
    os._exit(0)


if __name__ == "__main__":
    _child_main()
