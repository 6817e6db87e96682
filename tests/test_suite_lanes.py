"""The suite's lanes: markers follow what a test uses, not where its file lives (README,
"Developing"; tests/conftest.py; mediamill.testing.pytest_plugin)."""

from __future__ import annotations

import pytest
from django.db import connection
from tests import django_settings


@pytest.mark.django_db
def test_tests_marked_django_db_are_marked_db(request: pytest.FixtureRequest) -> None:
    assert request.node.get_closest_marker("db") is not None


def test_tests_using_the_db_fixture_are_marked_db(db: None, request: pytest.FixtureRequest) -> None:
    assert request.node.get_closest_marker("db") is not None


def test_other_tests_are_not_marked_db(request: pytest.FixtureRequest) -> None:
    assert request.node.get_closest_marker("db") is None


@pytest.mark.django_db
def test_database_tests_run_on_the_database_asked_for() -> None:
    """SQLite by default; with MEDIAMILL_TEST_DATABASE=postgresql, this run's own database."""
    if django_settings.TEST_DATABASE == "postgresql":
        assert connection.vendor == "postgresql"
        assert connection.settings_dict["NAME"].startswith("mediamill_tests_")
    else:
        assert connection.vendor == "sqlite"


@pytest.mark.slow  # a pytest in a subprocess
def test_server_fixtures_mark_their_tests_services(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.fixture
        def bucket(s3_server):
            return s3_server

        def test_direct(postgres_database): pass
        def test_through_another_fixture(bucket): pass
        def test_without(): pass
        """
    )
    result = pytester.runpytest_subprocess(
        "-p", "mediamill.testing.pytest_plugin", "-p", "no:django", "--collect-only", "-q",
        "-m", "services",
    )  # fmt: skip
    result.stdout.fnmatch_lines(
        ["*::test_direct", "*::test_through_another_fixture", "*2/3 tests collected*"]
    )
    assert "test_without" not in result.stdout.str()
