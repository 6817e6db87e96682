"""The HTTP server against clients that misbehave: real sockets, a real `mediamill serve`.

What is measured here is printed (run with ``-s`` to see it); the bounds asserted are
generous, because the test machines are shared and noisy. docs/security.md has the figures
from a quiet machine and the command that reproduces them.
"""

from __future__ import annotations

import contextlib
import json
import resource
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest
from tests.serve_process import Answer, Server, read_answer, start_server, stop_server

from mediamill import httpserver

#: Each test starts a real `mediamill serve`.
pytestmark = pytest.mark.slow

BODY_LIMIT_KB = 64
HEADER_TIMEOUT = 3
IDLE = 500
SLOW = 500


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(
        tmp_path_factory.mktemp("http"),
        # A common default soft limit: too few descriptors for 1,000 connections unless the
        # server raises it.
        file_limit=1024,
        MEDIAMILL_MAX_REQUEST_BODY_KB=str(BODY_LIMIT_KB),
        MEDIAMILL_HTTP_HEADER_TIMEOUT=str(HEADER_TIMEOUT),
    )
    yield running
    stop_server(running)


def get(server: Server, path: str) -> Answer:
    with server.connect() as sock:
        request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        sock.sendall(request.encode())
        return read_answer(sock)


def timed_healthz(server: Server) -> float:
    started = time.monotonic()
    answer = get(server, "/healthz")
    elapsed = time.monotonic() - started
    assert answer.status == 200, answer
    return elapsed


def test_healthz_answers_while_a_thousand_idle_and_slow_connections_are_open(
    server: Server,
) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 2 * (IDLE + SLOW):  # this test process holds the client ends
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
    idle: list[socket.socket] = []
    slow: list[socket.socket] = []
    stop = threading.Event()

    def drip() -> None:
        # Slowloris: every connection sends one more header byte every half second, so it is
        # never silent long enough for an idle timeout, and never finishes its headers.
        while not stop.wait(0.5):
            for sock in slow:
                with contextlib.suppress(OSError):
                    sock.send(b"x")

    dripper = threading.Thread(target=drip, daemon=True)
    try:
        for _ in range(IDLE):
            idle.append(server.connect())
        for _ in range(SLOW):
            sock = server.connect()
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            slow.append(sock)
        dripper.start()
        time.sleep(1.0)  # let the server accept them all
        times = [timed_healthz(server) for _ in range(20)]
        median, worst = statistics.median(times), max(times)
        print(
            f"\n/healthz with {IDLE} idle + {SLOW} slow connections open: "
            f"median {median * 1000:.1f} ms, max {worst * 1000:.1f} ms"
        )
        assert worst < 2.0, f"/healthz took {worst:.2f} s"
        # Each connection is held by the server, not left waiting in the listen queue: an
        # idle one still gets an answer when it finally asks.
        idle[0].sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        assert read_answer(idle[0]).status == 200
    finally:
        stop.set()
        if dripper.is_alive():
            dripper.join()
        for sock in idle + slow:
            sock.close()


def test_headers_sent_too_slowly_are_cut_off(server: Server) -> None:
    with server.connect() as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        started = time.monotonic()
        closed_after = None
        while time.monotonic() - started < HEADER_TIMEOUT + 10:
            try:
                sock.send(b"X-Slow: y\r\n")
            except OSError:
                closed_after = time.monotonic() - started
                break
            sock.settimeout(0.5)
            try:
                if sock.recv(1024) == b"":
                    closed_after = time.monotonic() - started
                    break
            except TimeoutError:
                pass
    print(f"\nslow headers cut off after {closed_after} s (limit {HEADER_TIMEOUT} s)")
    assert closed_after is not None, "the server kept a slowloris connection open"
    assert closed_after >= HEADER_TIMEOUT - 0.5


def test_an_api_body_over_the_limit_is_refused_before_it_is_sent(server: Server) -> None:
    with server.connect() as sock:
        sock.sendall(
            b"POST /2012-09-25/pipelines HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nContent-Length: 1073741824\r\n\r\n"
        )
        answer = read_answer(sock)  # not one byte of the body sent
    assert answer.status == 413
    assert answer.headers["x-amzn-errortype"] == "ValidationException"
    assert answer.headers["content-type"] == "application/json"
    message = json.loads(answer.body)["message"]
    assert f"larger than the limit of {BODY_LIMIT_KB * 1024} bytes" in message


