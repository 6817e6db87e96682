"""Benchmark: does ``/healthz`` still answer fast while many idle and slow connections are open?

Starts a server on a free loopback port with a fresh data folder, opens IDLE connections that
send nothing and SLOW connections that drip one header byte per connection every half
second (slowloris), then times ``/healthz`` over new connections. Two servers can be compared:

    mediamill   ``mediamill serve``: waitress as configured by ``mediamill.httpserver``
    stock       waitress with its defaults (``waitress.serve(app)``), what ran before

    python -m bench.connections [--idle 500] [--slow 500] [--probes 50] [--server mediamill]

Results are recorded in docs/security.md. The target is ``/healthz`` within 100 ms with
1,000 connections open; a probe that gets no answer within 10 s counts as a failure.
"""

from __future__ import annotations

import argparse
import contextlib
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from mediamill.testing import child_env, free_ports, tail

STOCK = (
    "import sys, waitress; from mediamill.site import migrate; migrate(); "
    "from mediamill.site.wsgi import application; "
    "print('mediamill serving on', flush=True); "
    "waitress.serve(application, host='127.0.0.1', port=int(sys.argv[1]), threads=16)"
)


@contextlib.contextmanager
def server(kind: str) -> Iterator[int]:
    port = free_ports(1)[0]
    with tempfile.TemporaryDirectory(prefix="mediamill-bench-") as root:
        log = Path(root, "serve.log")
        if kind == "stock":
            args = [sys.executable, "-c", STOCK, str(port)]
        else:
            args = [sys.executable, "-m", "mediamill", "serve", "--port", str(port)]
        env = child_env({"MEDIAMILL_DATA_DIR": str(Path(root, "data"))})
        with open(log, "wb") as out:
            process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env)
        try:
            deadline = time.monotonic() + 60
            while "mediamill serving on" not in log.read_text(errors="replace"):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"the server did not start:\n{tail(log)}")
                time.sleep(0.1)
            yield port
        finally:
            process.terminate()
            process.wait(30)


def healthz(port: int) -> float | None:
    """Seconds to a 200 from ``/healthz`` on a new connection; None if none within 10 s."""
    started = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            answer = b""
            while chunk := sock.recv(4096):
                answer += chunk
    except OSError:
        return None
    return time.monotonic() - started if answer.startswith(b"HTTP/1.1 200") else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--idle", type=int, default=500)
    parser.add_argument("--slow", type=int, default=500)
    parser.add_argument("--probes", type=int, default=50)
    parser.add_argument("--server", choices=("mediamill", "stock"), default="mediamill")
    args = parser.parse_args()
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # this process holds the clients

    with server(args.server) as port:
        idle: list[socket.socket] = []
        slow: list[socket.socket] = []
        stop = threading.Event()

        def drip() -> None:
            while not stop.wait(0.5):
                for sock in slow:
                    with contextlib.suppress(OSError):
                        sock.send(b"x")

        dripper = threading.Thread(target=drip, daemon=True)
        try:
            with contextlib.suppress(OSError):  # refused: the server's queue is full
                for _ in range(args.idle):
                    idle.append(socket.create_connection(("127.0.0.1", port), timeout=10))
                for _ in range(args.slow):
                    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
                    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
                    slow.append(sock)
            dripper.start()
            time.sleep(1.0)
            times = [healthz(port) for _ in range(args.probes)]
        finally:
            stop.set()
            for sock in idle + slow:
                sock.close()
    answered = sorted(t for t in times if t is not None)
    print(f"server: {args.server}; open: {len(idle)} idle + {len(slow)} slow connections")
    print(f"/healthz probes: {len(times)}, answered: {len(answered)}")
    if answered:
        p95 = answered[min(len(answered) - 1, int(len(answered) * 0.95))]
        print(
            f"latency: median {statistics.median(answered) * 1000:.1f} ms, "
            f"p95 {p95 * 1000:.1f} ms, max {answered[-1] * 1000:.1f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
