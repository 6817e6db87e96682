"""Django settings for the test suite: mediamill's real settings, built with a private data
folder (so tests never touch ./var) and the database named by MEDIAMILL_TEST_DATABASE_URL
(empty or unset: SQLite). tests/test_jobs_postgres.py sets it to run the database tests again
on PostgreSQL.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

_DATA_DIR = tempfile.mkdtemp(prefix="mediamill-tests-")
atexit.register(shutil.rmtree, _DATA_DIR, ignore_errors=True)

# mediamill's settings are read from the environment; set them only while they are read.
_OVERRIDES = {
    "MEDIAMILL_DATA_DIR": _DATA_DIR,
    "DATABASE_URL": os.environ.get("MEDIAMILL_TEST_DATABASE_URL", ""),
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
else:
    # One test database per run, so two runs on one server do not drop each other's.
    DATABASES["default"]["TEST"] = {"NAME": f"test_mediamill_{os.getpid()}"}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast, tests only
