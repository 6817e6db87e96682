"""Who may use which bucket, through boto3 against a live server.

Bucket names are global, so the rule is explicit: a superuser may use any bucket; anyone
else the buckets named ``<username>-...`` and those an administrator granted them. These
tests replay the security review's exploit (bob naming alice's bucket) and check that every
way in — CreatePipeline, UpdatePipeline, TestRole, CreateJob and the runner — is closed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from django.contrib.auth.models import User
from tests.api_helpers import ROLE, Client, error_code, put, submit

from mediamill.cli import main
from mediamill.jobs import bucket_access, runner
from mediamill.jobs.models import Job, JobStatus

pytestmark = pytest.mark.django_db(transaction=True)

MakeClient = Callable[[User], Client]


def _denied(call: Callable[[], Any], bucket: str, username: str) -> str:
    with pytest.raises(ClientError) as caught:
        call()
    assert error_code(caught) == "AccessDeniedException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    message: str = caught.value.response["Error"]["Message"]
    assert f"'{bucket}'" in message
    assert f"ask an administrator to grant it: mediamill buckets grant {bucket} {username}" in (
        message
    )
    return message


def test_bob_cannot_use_alices_buckets(
    client_for: MakeClient, alice: User, bob: User, song: Path, data_dir: Path
) -> None:
    et_alice, et_bob = client_for(alice), client_for(bob)
    et_alice.create_pipeline(
        Name="alice", InputBucket="alice-uploads", OutputBucket="alice-media", Role=ROLE
    )
    put(song, "media/song.mp3", bucket="alice-uploads")

    own = {"InputBucket": "bob-in", "Role": ROLE}
    refused: list[tuple[dict[str, Any], str]] = [
        ({**own, "InputBucket": "alice-uploads", "OutputBucket": "bob-out"}, "alice-uploads"),
        ({**own, "OutputBucket": "alice-media"}, "alice-media"),
        (
            {**own, "ContentConfig": {"Bucket": "alice-media"}, "ThumbnailConfig": {"Bucket": "b"}},
            "alice-media",
        ),
        (
            {**own, "ContentConfig": {"Bucket": "bob-out"}, "ThumbnailConfig": {"Bucket": "x"}},
            "x",
        ),
        # Names no one owns resolve to a folder (or MEDIAMILL_BUCKETS's '*' entry): refused too.
        ({**own, "OutputBucket": "anything"}, "anything"),
    ]
    for settings, bucket in refused:
        message = _denied(
            functools.partial(et_bob.create_pipeline, Name="b", **settings), bucket, "bob"
        )
        assert "buckets named bob-..." in message
    assert [p["Name"] for p in et_bob.list_pipelines()["Pipelines"]] == []

    mine = et_bob.create_pipeline(Name="b", OutputBucket="bob-out", **own)["Pipeline"]
    changes: list[tuple[dict[str, Any], str]] = [
        ({"InputBucket": "alice-uploads"}, "alice-uploads"),
        ({"ContentConfig": {"Bucket": "alice-media"}}, "alice-media"),
        ({"ThumbnailConfig": {"Bucket": "alice-media"}}, "alice-media"),
    ]
    for change, bucket in changes:
        _denied(functools.partial(et_bob.update_pipeline, Id=mine["Id"], **change), bucket, "bob")
    assert et_bob.read_pipeline(Id=mine["Id"])["Pipeline"] == mine, "nothing was changed"

    # TestRole refuses before probing: not even a local bucket's folder is created.
    for input_bucket, output_bucket, bucket in [
        ("alice-private", "bob-out", "alice-private"),
        ("bob-in", "alice-private", "alice-private"),
    ]:
        _denied(
            functools.partial(
                et_bob.test_role,
                Role=ROLE,
                InputBucket=input_bucket,
                OutputBucket=output_bucket,
                Topics=[],
            ),
            bucket,
            "bob",
        )
    assert not (data_dir / "buckets" / "alice-private").exists()
    assert et_bob.test_role(Role=ROLE, InputBucket="bob-in", OutputBucket="bob-out", Topics=[])[
        "Success"
    ] == ("true")


def test_a_namespace_is_the_longest_username_that_fits(client_for: MakeClient) -> None:
    ann = User.objects.create_user("ann")
    User.objects.create_user("ann-x")
    et_ann = client_for(ann)
    _denied(
        lambda: et_ann.create_pipeline(
            Name="a", InputBucket="ann-x-in", OutputBucket="ann-out", Role=ROLE
        ),
        "ann-x-in",
        "ann",
    )
    et_ann.create_pipeline(Name="a", InputBucket="ann-xy-in", OutputBucket="ann-out", Role=ROLE)
    assert bucket_access.namespace(User.objects.create_user("eve+1")) is None
    assert not bucket_access.may_use(User.objects.create_user("Ann"), "ann-in"), "case-sensitive"


def test_alice_uses_her_own_buckets_freely(et: Client, song: Path) -> None:
    pipeline = et.create_pipeline(
        Name="mine",
        InputBucket="alice-uploads",
        ContentConfig={"Bucket": "alice-media"},
        ThumbnailConfig={"Bucket": "alice-thumbs"},
        Role=ROLE,
    )["Pipeline"]
    et.update_pipeline(Id=pipeline["Id"], InputBucket="alice-inbox")
    et.update_pipeline_status(Id=pipeline["Id"], Status="Paused")
    put(song, "media/song.mp3", bucket="alice-inbox")
    assert et.read_job(Id=submit(et, pipeline["Id"]))["Job"]["Status"] == "Submitted"
    checked = et.test_role(Role=ROLE, InputBucket="alice-a", OutputBucket="alice-b", Topics=[])
    assert checked["Success"] == "true"


def test_a_grant_lets_a_bucket_be_used_until_it_is_revoked(
    client_for: MakeClient, bob: User, song: Path
) -> None:
    et_bob = client_for(bob)
    _denied(
        lambda: et_bob.create_pipeline(
            Name="s", InputBucket="shared-in", OutputBucket="bob-out", Role=ROLE
        ),
        "shared-in",
        "bob",
    )
    assert bucket_access.grant("shared-in", bob) is True
    assert bucket_access.grant("shared-in", bob) is False, "granting twice changes nothing"
    pipeline = et_bob.create_pipeline(
        Name="s", InputBucket="shared-in", OutputBucket="bob-out", Role=ROLE
    )["Pipeline"]
    put(song, "media/song.mp3", bucket="shared-in")
    waiting = submit(et_bob, pipeline["Id"])

    assert bucket_access.revoke("shared-in", bob) is True
    # New jobs are refused, and before the "output already exists" check, which would
    # otherwise tell bob what the bucket holds.
    put(song, "processed/song.flac", bucket="bob-out")
    _denied(lambda: submit(et_bob, pipeline["Id"]), "shared-in", "bob")

    # The job created before the revocation fails when it runs, without touching the buckets.
    assert runner.run_job(waiting) == JobStatus.ERROR
    job = Job.objects.get(pk=waiting)
    assert job.status == JobStatus.ERROR
    assert job.status_detail.startswith("1000 ")
    assert "bob may not use the bucket 'shared-in'" in job.status_detail
    assert all(o.status == JobStatus.ERROR for o in job.outputs.all())
    wire = et_bob.read_job(Id=waiting)["Job"]
    assert wire["Status"] == "Error"
    assert "Access denied" in wire["Outputs"][0]["StatusDetail"]


def test_a_superuser_may_use_any_bucket(client_for: MakeClient, alice: User, song: Path) -> None:
    root = User.objects.create_superuser("root", password="root-password-1")
    et_root = client_for(root)
    pipeline = et_root.create_pipeline(
        Name="any", InputBucket="alice-uploads", OutputBucket="anything", Role=ROLE
    )["Pipeline"]
    et_root.update_pipeline(Id=pipeline["Id"], InputBucket="bob-in")
    et_root.update_pipeline_status(Id=pipeline["Id"], Status="Paused")
    checked = et_root.test_role(Role=ROLE, InputBucket="x", OutputBucket="y", Topics=[])
    assert checked["Success"] == "true"
    assert et_root.read_job(Id=submit(et_root, pipeline["Id"]))["Job"]["Status"] == "Submitted"


def test_the_grant_commands(bob: User, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["buckets", "grant", "shared", "bob"]) == 0
    assert "granted: shared to bob" in capsys.readouterr().out
    assert main(["buckets", "grant", "shared", "bob"]) == 0
    assert "already granted" in capsys.readouterr().out
    assert bucket_access.may_use(bob, "shared")

    assert main(["buckets", "grants", "--user", "bob"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed[0].split() == ["BUCKET", "USER", "GRANTED"]
    assert any(line.split()[:2] == ["shared", "bob"] for line in listed[1:])

    assert main(["buckets", "revoke", "shared", "bob"]) == 0
    assert "revoked: shared from bob" in capsys.readouterr().out
    assert not bucket_access.may_use(bob, "shared")
    assert main(["buckets", "revoke", "shared", "bob"]) == 1
    assert main(["buckets", "grant", "shared", "nobody"]) == 1
    assert main(["buckets", "grant", "not a bucket", "bob"]) == 1
    assert "no user 'nobody'" in capsys.readouterr().err
