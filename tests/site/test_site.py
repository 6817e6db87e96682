"""The Django project: settings from mediamill's settings, /healthz, setup() and entry points."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.test import Client

from mediamill.errors import ConfigurationError
from mediamill.site.database import database_config
from mediamill.site.secret import secret_key


@pytest.mark.django_db
def test_healthz_reports_ok_without_touching_the_database(
    client: Client, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db(transaction=True)
def test_readyz_reports_a_writable_database(client: Client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "writable",
        "broker": "not used",
        "buckets": "writable",
        "disk": "ok",
    }
    assert "no-cache" in response["Cache-Control"]


class _DownConnection:
    def cursor(self) -> Any:
        raise OperationalError("connection refused")


def test_readyz_reports_a_database_that_is_down(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("django.db.connection", _DownConnection())
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unreachable"}


@pytest.fixture
def read_only_database() -> Iterator[None]:
    """The test database made read-only by SQLite or PostgreSQL themselves (running as root,
    file permissions would not stop the writes)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA query_only = ON")
        else:
            cursor.execute("SET default_transaction_read_only = on")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("PRAGMA query_only = OFF")
            else:
                cursor.execute("SET default_transaction_read_only = off")


@pytest.mark.django_db(transaction=True)
def test_readyz_reports_a_database_that_cannot_be_written(
    client: Client, read_only_database: None
) -> None:
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "not writable"}
    assert client.get("/healthz").status_code == 200, "liveness does not depend on it"


def test_probes_take_no_posts(client: Client) -> None:
    assert client.post("/healthz").status_code == 405
    assert client.post("/readyz").status_code == 405


@pytest.mark.django_db
def test_migrations_match_the_models() -> None:
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)


# --- DATABASE_URL ---------------------------------------------------------------------------


def test_empty_url_is_sqlite_in_the_data_dir(tmp_path: Path) -> None:
    config = database_config("", tmp_path / "data")
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == str(tmp_path / "data" / "mediamill.sqlite3")
    assert "journal_mode=WAL" in config["OPTIONS"]["init_command"]
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert config["OPTIONS"]["timeout"] >= 5
    assert (tmp_path / "data").is_dir()


def test_sqlite_urls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert database_config("sqlite:///db/x.sqlite3", tmp_path)["NAME"] == str(
        tmp_path / "db" / "x.sqlite3"
    )
    absolute = tmp_path / "abs.sqlite3"
    assert database_config(f"sqlite:///{absolute}", tmp_path)["NAME"] == str(absolute)


def test_postgres_url(tmp_path: Path) -> None:
    config = database_config(
        "postgres://media%40mill:p%2Fss@db.example:5433/mediamill?sslmode=require", tmp_path
    )
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["USER"], config["PASSWORD"]) == ("media@mill", "p/ss")
    assert (config["HOST"], config["PORT"], config["NAME"]) == ("db.example", "5433", "mediamill")
    assert config["OPTIONS"] == {"sslmode": "require"}
    socket = database_config("postgresql://%2Fvar%2Frun%2Fpostgresql/mediamill", tmp_path)
    assert (socket["HOST"], socket["PORT"], socket["USER"]) == ("/var/run/postgresql", "", "")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://u@h/db", "unsupported scheme 'mysql'"),
        ("postgres://u@h:5432/", "database name"),
        ("postgres://u@h:notaport/db", "DATABASE_URL"),
        ("sqlite://", "file path"),
    ],
)
def test_bad_database_urls(tmp_path: Path, url: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        database_config(url, tmp_path)


# --- secret key ------------------------------------------------------------------------------


def test_configured_secret_key_is_used(tmp_path: Path) -> None:
    assert secret_key("from-the-environment", tmp_path) == "from-the-environment"
    assert not (tmp_path / "secret_key").exists()


def test_secret_key_is_generated_once_and_private(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = secret_key("", data)
    assert len(first) >= 50
    assert secret_key("", data) == first
    mode = stat.S_IMODE((data / "secret_key").stat().st_mode)
    assert mode == 0o600
    assert sorted(p.name for p in data.iterdir()) == ["secret_key"]


def test_processes_starting_together_agree_on_one_key(tmp_path: Path) -> None:
    keys: list[str] = []
    barrier = threading.Barrier(8)

    def start() -> None:
        barrier.wait()
        keys.append(secret_key("", tmp_path))

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(keys)) == 1


def test_empty_key_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "secret_key").write_text("\n")
    with pytest.raises(ConfigurationError, match="empty"):
        secret_key("", tmp_path)


