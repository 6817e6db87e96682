"""Shared fixtures and the suite's lanes.

Markers (registered in pyproject.toml; see README, "Developing"):

    services  needs a real server; applied by mediamill.testing.pytest_plugin (loaded for
              every run by pyproject.toml's addopts) to every test
              using one of its fixtures (s3_server, postgres_database, rabbitmq_vhost,
              redis_database), set by hand where a test starts its own
    slow      takes more than about a second, or starts mediamill processes; set by hand
    browser   drives Chromium
    db        uses the Django test database; applied here to every test that does

Markers follow fixtures or sit in the test file, never in lists of paths, so a test file
can move anywhere under tests/ and keep its lane. `make test-fast` runs
``-m "not slow and not services and not browser"``; `make test` runs everything on SQLite,
then ``-m db`` again on PostgreSQL (MEDIAMILL_TEST_DATABASE=postgresql).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connections
from tests import django_settings
from tests.cluster import (  # noqa: F401 -- fixtures: real clusters, started on first use
    cluster,
    cluster_media,
    cluster_root,
    embedded_cluster,
    long_clip,
    rabbitmq_cluster,
    redis_cluster,
    short_song,
    short_song_truncated,
)

from mediamill.testing import PostgresDatabase, write_audio, write_video
from mediamill.testing.pytest_plugin import started, unavailable

#: pytest-django's fixtures that give a test the database (``django_db`` is the marker's).
_DATABASE_FIXTURES = frozenset(
    {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback"}
)


def uses_database(item: pytest.Item) -> bool:
    fixtures = getattr(item, "fixturenames", ())
    return bool(item.get_closest_marker("django_db") or _DATABASE_FIXTURES.intersection(fixtures))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if uses_database(item):
            item.add_marker(pytest.mark.db)
        if django_settings.POSTGRESQL_UNAVAILABLE:
            item.add_marker(pytest.mark.usefixtures("_postgresql_unavailable"))


@pytest.fixture
def _postgresql_unavailable() -> None:
    """Asked for PostgreSQL, which cannot be used: skip, or fail where services are required."""
    unavailable(f"MEDIAMILL_TEST_DATABASE=postgresql: {django_settings.POSTGRESQL_UNAVAILABLE}")


@pytest.fixture(scope="session")
def django_db_modify_db_settings() -> Iterator[None]:
    """On PostgreSQL, a fresh database for this run, made and dropped by its starter: two
    runs on one server never share or drop each other's. (SQLite: a file of the run's own.)"""
    if django_settings.TEST_DATABASE != "postgresql":
        yield
        return
    with started(PostgresDatabase("tests")) as database:
        connections["default"].settings_dict["TEST"]["NAME"] = database.name
        yield


@pytest.fixture(scope="session")
def django_db_keepdb(request: pytest.FixtureRequest) -> bool:
    """On PostgreSQL the starter owns the database: Django migrates it and leaves it be."""
    if django_settings.TEST_DATABASE == "postgresql":
        return True
    reuse: bool = request.config.getvalue("reuse_db")
    return reuse


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def song_mp3(media_dir: Path) -> Path:
    """The tutorial's input: 20 s of stereo 44.1 kHz MP3."""
    return write_audio(media_dir / "song.mp3", 20.0, sample_rate=44100, channels=2)


@pytest.fixture(scope="session")
def clip_720p(media_dir: Path) -> Path:
    """A short 720p H.264/AAC clip at 30 fps."""
    return write_video(media_dir / "clip.mp4", 3.0, width=1280, height=720, frame_rate=30)


@pytest.fixture(scope="session")
def truncated_mp3(media_dir: Path, song_mp3: Path) -> Path:
    data = song_mp3.read_bytes()
    path = media_dir / "truncated.mp3"
    path.write_bytes(data[: len(data) // 2])
    return path


@pytest.fixture(scope="session")
def text_mp3(media_dir: Path) -> Path:
    path = media_dir / "notes.mp3"
    path.write_text("These are my notes, not a song.\n" * 40)
    return path


@pytest.fixture(scope="session")
def empty_mp3(media_dir: Path) -> Path:
    path = media_dir / "empty.mp3"
    path.write_bytes(b"")
    return path
