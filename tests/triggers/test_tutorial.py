"""The tutorial's Lambda step, unchanged, against a real `mediamill serve`.

Its handler (handlers/lambda_function.py: lists the pipelines to find its own by name, then
CreateJob through boto3's elastictranscoder client) is registered as a trigger on
``media/``. Fired by `mediamill upload` of an MP3, it makes the WAV, FLAC and MP4 under
``transcoded/``; the Lambda console's S3 test event does the same through
`mediamill triggers test --run`. The outputs are decoded.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from tests.decoded import decode
from tests.serve_process import Server, start_server_on, stop_server

from mediamill.testing import write_audio
from mediamill.testing.processes import child_env, free_ports, tail

pytestmark = pytest.mark.slow

HANDLER = Path(__file__).with_name("handlers") / "lambda_function.py"
BUCKET = "alice-media"
CONSOLE_KEY = "media/2b0c6f3e-8a4d-4f0b-9d2e-5c7a1e9f4b13"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[Server, dict[str, str]]]:
    port = free_ports(1)[0]
    settings = {"MEDIAMILL_PUBLIC_URL": f"http://127.0.0.1:{port}"}
    running = start_server_on(port, tmp_path, MEDIAMILL_PUBLIC_URL=settings["MEDIAMILL_PUBLIC_URL"])
    env = child_env({"MEDIAMILL_DATA_DIR": str(running.data_dir), **settings})
    try:
        yield running, env
    finally:
        stop_server(running)


def mediamill(env: dict[str, str], *args: str | Path, stdin: str = "") -> str:
    done = subprocess.run(
        [sys.executable, "-m", "mediamill", *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        input=stdin,
    )
    assert done.returncode == 0, f"mediamill {args}: {done.stderr}"
    return done.stdout


def wait_for(path: Path, server: Server, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        if time.monotonic() > deadline:
            raise AssertionError(f"{path.name} never appeared:\n{tail(server.log)}")
        time.sleep(0.2)


def test_the_tutorials_handler_runs_unchanged(
    server: tuple[Server, dict[str, str]], tmp_path: Path
) -> None:
    running, env = server
    mediamill(env, "createuser", "alice", "--password-stdin", stdin="a-long-password\n")
    keys = mediamill(env, "keys", "create", "--user", "alice")
    key_id = keys.split("aws_access_key_id:")[1].split()[0]
    secret = keys.split("aws_secret_access_key:")[1].split()[0]
    # The tutorial's pipeline, made through the API as its author made it in the console.
    client = boto3.client(
        "elastictranscoder",
        region_name="eu-west-1",
        endpoint_url=f"http://127.0.0.1:{running.port}",
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        config=Config(retries={"max_attempts": 1}),
    )
    client.create_pipeline(
        Name="Audio Transcoder",
        InputBucket=BUCKET,
        OutputBucket=BUCKET,
        Role="arn:aws:iam::123456789012:role/Elastic_Transcoder_Default_Role",
    )
    # Registered disabled first, to try it the Lambda console's way.
    mediamill(
        env,
        "triggers",
        "add",
        "tutorial",
        "--bucket",
        BUCKET,
        "--prefix",
        "media/",
        "--handler",
        f"{HANDLER}:lambda_handler",
        "--owner",
        "alice",
        "--disabled",
    )
    song = write_audio(tmp_path / "song.mp3", 4.0)
    mediamill(env, "upload", BUCKET, CONSOLE_KEY, song)
    console_event = {
        "Records": [
            {
                "eventVersion": "2.0",
                "eventSource": "aws:s3",
                "awsRegion": "us-east-1",
                "eventTime": "1970-01-01T00:00:00.000Z",
                "eventName": "ObjectCreated:Put",
                "userIdentity": {"principalId": "EXAMPLE"},
                "requestParameters": {"sourceIPAddress": "127.0.0.1"},
                "responseElements": {
                    "x-amz-request-id": "EXAMPLE123456789",
                    "x-amz-id-2": "EXAMPLE123/5678abcdefghijklambdaisawesome/"
                    "mnopqrstuvwxyzABCDEFGH",
                },
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "testConfigRule",
                    "bucket": {
                        "name": BUCKET,
                        "ownerIdentity": {"principalId": "EXAMPLE"},
                        "arn": f"arn:aws:s3:::{BUCKET}",
                    },
                    "object": {
                        "key": CONSOLE_KEY,
                        "size": 1024,
                        "eTag": "0123456789abcdef0123456789abcdef",
                        "sequencer": "0A1B2C3D4E5F678901",
                    },
                },
            }
        ]
    }
    event_file = tmp_path / "console-event.json"
    event_file.write_text(json.dumps(console_event))
    dry = json.loads(
        mediamill(env, "triggers", "test", "tutorial", "--event", event_file, "--json")
    )
    assert dry[0]["result"] == "would fire (use --run to do it)"
    folder = running.data_dir / "buckets" / BUCKET
    assert not (folder / "transcoded").exists()  # nothing was done

    ran = json.loads(
        mediamill(env, "triggers", "test", "tutorial", "--event", event_file, "--run", "--json")
    )
    assert ran[0]["result"] == "handler returned", ran
    assert "Loading function" in ran[0]["handler"]["detail"]
    stem = CONSOLE_KEY.rsplit("/", 1)[1]
    check_outputs(folder, stem, running)

    # Enabled, it fires on an upload through mediamill, run by the server's trigger thread.
    mediamill(env, "triggers", "enable", "tutorial")
    mediamill(env, "upload", BUCKET, "media/red flower.mp3", song)
    check_outputs(folder, "red flower", running)
    history = json.loads(mediamill(env, "triggers", "events", "tutorial", "--json"))
    assert [(e["key"], e["outcome"], e["source"]) for e in history] == [
        ("media/red flower.mp3", "Handled", "store"),
        (CONSOLE_KEY, "Handled", "test"),
    ]
    # Each event knows the job its handler made (so the chain depth bounds its outputs).
    assert all(e["job"] for e in history)
    # The jobs' outputs under transcoded/ fired nothing: the rule is on media/ only.
    assert (
        len(
            client.list_jobs_by_pipeline(PipelineId=client.list_pipelines()["Pipelines"][0]["Id"])[
                "Jobs"
            ]
        )
        == 2
    )


def check_outputs(folder: Path, stem: str, server: Server) -> None:
    for suffix in ("wav", "flac", "mp4"):
        wait_for(folder / "transcoded" / f"{stem}.{suffix}", server)
    wav = decode(folder / "transcoded" / f"{stem}.wav")
    flac = decode(folder / "transcoded" / f"{stem}.flac")
    mp4 = decode(folder / "transcoded" / f"{stem}.mp4")
    assert (wav.audio_codec, flac.audio_codec, mp4.audio_codec) == ("pcm_s16le", "flac", "aac")
    for decoded in (wav, flac, mp4):
        assert decoded.duration == pytest.approx(4.0, abs=0.15)
