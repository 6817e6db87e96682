"""The sandboxed child: read one request, confine itself, do the work, answer in JSON lines."""

from __future__ import annotations

import ctypes
import math
import mmap
import os
import pickle
import resource
import signal
import sys
import threading
import traceback
from typing import IO, Any

from mediamill.errors import MediamillError, ResourceLimitError, TranscodeError
from mediamill.sandbox import (
    CANCEL_SIGNAL,
    Limits,
    confine,
    file_limit_error,
    memory_limit_error,
    wire,
)

_PR_SET_PDEATHSIG = 1
#: Seconds of CPU time between the soft limit (SIGXCPU, reported) and the hard one (SIGKILL).
_CPU_GRACE = 5

#: The answer pipe (module level so a test can play a hostile child).
_answers: IO[bytes] | None = None


def _die_with_parent() -> None:
    """Ask Linux to kill this child if its parent dies (a worker killed with -9)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return  # not Linux: the parent's wall-clock limit still bounds the child
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(1)


def _set_limits(limits: Limits) -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    size = limits.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (size, size))
    if limits.file_mb:
        size = limits.file_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    if limits.cpu_seconds:
        soft = math.ceil(limits.cpu_seconds)
        resource.setrlimit(resource.RLIMIT_CPU, (soft, soft + _CPU_GRACE))


def _memory_exhausted(limits: Limits) -> bool:
    """Whether this process ran into its address-space limit.

    Allocation failures inside FFmpeg surface as all kinds of errors ("Invalid data found",
    "Generic error in an external library"), so after any failure the child asks: did the
    address space come close to the limit, or can it not even map an eighth of it now?
    """
    limit = limits.memory_mb * 1024 * 1024
    try:
        with open("/proc/self/status") as status:
            peak = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmPeak"))
    except (OSError, StopIteration, ValueError):
        peak = 0
    if peak >= limit * 0.9:
        return True
    try:
        probe = mmap.mmap(-1, limit // 8)
    except (OSError, MemoryError, ValueError):
        return True
    probe.close()
    return False


def main() -> None:
    global _answers
    _die_with_parent()
    _answers = answers = os.fdopen(int(os.environ.pop("MEDIAMILL_SANDBOX_FD")), "wb")
    # Anything the work prints goes to stderr, never into the answer pipe.
    os.dup2(2, 1)
    cancel = threading.Event()
    signal.signal(CANCEL_SIGNAL, lambda *_: cancel.set())
    # The work here is threads that spend most of their time in FFmpeg without the GIL and
    # need it back briefly between frames; a shorter switch interval keeps an encoder from
    # waiting up to 5 ms behind another thread's Python code (a few % faster multi-output runs).
    sys.setswitchinterval(0.0005)

    def send(kind: str, payload: Any) -> None:
        answers.write(wire.dumps(kind, payload))
        answers.flush()

    limits: Limits | None = None
    what = "decoding"
    try:
        sys.path[:] = pickle.load(sys.stdin.buffer)
        # Unpickling imports the work's module (and FFmpeg) while files are still readable.
        func, args, limits, plan, what = pickle.load(sys.stdin.buffer)
        # Before any thread starts: a threaded process cannot enter a user namespace.
        send("confined", confine.apply(plan))
        # Changing user clears the parent-death signal (credentials(7)): ask again, or a child
        # running as another user would outlive a worker killed with -9.
        _die_with_parent()
        _set_limits(limits)
        try:
            result = func(*args, emit=lambda event: send("event", event), cancel=cancel)
        except MemoryError:
            raise memory_limit_error(limits, what) from None
    except ResourceLimitError as exc:
        send("error", exc)
    except MediamillError as exc:
        exhausted = limits is not None and _memory_exhausted(limits)
        send("error", memory_limit_error(limits, what) if limits and exhausted else exc)
    except BaseException as exc:
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        error = file_limit_error(exc) or (
            memory_limit_error(limits, what)
            if limits is not None and _memory_exhausted(limits)
            else TranscodeError(f"internal error: {detail}", code=9999)
        )
        send("error", error)
    else:
        send("result", result)
    answers.close()
    # Skip interpreter teardown: FFmpeg threads may still hold resources we no longer need.
    os._exit(0)


if __name__ == "__main__":
    main()
