"""Run untrusted work in a confined child process with memory, CPU and time limits.

Decoding a hostile file can exhaust memory, spin forever or crash FFmpeg, and a decoder bug
could let the file run code. Running that work in a child process bounds the damage to the
one job that asked for it: the child has address-space, CPU-time and file-size limits, the
parent enforces a wall-clock limit, a child that dies by a signal becomes a clear
``MediaError``, and the child is cut off from the service's secrets and, where the machine
allows, from the network (``confine``).

The child is a fresh interpreter (``python -m mediamill.sandbox``), not a fork: forking a
process that runs threads (a server, a worker) is unsafe, and unlike ``multiprocessing``'s
spawn it never re-imports the caller's ``__main__``. The work travels as a pickle on the
child's stdin: that direction is safe, the parent trusts its own request. The child answers
on a private pipe in JSON lines (``wire``), never pickles: any number of events (progress),
then exactly one result or one error. Errors derived from ``MediamillError`` arrive as
themselves; any other exception in the child becomes a ``TranscodeError``; an answer that
does not follow the format ends the child.

Files: pass the descriptors the work needs in ``pass_fds`` (the child may not be able to
open the paths); ``fd_path`` names a descriptor as a path the child can open, and
``give_to_child`` makes a file the parent created writable by the child's user.
"""

from __future__ import annotations

import errno
import logging
import os
import pickle
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any, Protocol, TypeVar

from mediamill.errors import (
    CanceledError,
    MediaError,
    MediamillError,
    ResourceLimitError,
    TranscodeError,
)
from mediamill.sandbox import confine, wire

T = TypeVar("T")
log = logging.getLogger(__name__)


class CancelToken(Protocol):
    """Anything with ``is_set()``: ``threading.Event``, ``multiprocessing.Event``..."""

    def is_set(self) -> bool: ...


Emit = Callable[[Any], None]


@dataclass(frozen=True)
class Limits:
    memory_mb: int  # address-space limit of the child
    timeout: float  # wall-clock seconds before the child is killed
    file_mb: int = 0  # largest file the child may write; 0 = no limit
    cpu_seconds: float = 0  # CPU time of all the child's threads together; 0 = no limit
    # The settings behind each limit, named in the errors.
    memory_setting: str = "MEDIAMILL_DECODE_MEMORY_MB"
    timeout_setting: str = "MEDIAMILL_TRANSCODE_TIMEOUT"
    cpu_setting: str = "MEDIAMILL_TRANSCODE_CPU_SECONDS"


_FILE_TOO_LARGE = "an output grew past the file size limit (MEDIAMILL_OUTPUT_MAX_MB)"


def file_limit_error(exc: BaseException) -> ResourceLimitError | None:
    """The limit error when ``exc`` is a write refused by the child's file-size limit.

    Python ignores SIGXFSZ, so a write past RLIMIT_FSIZE fails with EFBIG instead; FFmpeg
    reports the same errno.
    """
    if getattr(exc, "errno", None) == errno.EFBIG:
        return ResourceLimitError(_FILE_TOO_LARGE)
    return None


def memory_limit_error(limits: Limits, what: str) -> ResourceLimitError:
    return ResourceLimitError(
        f"{what} hit the memory limit of {limits.memory_mb} MiB ({limits.memory_setting})"
    )


def fd_path(fd: int) -> str:
    """A path that opens the file behind the child's descriptor ``fd`` (Linux)."""
    return f"/proc/self/fd/{fd}"


def give_to_child(fd: int) -> None:
    """Make the file behind ``fd`` (created by the parent) the child's user's, if it has one."""
    plan = confine.plan()
    if plan.uid is not None and plan.gid is not None:
        os.fchown(fd, plan.uid, plan.gid)


