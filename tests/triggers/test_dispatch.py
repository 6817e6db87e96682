"""Objects stored through mediamill fire the rules; each object version fires a rule once;
outputs of triggered jobs fire nothing beyond the chain depth; refusals are recorded."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from tests.decoded import decode
from tests.triggers_helpers import make_pipeline, tutorial_rule

from mediamill.buckets import events, get_bucket
from mediamill.jobs import runner
from mediamill.jobs.models import Job, JobStatus
from mediamill.triggers import dispatch
from mediamill.triggers.models import Event, Outcome

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_upload_under_the_prefix_starts_the_job_and_its_outputs_fire_nothing(
    song_mp3: Path,
) -> None:
    pipeline = make_pipeline()
    rule = tutorial_rule(pipeline)
    # A second rule on the outputs' prefix, at the default depth: job outputs never fire it.
    onwards = tutorial_rule(pipeline, name="onwards", prefix="transcoded/", output="final/{stem}")
    bucket = get_bucket("uploads")
    bucket.upload_file("media/song.mp3", song_mp3)
    bucket.write("elsewhere/song.mp3", io.BytesIO(b"not under the prefix"))

    (event,) = Event.objects.filter(rule=rule)
    assert (event.outcome, event.key, event.source, event.depth) == (
        Outcome.JOB,
        "media/song.mp3",
        "store",
        0,
    )
    job = Job.objects.get(pk=event.job_id)
    assert job.input["Key"] == "media/song.mp3"
    assert sorted(o.key for o in job.outputs.all()) == [
        "transcoded/song.flac",
        "transcoded/song.wav",
    ]

    assert runner.run_job(job.id) == JobStatus.COMPLETE
    wav = decode(bucket.local_path("transcoded/song.wav"))  # type: ignore[arg-type]
    assert wav.audio_codec == "pcm_s16le" and wav.duration == pytest.approx(20.0, abs=0.1)
    # The two outputs matched "onwards", which recorded why it did not fire, and made no job.
    skipped = Event.objects.filter(rule=onwards)
    assert sorted(e.key for e in skipped) == ["transcoded/song.flac", "transcoded/song.wav"]
    assert {(e.outcome, e.depth, e.job_id) for e in skipped} == {(Outcome.SKIPPED, 1, "")}
    assert "1 triggered job(s) deep" in skipped[0].detail
    assert Job.objects.count() == 1


def test_a_rule_that_opts_in_fires_on_outputs_once_and_no_deeper() -> None:
    pipeline = make_pipeline()
    first = tutorial_rule(pipeline)
    second = tutorial_rule(
        pipeline, name="second", prefix="transcoded/", output="final/{stem}", chain_depth=2
    )
    bucket = get_bucket("uploads")
    bucket.write("media/a.mp3", io.BytesIO(b"x"))
    job_id = Event.objects.get(rule=first).job_id
    with events.written_by(job_id):  # as jobs.publish stores outputs
        bucket.write("transcoded/a.wav", io.BytesIO(b"x"))
    (onwards,) = Event.objects.filter(rule=second)
    assert (onwards.outcome, onwards.depth) == (Outcome.JOB, 1)
    with events.written_by(onwards.job_id):  # depth 2: beyond every rule here
        bucket.write("transcoded/b.wav", io.BytesIO(b"x"))
    assert Event.objects.get(rule=second, key="transcoded/b.wav").outcome == Outcome.SKIPPED
    assert Job.objects.count() == 2


def test_the_same_object_version_fires_once_a_new_version_again() -> None:
    rule = tutorial_rule(make_pipeline())
    arrival = dispatch.Arrival("uploads", "media/a.mp3", "etag-1", 1, source="s3:test")
    assert len(dispatch.fire(arrival)) == 1
    for _ in range(4):
        assert dispatch.fire(arrival) == []
    assert Job.objects.count() == 1
    changed = dispatch.Arrival("uploads", "media/a.mp3", "etag-2", 1, source="s3:test")
    (event,) = dispatch.fire(changed)
    # A new version of the object (another ETag) is another upload: it fires again.
    assert event.rule == rule and Event.objects.filter(rule=rule).count() == 2


def test_a_refused_job_is_recorded_with_the_reason() -> None:
    alice = User.objects.create_user("alice")
    from mediamill.jobs import bucket_access

    bucket_access.grant("uploads", alice)
    rule = tutorial_rule(make_pipeline(), owner=alice)
    get_bucket("uploads").write("transcoded/song.wav", io.BytesIO(b"taken"))
    bucket_access.revoke("uploads", alice)
    (event,) = dispatch.fire(dispatch.Arrival("uploads", "media/song.mp3", "v1", 1, "s3:x"))
    assert event.rule == rule and event.outcome == Outcome.REFUSED
    assert "PermissionDeniedError" in event.detail and not Job.objects.exists()
    bucket_access.grant("uploads", alice)
    (event,) = dispatch.fire(dispatch.Arrival("uploads", "media/song.mp3", "v2", 1, "s3:x"))
    assert event.outcome == Outcome.REFUSED and "already exists" in event.detail