def test_expect_continue_gets_413_instead_of_100(server: Server) -> None:
    with server.connect() as sock:
        sock.sendall(
            b"PUT /2012-09-25/pipelines/1111111111111-abcde1 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Expect: 100-continue\r\nContent-Length: 10000000\r\n\r\n"
        )
        assert read_answer(sock).status == 413


def test_a_chunked_body_is_cut_off_at_the_limit(server: Server) -> None:
    """The answer is read while the body is still being sent, as a careful client would:
    the server answers 413 once the limit is passed and stops reading."""
    chunk = b"1000\r\n" + b"a" * 4096 + b"\r\n"
    most = 4096 * BODY_LIMIT_KB * 1024  # far more than the kernel's buffers hold
    sent = 0
    answers: list[Answer] = []
    with server.connect(timeout=30) as sock:
        sock.sendall(
            b"POST /2012-09-25/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        reader = threading.Thread(target=lambda: answers.append(read_answer(sock)), daemon=True)
        reader.start()
        with contextlib.suppress(OSError):  # the server answered and closed: expected
            while sent < most and not answers:
                sock.sendall(chunk)
                sent += 4096
        reader.join(30)
    print(f"\nchunked body: {sent} bytes sent when the server cut it off")
    assert sent < most, "the server went on reading past its limit"
    assert answers, "no answer"
    assert answers[0].status == 413
    assert answers[0].headers["x-amzn-errortype"] == "ValidationException"


def test_bodies_elsewhere_get_a_plain_413(server: Server) -> None:
    with server.connect() as sock:
        sock.sendall(
            b"POST /admin/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 999999999\r\n\r\n"
        )
        answer = read_answer(sock)
    assert answer.status == 413
    assert "x-amzn-errortype" not in answer.headers


def test_a_body_within_the_limit_reaches_the_api(server: Server) -> None:
    body = json.dumps({"Name": "x" * 1000}).encode()
    with server.connect() as sock:
        sock.sendall(
            b"POST /2012-09-25/pipelines HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        answer = read_answer(sock)
    # Unsigned: the API itself answered (authentication comes first), not the size limit.
    assert answer.status == 403
    assert answer.headers["x-amzn-errortype"] == "MissingAuthenticationTokenException"


def test_the_open_file_limit_is_raised_to_fit_or_the_connections_fitted_to_it() -> None:
    code = (
        "import resource; from mediamill import httpserver; "
        "print(httpserver._fit_connections(4000), resource.getrlimit(resource.RLIMIT_NOFILE)[0])"
    )

    def run(soft: int, hard: int) -> tuple[list[str], str]:
        def limit() -> None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))

        done = subprocess.run(
            [sys.executable, "-c", code], preexec_fn=limit, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.split(), done.stderr

    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard != resource.RLIM_INFINITY and hard < 4000 + httpserver.RESERVED_DESCRIPTORS:
        pytest.skip(f"the hard open-file limit here ({hard}) is below what the test needs")
    raised, _ = run(1024, hard)
    assert raised == ["4000", str(4000 + httpserver.RESERVED_DESCRIPTORS)]
    fitted, log = run(1024, 1024)
    assert fitted == [str(1024 - httpserver.RESERVED_DESCRIPTORS), "1024"]
    assert "raise the hard limit" in log


def test_only_signed_in_uploads_may_send_large_bodies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDIAMILL_MAX_REQUEST_BODY_KB", "1024")
    monkeypatch.setenv("MEDIAMILL_UPLOAD_CHUNK_MB", "64")
    session = "csrftoken=abc; sessionid=k3y"
    assert httpserver.body_limit("/uploads/0123abcd", session) == 64 * 1024 * 1024
    assert httpserver.body_limit("/uploads/0123abcd", "csrftoken=abc") == 1024 * 1024
    assert httpserver.body_limit("/uploads/0123abcd", "xsessionid=k3y") == 1024 * 1024
    assert httpserver.body_limit("/admin/login/", session) == 1024 * 1024
    assert httpserver.body_limit("/2012-09-25/jobs", session) == 1024 * 1024
