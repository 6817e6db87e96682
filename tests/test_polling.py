"""The polling pool that embedded job workers and notification delivery share."""

from __future__ import annotations

import threading
import time

import pytest

from mediamill.polling import Chore, PollingPool, PollingThread, new_worker_id


def wait_until(condition: object, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.01)
    raise AssertionError("timed out")


def test_wake_starts_work_at_once_and_polling_finds_the_rest() -> None:
    queue: list[str] = []
    done: list[tuple[int, str, str]] = []
    lock = threading.Lock()

    def work(thread: PollingThread) -> bool:
        with lock:
            if not queue:
                return False
            done.append((thread.index, thread.worker_id, queue.pop(0)))
        return True

    pool = PollingPool("test", 2, work, poll_seconds=30.0)  # polling alone would take 30 s
    pool.start()
    try:
        time.sleep(0.1)  # both threads asleep
        started = time.monotonic()
        with lock:
            queue.extend(["a", "b", "c"])
        pool.wake()
        wait_until(lambda: len(done) == 3)
        assert time.monotonic() - started < 1.0, "woken, not polled"
        assert sorted(item for _, _, item in done) == ["a", "b", "c"]
        ids = {(index, worker_id) for index, worker_id, _ in done}
        assert len({worker_id for _, worker_id in ids}) == len({index for index, _ in ids})
    finally:
        pool.stop(5)


def test_an_unexpected_error_is_logged_and_the_thread_goes_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls: list[int] = []

    def work(thread: PollingThread) -> bool:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database went away")
        return False

    pool = PollingPool("test", 1, work, poll_seconds=0.05, error_pause=0.1)
    pool.start()
    try:
        wait_until(lambda: len(calls) >= 3)
    finally:
        pool.stop(5)
    assert "test: unexpected error; continuing" in caplog.text
    assert "database went away" in caplog.text


def test_chores_run_on_one_thread_and_stop_ends_every_thread() -> None:
    chores: list[str] = []
    in_work = threading.Event()

    def work(thread: PollingThread) -> bool:
        in_work.set()
        thread.stopping.wait(10)  # a long step that gives up when the pool stops
        return False

    pool = PollingPool(
        "test",
        3,
        work,
        poll_seconds=0.05,
        chores=(Chore(60.0, lambda: chores.append(threading.current_thread().name)),),
    )
    pool.start()
    in_work.wait(5)
    started = time.monotonic()
    pool.stop(5)
    assert time.monotonic() - started < 2.0
    assert not any(
        t.is_alive() for t in threading.enumerate() if t.name.startswith("mediamill-test")
    )
    assert chores == ["mediamill-test-0"], "once at start, by thread 0 only"


def test_worker_ids_are_unique() -> None:
    assert len({new_worker_id() for _ in range(100)}) == 100
    with pytest.raises(ValueError, match="at least one"):
        PollingPool("test", 0, lambda thread: False, poll_seconds=1.0)
