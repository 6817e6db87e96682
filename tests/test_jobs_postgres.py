"""The database tests again, on a real PostgreSQL server.

Most of the suite runs on SQLite (tests/django_settings.py). The job service and the
notification outbox must also be right on PostgreSQL, where racing workers really run in
parallel, so this test runs the database test modules (``MODULES``) a second time in a child
pytest with MEDIAMILL_TEST_DATABASE_URL pointing at PostgreSQL. Without a server the test is
skipped, unless MEDIAMILL_REQUIRE_SERVICES=1 (CI), where that is a failure.

Server: MEDIAMILL_TEST_POSTGRES_URL, else postgres://postgres@127.0.0.1:5432/test, then the
same as user root. Django creates and drops its own test database on that server.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MODULES = [
    "tests/test_jobs_service.py",
    "tests/test_jobs_admin.py",
    "tests/test_site.py",
    "tests/test_accounts_signin.py",
    "tests/test_notifications_outbox.py",
]
CANDIDATES = [
    "postgres://postgres@127.0.0.1:5432/test",
    "postgres://root@127.0.0.1:5432/test",
]


def _reachable_server() -> tuple[str | None, str]:
    import psycopg

    configured = os.environ.get("MEDIAMILL_TEST_POSTGRES_URL")
    problems = []
    for url in [configured] if configured else CANDIDATES:
        try:
            with psycopg.connect(url, connect_timeout=3) as conn:
                conn.execute("SELECT 1")
        except psycopg.Error as exc:
            problems.append(f"{url}: {str(exc).strip()}")
        else:
            return url, ""
    return None, "; ".join(problems)


def test_database_tests_pass_on_postgresql() -> None:
    if os.environ.get("MEDIAMILL_TEST_DATABASE_URL"):
        pytest.skip("this run is already the PostgreSQL run")
    url, problem = _reachable_server()
    if url is None:
        message = f"PostgreSQL is not reachable ({problem})"
        if os.environ.get("MEDIAMILL_REQUIRE_SERVICES") == "1":
            pytest.fail(message + " and MEDIAMILL_REQUIRE_SERVICES=1")
        pytest.skip(message)
    env = dict(os.environ, MEDIAMILL_TEST_DATABASE_URL=url)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *MODULES],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=280,
    )
    summary = run.stdout.strip().splitlines()[-1:] or ["(no output)"]
    assert run.returncode == 0, (
        f"on {url}: {summary[0]}\n\n{run.stdout[-20000:]}\n{run.stderr[-5000:]}"
    )
    assert " passed" in summary[0], summary[0]
