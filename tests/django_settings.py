"""Django settings for the test suite: mediamill's real settings, built with a private data
folder (so tests never touch ./var) and the database chosen by MEDIAMILL_TEST_DATABASE:

    sqlite (or unset)  a SQLite file in that folder, the default
    postgresql         the local PostgreSQL server (``mediamill.testing.postgresql``); the
                       tests get a fresh database of their own there (tests/conftest.py)

`make test` runs the whole suite on SQLite, then every test marked ``db`` (every test using
the Django database) again with MEDIAMILL_TEST_DATABASE=postgresql.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

from mediamill.testing import ServiceUnavailable
from mediamill.testing.postgresql import find_server

_DATA_DIR = tempfile.mkdtemp(prefix="mediamill-tests-")
atexit.register(shutil.rmtree, _DATA_DIR, ignore_errors=True)

TEST_DATABASE = os.environ.get("MEDIAMILL_TEST_DATABASE", "sqlite") or "sqlite"
if TEST_DATABASE not in ("sqlite", "postgresql"):
    raise RuntimeError(f"MEDIAMILL_TEST_DATABASE={TEST_DATABASE!r}: use sqlite or postgresql")
#: Why the PostgreSQL run cannot run, if it cannot (tests/conftest.py skips or fails it).
POSTGRESQL_UNAVAILABLE = ""
_DATABASE_URL = ""
if TEST_DATABASE == "postgresql":
    try:
        _DATABASE_URL, _ = find_server()
    except ServiceUnavailable as exc:
        POSTGRESQL_UNAVAILABLE = exc.message

# mediamill's settings are read from the environment; set them only while they are read.
_OVERRIDES = {
    "MEDIAMILL_DATA_DIR": _DATA_DIR,
    "DATABASE_URL": _DATABASE_URL,
    "MEDIAMILL_SECRET_KEY": "",
}
_SAVED = {name: os.environ.get(name) for name in _OVERRIDES}
os.environ.update(_OVERRIDES)
try:
    from mediamill.site.settings import *  # noqa: F403
    from mediamill.site.settings import DATABASES
finally:
    for _name, _value in _SAVED.items():
        if _value is None:
            os.environ.pop(_name, None)
        else:
            os.environ[_name] = _value

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not Django's default in-memory test database: tests that race worker threads
    # need real connections with WAL and the busy timeout, as in production.
    DATABASES["default"]["TEST"] = {"NAME": os.path.join(_DATA_DIR, "test.sqlite3")}
# On PostgreSQL the test database's name is given by the starter that creates it
# (tests/conftest.py, django_db_modify_db_settings).

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast, tests only
