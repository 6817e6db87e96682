"""A RabbitMQ virtual host of one run's own, on the local server, deleted afterwards.

    with RabbitMQVhost("cluster") as vhost:
        os.environ["MEDIAMILL_BROKER_URL"] = vhost.url

Other runs use the same server at the same time; sharing a virtual host would let their
workers take our jobs (and purge theirs). The virtual host is made with ``rabbitmqctl``,
so the run needs the rights to use it (root, or the Erlang cookie). The server is
``MEDIAMILL_TEST_RABBITMQ_URL`` (no virtual host in it), else the local one with guest/guest.
Checking the server needs kombu (``pip install 'mediamill[celery]'``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from types import TracebackType
from typing import Any
from urllib.parse import quote, urlsplit

from mediamill.testing.services import RABBITMQ_URL_VARIABLE, ServiceUnavailable, run_name

DEFAULT_URL = "amqp://guest:guest@127.0.0.1:5672"
CONNECT_TIMEOUT = 3
RABBITMQCTL_TIMEOUT = 60


def server_url() -> str:
    """The server's URL, without virtual host."""
    return os.environ.get(RABBITMQ_URL_VARIABLE, DEFAULT_URL).rstrip("/")


def server_version() -> str:
    """The version the server announces; ``ServiceUnavailable`` when it cannot be reached."""
    try:
        import kombu
    except ImportError as exc:
        raise ServiceUnavailable("kombu is not installed: pip install 'mediamill[celery]'") from exc
    url = server_url()
    try:
        with kombu.Connection(url + "//", connect_timeout=CONNECT_TIMEOUT) as conn:  # type: ignore[attr-defined, no-untyped-call]
            conn.connect()
            properties: dict[str, Any] = conn.connection.server_properties
    except Exception as exc:  # kombu raises the transport's own errors, of many kinds
        raise ServiceUnavailable(f"RabbitMQ is not reachable at {url} ({exc})") from None
    version = properties.get("version", "?")
    return version.decode() if isinstance(version, bytes) else str(version)


def rabbitmqctl(*args: str) -> None:
    """Run ``rabbitmqctl ARGS``; ``ServiceUnavailable`` with its output when it fails."""
    program = shutil.which("rabbitmqctl") or shutil.which("rabbitmqctl", path="/usr/sbin:/sbin")
    if program is None:
        raise ServiceUnavailable("rabbitmqctl is not installed: it makes each run's virtual host")
    try:
        run = subprocess.run(
            [program, *args], capture_output=True, text=True, timeout=RABBITMQCTL_TIMEOUT
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ServiceUnavailable(f"rabbitmqctl {' '.join(args)}: {exc}") from exc
    if run.returncode != 0:
        output = (run.stderr or run.stdout).strip()[-500:]
        raise ServiceUnavailable(f"rabbitmqctl {' '.join(args)} failed: {output}")


class RabbitMQVhost:
    """The virtual host ``mediamill_LABEL_PID_RANDOM`` for the time of a ``with`` block.

    ``url`` is the broker URL for it, with the server's user (given every permission there).
    """

    def __init__(self, label: str = "test") -> None:
        self.name = run_name(label)
        self.server_version = ""
        self._created = False

    @property
    def url(self) -> str:
        if not self._created:
            raise ServiceUnavailable("the virtual host does not exist yet: call start() first")
        return f"{server_url()}/{quote(self.name, safe='')}"

    def start(self) -> RabbitMQVhost:
        self.server_version = server_version()
        user = urlsplit(server_url()).username or "guest"
        rabbitmqctl("add_vhost", self.name)
        self._created = True
        try:
            rabbitmqctl("set_permissions", "-p", self.name, user, ".*", ".*", ".*")
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Delete the virtual host and everything in it; safe to call twice."""
        if self._created:
            self._created = False
            rabbitmqctl("delete_vhost", self.name)

    def __enter__(self) -> RabbitMQVhost:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
