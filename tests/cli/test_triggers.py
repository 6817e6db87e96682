"""`mediamill triggers`: add, list, show, enable, disable, events, sources, test, remove."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mediamill.testing.processes import child_env

pytestmark = pytest.mark.slow

WAV = "1351620000001-300300"


def run(
    env: dict[str, str], *args: str | Path, ok: bool = True
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "mediamill", *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (done.returncode == 0) == ok, done.stderr
    return done


def make_pipeline(env: dict[str, str]) -> str:
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='mediamill.site.settings';"
        "django.setup(); from mediamill.jobs.models import Pipeline;"
        "print(Pipeline.objects.create(name='p', input_bucket='uploads', output_bucket='uploads',"
        " role='arn:aws:iam::1:role/r').id)"
    )
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_triggers_verbs(tmp_path: Path) -> None:
    env = child_env({"MEDIAMILL_DATA_DIR": str(tmp_path)})
    run(env, "triggers", "list")  # migrates the fresh database
    pipeline = make_pipeline(env)
    refused = run(
        env,
        "triggers",
        "add",
        "loopy",
        "--bucket",
        "uploads",
        "--prefix",
        "media/",
        "--pipeline",
        pipeline,
        "--output",
        f"{WAV}=media/{{stem}}.wav",
        ok=False,
    )
    assert refused.stderr.startswith("mediamill triggers add: error: trigger 'loopy' would fire on")
    assert len(refused.stderr.splitlines()) == 1
    added = run(
        env,
        "triggers",
        "add",
        "tutorial",
        "--bucket",
        "uploads",
        "--prefix",
        "media/",
        "--suffix",
        ".mp3",
        "--pipeline",
        pipeline,
        "--output",
        f"{WAV}=transcoded/{{stem}}.wav",
    )
    assert "added trigger tutorial: uploads/media/*.mp3" in added.stdout
    shown = json.loads(run(env, "triggers", "show", "tutorial", "--json").stdout)
    assert (shown["prefix"], shown["suffix"], shown["enabled"]) == ("media/", ".mp3", True)
    assert json.loads(run(env, "triggers", "list", "--json").stdout)[0]["name"] == "tutorial"
    run(env, "triggers", "disable", "tutorial")
    assert "disabled" in run(env, "triggers", "list").stdout

    secret = run(env, "triggers", "sources", "create", "minio").stdout.splitlines()[-1]
    assert secret.startswith("mmes_")
    assert (
        json.loads(run(env, "triggers", "sources", "list", "--json").stdout)[0]["name"] == "minio"
    )

    song = tmp_path / "song.mp3"
    song.write_bytes(b"not really a song, but an object")
    run(env, "triggers", "enable", "tutorial")
    run(env, "upload", "uploads", "media/song.mp3", song)  # fires: the job is Submitted
    events = json.loads(run(env, "triggers", "events", "tutorial", "--json").stdout)
    assert [(e["key"], e["outcome"], e["source"]) for e in events] == [
        ("media/song.mp3", "Job", "store")
    ]
    assert events[0]["job"]
    assert "Job" in run(env, "triggers", "events").stdout

    event_file = tmp_path / "event.json"
    event_file.write_text(
        json.dumps(
            {
                "Records": [
                    {
                        "eventName": "ObjectCreated:Put",
                        "s3": {
                            "bucket": {"name": "uploads"},
                            "object": {"key": "media/other+song.mp3", "eTag": "abc", "size": 3},
                        },
                    }
                ]
            }
        )
    )
    dry = json.loads(
        run(env, "triggers", "test", "tutorial", "--event", event_file, "--json").stdout
    )
    assert dry[0]["would_create"]["Outputs"][0]["Key"] == "transcoded/other song.wav"
    assert dry[0]["would_create"]["Input"] == {"Key": "media/other song.mp3"}
    ran = json.loads(
        run(env, "triggers", "test", "tutorial", "--event", event_file, "--run", "--json").stdout
    )
    assert ran[0]["result"].startswith("Job: job ") and ran[0]["job"]
    again = json.loads(
        run(env, "triggers", "test", "tutorial", "--event", event_file, "--run", "--json").stdout
    )
    assert again[0]["result"].startswith("already fired for this object version (Job: ")

    run(env, "triggers", "remove", "tutorial")
    assert "no triggers" in run(env, "triggers", "list").stdout
    assert "no trigger named" in run(env, "triggers", "show", "tutorial", ok=False).stderr
