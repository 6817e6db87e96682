"""``mediamill pipelines create|list|show|pause|resume|delete``: JSON output and errors."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from tests.cli.conftest import Cli, one_line_error

from mediamill.jobs.models import Pipeline

pytestmark = pytest.mark.django_db

CREATE = ("pipelines", "create", "Audio Files", "--input-bucket", "uploads")


def create(cli: Cli, *extra: str) -> str:
    run = cli(*CREATE, "--output-bucket", "media", *extra)
    assert run.status == 0, run.err
    return run.out.strip()


def test_create_prints_the_id_and_builds_the_pipeline(cli: Cli) -> None:
    pipeline_id = create(cli)
    row = Pipeline.objects.get(pk=pipeline_id)
    assert (row.name, row.input_bucket, row.output_bucket) == ("Audio Files", "uploads", "media")
    assert row.status == "Active" and row.owner is None


def test_create_json_is_the_api_pipeline(cli: Cli) -> None:
    run = cli(*CREATE, "--output-bucket", "media", "--json")
    wire = run.json()
    assert wire["Name"] == "Audio Files" and wire["Status"] == "Active"
    assert wire["Arn"] == f"arn:aws:elastictranscoder:us-east-1:000000000000:pipeline/{wire['Id']}"
    assert wire["ContentConfig"] == {"Bucket": "media", "Permissions": []}


def test_create_for_an_owner_applies_their_rules(cli: Cli) -> None:
    User.objects.create_user("alice")
    run = cli(*CREATE, "--output-bucket", "media", "--owner", "alice")
    one_line_error(run, "pipelines create", "alice may not use the bucket 'uploads'")
    run = cli(
        "pipelines", "create", "Mine", "--input-bucket", "alice-in",
        "--output-bucket", "alice-out", "--owner", "alice",
    )  # fmt: skip
    pipeline_id = run.out.strip()
    assert Pipeline.objects.get(pk=pipeline_id).owner.username == "alice"  # type: ignore[union-attr]


def test_list_and_show_json(cli: Cli) -> None:
    first, second = create(cli), create(cli)
    listed = cli("pipelines", "list", "--json").json()
    assert [p["Id"] for p in listed] == [first, second]
    shown = cli("pipelines", "show", first, "--json").json()
    assert shown == listed[0]


def test_list_table_and_empty(cli: Cli) -> None:
    run = cli("pipelines", "list")
    assert run.out == "no pipelines (create one with `mediamill pipelines create`)\n"
    pipeline_id = create(cli)
    lines = cli("pipelines", "list").out.splitlines()
    assert lines[0].split() == ["ID", "NAME", "STATUS", "OWNER", "INPUT", "OUTPUT"]
    assert lines[1].split() == [pipeline_id, "Audio", "Files", "Active", "-", "uploads", "media"]


def test_show_text(cli: Cli) -> None:
    pipeline_id = create(cli)
    fields = dict(
        line.split(":", 1) for line in cli("pipelines", "show", pipeline_id).out.splitlines()
    )
    assert fields["id"].strip() == pipeline_id
    assert fields["owner"].strip() == "(shared)"


def test_pause_resume(cli: Cli) -> None:
    pipeline_id = create(cli)
    assert cli("pipelines", "pause", pipeline_id, "--json").json()["Status"] == "Paused"
    assert Pipeline.objects.get(pk=pipeline_id).status == "Paused"
    assert cli("pipelines", "resume", pipeline_id).out == f"{pipeline_id}: Active\n"


def test_delete(cli: Cli) -> None:
    pipeline_id = create(cli)
    assert cli("pipelines", "delete", pipeline_id).out == f"deleted {pipeline_id}\n"
    assert not Pipeline.objects.filter(pk=pipeline_id).exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("pipelines", "show", "nope"), "no pipeline 'nope'"),
        (("pipelines", "pause", "nope"), "nope"),
        (("pipelines", "resume", "nope"), "nope"),
        (("pipelines", "delete", "nope"), "nope"),
        (("pipelines", "list", "--owner", "ghost"), "no user 'ghost'"),
        ((*CREATE, "--output-bucket", "x y"), "outputBucket"),
        ((*CREATE, "--output-bucket", "media", "--role", "nope"), "Role ARN is invalid"),
    ],
)
def test_errors_are_one_line(cli: Cli, argv: tuple[str, ...], message: str) -> None:
    command = " ".join(argv[:2])
    one_line_error(cli(*argv), command, message)