def take_back(fd: int) -> None:
    """Undo ``give_to_child``: the file is this process's user's again."""
    if confine.plan().uid is not None:
        os.fchown(fd, os.geteuid(), os.getegid())


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
    result_types: Sequence[type] = (),
    pass_fds: Sequence[int] = (),
) -> T:
    """Call ``func(*args, emit=..., cancel=...)`` in a child process and return its result.

    ``func`` must be importable by name. It receives ``emit`` to send events to
    ``on_event`` and ``cancel``, a token it should check between units of work. Its result,
    events and errors must be JSON values, tuples, fractions, ``MediamillError``s or
    instances of the dataclasses in ``result_types``.
    """
    plan = confine.plan()
    confine.protect_parent()
    answer_read, answer_write = os.pipe()
    # The child gets no secrets: none of mediamill's settings (database URL, S3 keys, the
    # secret key), only what an interpreter and FFmpeg need to start.
    env = {name: value for name, value in os.environ.items() if name in _CHILD_ENV}
    env["MEDIAMILL_SANDBOX_FD"] = str(answer_write)
    try:
        child = subprocess.Popen(
            [sys.executable, "-m", "mediamill.sandbox"],
            stdin=subprocess.PIPE,
            pass_fds=(answer_write, *pass_fds),
            env=env,
            cwd="/",
        )
    finally:
        os.close(answer_write)
    messages: queue.Queue[tuple[str, Any]] = queue.Queue()
    types = {cls.__name__: cls for cls in result_types}
    reader = threading.Thread(
        target=_read_answers,
        args=(os.fdopen(answer_read, "rb"), messages, types),
        daemon=True,
    )
    reader.start()
    try:
        assert child.stdin is not None
        try:
            # sys.path first: the work may live in a module only the parent can find.
            # Absolute: the child runs in / ('' in sys.path means the current folder).
            child.stdin.write(pickle.dumps([os.path.abspath(entry) for entry in sys.path]))
            child.stdin.write(pickle.dumps((func, args, limits, plan, what)))
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
            raise ResourceLimitError(
                f"{what} took longer than the limit of {limits.timeout:g} s "
                f"({limits.timeout_setting})"
            )
        try:
            kind, payload = messages.get(timeout=0.05)
        except queue.Empty:
            continue
        if kind == "event":
            if on_event is not None:
                on_event(payload)
        elif kind == "confined":
            confine.report(str(payload))
        elif kind == "result":
            return payload
        elif kind == "error":
            raise payload
        elif kind == "invalid":
            child.kill()
            raise TranscodeError(f"{what} process sent a malformed answer ({payload}); stopped it")
        else:  # "eof": the child closed its pipe without an answer
            child.wait()
            if kill_at is not None and child.returncode == -CANCEL_SIGNAL:
                # Asked to stop before it had set up its handler: the signal's default action
                # ended it. That is the cancel it was asked for, not a crash.
                raise CanceledError(f"{what} canceled")
            raise _death_error(child.returncode, limits, what)


def _read_answers(
    stream: IO[bytes], messages: queue.Queue[tuple[str, Any]], types: Mapping[str, type]
) -> None:
    with stream:
        while True:
            line = stream.readline(wire.MAX_LINE + 1)
            if not line:
                messages.put(("eof", None))
                return
            try:
                messages.put(wire.loads(line, types))
            except wire.WireError as exc:
                messages.put(("invalid", str(exc)))
                return
            except Exception as exc:  # nesting too deep, a value its class refuses...
                messages.put(("invalid", type(exc).__name__))
                return


def _death_error(returncode: int | None, limits: Limits, what: str) -> MediamillError:
    if returncode is not None and returncode < 0:
        try:
            signame = signal.Signals(-returncode).name
        except ValueError:
            signame = f"signal {-returncode}"
        if -returncode == signal.SIGXFSZ:
            return ResourceLimitError(_FILE_TOO_LARGE)
        if -returncode == signal.SIGXCPU:  # the soft RLIMIT_CPU was reached
            return ResourceLimitError(
                f"{what} used more than its CPU-time limit of {limits.cpu_seconds:g} s "
                f"({limits.cpu_setting})"
            )
        if -returncode == signal.SIGKILL:
            return ResourceLimitError(f"{what} was stopped by {signame} (out of resources?)")
        return MediaError(f"{what} crashed with {signame}; the input is probably malformed")
    return TranscodeError(f"{what} process exited unexpectedly with status {returncode}")