# --- setup() and entry points, in a fresh interpreter ---------------------------------------


def _run(code: str, data_dir: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(MEDIAMILL_DATA_DIR=str(data_dir), DATABASE_URL="", MEDIAMILL_SECRET_KEY="")
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


@pytest.mark.slow  # a fresh interpreter
def test_setup_configures_django_from_mediamill_settings(tmp_path: Path) -> None:
    code = (
        "import mediamill.site as s; s.setup(); s.setup();"
        "from django.conf import settings; from django.core.management import call_command;"
        "call_command('migrate', verbosity=0);"
        "from mediamill.jobs.models import Pipeline; print(Pipeline.objects.count());"
        "print(settings.DATABASES['default']['NAME'])"
    )
    count, name = _run(code, tmp_path).split()
    assert count == "0"
    assert name == str(tmp_path / "mediamill.sqlite3")
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600


@pytest.mark.slow  # a fresh interpreter
@pytest.mark.parametrize("module", ["wsgi", "asgi"])
def test_entry_points_load(tmp_path: Path, module: str) -> None:
    code = f"from mediamill.site.{module} import application; print(callable(application))"
    assert _run(code, tmp_path).strip() == "True"


# --- files on disk --------------------------------------------------------------------------


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_data_folder_and_sqlite_database_are_private(tmp_path: Path) -> None:
    import sqlite3

    data = tmp_path / "data"
    config = database_config("", data)
    assert _mode(data) == 0o700
    database = Path(config["NAME"])
    assert _mode(database) == 0o600, "created owner-only before SQLite opens it"
    with sqlite3.connect(database) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE t (x)")
        db.execute("INSERT INTO t VALUES (1)")
        assert _mode(database.with_name(database.name + "-wal")) == 0o600
        assert _mode(database.with_name(database.name + "-shm")) == 0o600
    secret_key("", data)
    assert _mode(data / "secret_key") == 0o600


def test_protect_puts_loose_modes_right(tmp_path: Path) -> None:
    from mediamill.site.files import protect

    data = tmp_path / "data"
    (data / "sns").mkdir(parents=True)
    database = data / "mediamill.sqlite3"
    loose = [data / "secret_key", data / "sns" / "signing-key.pem", database]
    loose += [data / "mediamill.sqlite3-wal", data / "mediamill.sqlite3-shm"]
    for path in loose:
        path.write_text("x")
        path.chmod(0o644)
    data.chmod(0o755)
    (data / "sns").chmod(0o755)
    (data / "buckets").mkdir()  # not a secret: its mode is left alone
    (data / "buckets").chmod(0o755)

    changed = protect(data, database)

    assert set(changed) == {data, data / "sns", *loose}
    assert _mode(data) == 0o700 and _mode(data / "sns") == 0o700
    assert all(_mode(path) == 0o600 for path in loose)
    assert _mode(data / "buckets") == 0o755
    assert protect(data, database) == [], "nothing left to change"


@pytest.mark.slow  # a fresh interpreter
def test_every_start_makes_an_existing_data_folder_private(tmp_path: Path) -> None:
    """A data folder made world-readable (by an older version, or a copy): the next command
    that opens the database puts it right."""
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    (data / "secret_key").write_text("k" * 50)
    (data / "secret_key").chmod(0o644)
    database = data / "mediamill.sqlite3"
    database.touch(mode=0o644)
    database.chmod(0o644)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MEDIAMILL_", "DJANGO_"))}
    env.pop("DATABASE_URL", None)
    env["MEDIAMILL_DATA_DIR"] = str(data)
    result = subprocess.run(
        [sys.executable, "-m", "mediamill", "buckets", "grants"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert _mode(data) == 0o700
    assert _mode(data / "secret_key") == 0o600
    for suffix in ("", "-wal", "-shm"):
        path = database.with_name(database.name + suffix)
        if path.exists():
            assert _mode(path) == 0o600, path
