"""Helpers for tests and benchmarks that start servers and mediamill processes of their own."""

from __future__ import annotations

import os
import socket
from pathlib import Path


def free_ports(count: int) -> list[int]:
    """``count`` distinct TCP ports that are free on 127.0.0.1 at the time of the call.

    All are held open together while they are chosen, so none is handed out twice.
    """
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def child_env(settings: dict[str, str]) -> dict[str, str]:
    """The environment for a mediamill child process: ours without any mediamill or Django
    setting (a developer's own must not leak in), plus ``settings``."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("MEDIAMILL_")
        and name not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")
    }
    env["PYTHONUNBUFFERED"] = "1"
    env.update(settings)
    return env


def tail(path: Path, chars: int = 3000) -> str:
    """The last ``chars`` characters of a log file, for an error message."""
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return "(no log)"
    return text[-chars:]
