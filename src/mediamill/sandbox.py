"""Run untrusted work in a child process with memory and time limits.

Decoding a hostile file can exhaust memory, spin forever or crash FFmpeg. Running that work
in a child process bounds the damage to the one job that asked for it: the child has an
address-space limit, the parent enforces a wall-clock limit, and a child that dies by a
signal becomes a clear ``MediaError`` instead of taking the caller down with it.

The child reports back through a pipe: any number of events (progress, say), then exactly
one result or one error. Errors derived from ``MediamillError`` arrive as themselves; any
other exception in the child becomes a ``TranscodeError`` carrying its type and message.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import resource
import signal
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from mediamill.errors import CanceledError, MediaError, MediamillError, ResourceLimitError
from mediamill.errors import TranscodeError

T = TypeVar("T")


class CancelToken(Protocol):
    """Anything with ``is_set()``: ``threading.Event``, ``multiprocessing.Event``..."""

    def is_set(self) -> bool: ...


Emit = Callable[[Any], None]


@dataclass(frozen=True)
class Limits:
    memory_mb: int  # address-space limit of the child
    timeout: float  # wall-clock seconds before the child is killed


#: How long a canceled child gets to stop by itself before it is killed.
CANCEL_GRACE_SECONDS = 5.0

_context = multiprocessing.get_context("spawn")


def run_isolated(
    func: Callable[..., T],
    *args: Any,
    limits: Limits,
    on_event: Emit | None = None,
    cancel: CancelToken | None = None,
    what: str = "decoding",
) -> T:
    """Call ``func(*args, emit=..., cancel=...)`` in a child process and return its result.

    ``func`` must be importable by name (the child is spawned, not forked, so a parent with
    threads is safe). It receives ``emit`` to send events to ``on_event`` and ``cancel``, a
    token it should check between units of work.
    """
    receiver, sender = _context.Pipe(duplex=False)
    child_cancel = _context.Event()
    process = _context.Process(
        target=_child_main,
        args=(sender, func, args, limits.memory_mb, child_cancel),
        name=f"mediamill-{what}",
        daemon=True,
    )
    process.start()
    sender.close()
    deadline = time.monotonic() + limits.timeout
    kill_at: float | None = None
    try:
        while True:
            if cancel is not None and cancel.is_set() and kill_at is None:
                child_cancel.set()
                kill_at = time.monotonic() + CANCEL_GRACE_SECONDS
            now = time.monotonic()
            if kill_at is not None and now > kill_at:
                raise CanceledError(f"{what} canceled")
            if now > deadline:
                raise ResourceLimitError(
                    f"{what} took longer than the limit of {limits.timeout:g} s", code=4000
                )
            if receiver.poll(0.05):
                try:
                    kind, payload = receiver.recv()
                except EOFError:
                    break
                if kind == "event":
                    if on_event is not None:
                        on_event(payload)
                elif kind == "result":
                    result: T = payload
                    return result
                else:
                    raise payload
            elif not process.is_alive():
                # Drain anything sent just before the child exited.
                if receiver.poll(0):
                    continue
                break
        process.join(5)
        raise _death_error(process.exitcode, what, limits)
    finally:
        if process.is_alive():
            process.kill()
        process.join(5)
        receiver.close()


def _death_error(exitcode: int | None, what: str, limits: Limits) -> MediamillError:
    if exitcode is not None and exitcode < 0:
        signame = signal.Signals(-exitcode).name
        if -exitcode in (signal.SIGKILL, signal.SIGXCPU):
            return ResourceLimitError(f"{what} was stopped by {signame} (out of resources?)")
        return MediaError(f"{what} crashed with {signame}; the input is probably malformed")
    return TranscodeError(f"{what} process exited unexpectedly with status {exitcode}")


def _child_main(
    sender: multiprocessing.connection.Connection,
    func: Callable[..., Any],
    args: tuple[Any, ...],
    memory_mb: int,
    cancel: CancelToken,
) -> None:
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    def emit(event: Any) -> None:
        sender.send(("event", event))

    try:
        result = func(*args, emit=emit, cancel=cancel)
    except MediamillError as exc:
        sender.send(("error", exc))
    except MemoryError:
        sender.send(
            ("error", ResourceLimitError(f"decoding needed more than {memory_mb} MiB of memory"))
        )
    except BaseException as exc:
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        sender.send(("error", TranscodeError(f"internal error: {detail}", code=9999)))
    else:
        sender.send(("result", result))
    finally:
        sender.close()
    # Skip interpreter teardown: FFmpeg threads may still hold resources we no longer need.
    os._exit(0)
