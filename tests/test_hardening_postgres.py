"""Hostile request bodies, output claims and per-user limits again, on a real PostgreSQL.

PostgreSQL refuses NUL in text columns ("A string literal cannot contain NUL"), which made
CreatePipeline with a NUL in its name a 500 there while SQLite stored it; and on PostgreSQL
two jobs claiming one output key really run in parallel. This runs ``MODULES`` in a child
pytest against PostgreSQL (database ``quotas_test`` on the server; Django makes its own test
database beside it), as tests/test_jobs_postgres.py does for the database tests; skipped
without a server unless MEDIAMILL_REQUIRE_SERVICES=1. The S3 variants are left to the
SQLite run: the storage does not depend on the database.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MODULES = [
    "tests/api/test_api_hostile_bodies.py",
    "tests/test_jobs_publish.py",
    "tests/api/test_api_quotas.py",
]
SERVER = os.environ.get("MEDIAMILL_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test")
DATABASE = "quotas_test"


def _database_url() -> str:
    """``DATABASE`` on the PostgreSQL server, created if missing; skips if unreachable."""
    import psycopg

    try:
        with psycopg.connect(SERVER, connect_timeout=3, autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)
            ).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{DATABASE}"')
    except psycopg.Error as exc:
        message = f"PostgreSQL is not reachable at {SERVER}: {str(exc).strip()}"
        if os.environ.get("MEDIAMILL_REQUIRE_SERVICES") == "1":
            pytest.fail(message + " and MEDIAMILL_REQUIRE_SERVICES=1")
        pytest.skip(message)
    return SERVER.rsplit("/", 1)[0] + "/" + DATABASE


def test_bodies_claims_and_limits_on_postgresql() -> None:
    if os.environ.get("MEDIAMILL_TEST_DATABASE_URL"):
        pytest.skip("this run is already on another database")
    env = dict(os.environ, MEDIAMILL_TEST_DATABASE_URL=_database_url())
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", "not s3", *MODULES],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=280,
    )
    summary = run.stdout.strip().splitlines()[-1:] or ["(no output)"]
    assert run.returncode == 0, f"{summary[0]}\n\n{run.stdout[-20000:]}\n{run.stderr[-5000:]}"
    assert " passed" in summary[0] and "skipped" not in summary[0], summary[0]
