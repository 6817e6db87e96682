"""Process probes for ``bench/service.py``, from /proc (Linux): RSS of a process and of its
children, sampled from a thread. The servers the benchmark needs come from
``mediamill.testing``'s starters, as in the tests."""

from __future__ import annotations

import contextlib
import os
import threading


def status_kib(pid: int | str, field: str) -> int | None:
    """A ``kB`` field of /proc/PID/status (VmRSS, VmHWM...); None once the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def children(pid: int) -> list[int]:
    """PIDs of the children of ``pid`` (any of its threads may have started them)."""
    found = []
    with contextlib.suppress(OSError):
        for task in os.scandir(f"/proc/{pid}/task"):
            with contextlib.suppress(OSError), open(f"{task.path}/children") as listing:
                found += [int(n) for n in listing.read().split()]
    return found


class RssSampler:
    """Samples the RSS of a process and of its children every ``interval`` seconds.

    Keeps the peaks: the process's own, the largest child's (each child's VmHWM, read while
    it lives, so a peak between two samples is not missed) and the largest sum of both seen
    in one sample (what the machine had to hold at once).
    """

    def __init__(self, pid: int | None = None, interval: float = 0.05) -> None:
        self.pid = os.getpid() if pid is None else pid
        self.interval = interval
        self.own_peak_kib = 0
        self.child_peak_kib = 0
        self.sum_peak_kib = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def __enter__(self) -> RssSampler:
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def _sample(self) -> None:
        own = status_kib(self.pid, "VmRSS") or 0
        children_now = 0
        for child in children(self.pid):
            rss = status_kib(child, "VmRSS") or 0
            hwm = status_kib(child, "VmHWM") or rss
            children_now += rss
            self.child_peak_kib = max(self.child_peak_kib, hwm)
        self.own_peak_kib = max(self.own_peak_kib, own)
        self.sum_peak_kib = max(self.sum_peak_kib, own + children_now)
        self.samples += 1
