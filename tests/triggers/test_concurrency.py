"""The same event delivered five times at once, from two processes, starts one job.

The processes share this test's database (SQLite here, PostgreSQL in the PostgreSQL lane),
so the unique constraint on the event history is what decides.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection
from tests.triggers_helpers import make_pipeline, tutorial_rule

from mediamill.jobs.models import Job
from mediamill.testing.processes import child_env
from mediamill.triggers.models import Event, Outcome

DRIVER = Path(__file__).with_name("fire_driver.py")


def database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user, host, port = settings["USER"], settings["HOST"] or "127.0.0.1", settings["PORT"] or 5432
    return f"postgres://{user}@{host}:{port}/{settings['NAME']}"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_five_deliveries_from_two_processes_make_one_job(data_dir: Path) -> None:
    rule = tutorial_rule(make_pipeline())
    env = child_env({"DATABASE_URL": database_url(), "MEDIAMILL_DATA_DIR": str(data_dir)})
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2] / "src")
    start_at = time.time() + 3.0  # both processes set up, then go at once
    children = [
        subprocess.Popen(
            [sys.executable, str(DRIVER), str(times), str(start_at)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for times in (3, 2)
    ]
    made = []
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
        made.append(int(out.strip().splitlines()[-1]))
    assert sum(made) == 1
    (event,) = Event.objects.filter(rule=rule)
    assert event.outcome == Outcome.JOB and event.key == "media/red flower.mp3"
    assert list(Job.objects.values_list("id", flat=True)) == [event.job_id]
