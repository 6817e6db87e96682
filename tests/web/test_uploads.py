"""The hooks the uploads app calls: where an upload goes, and the job started on arrival."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from tests.web_helpers import Arrived, person, upload

from mediamill.errors import ValidationError
from mediamill.jobs.models import JobStatus
from mediamill.testing import write_audio
from mediamill.web import recipes, upload_handlers
from mediamill.web.models import MediaFile, Recipe

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MEDIAMILL_DATA_DIR", str(tmp_path))
    return tmp_path


@pytest.fixture(scope="module")
def song(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_audio(tmp_path_factory.mktemp("web") / "song.mp3", 2.0)


def test_the_default_recipe_is_the_tutorials_three_outputs() -> None:
    recipe = recipes.choose(None)
    assert recipe.is_default
    assert tuple(recipe.preset_ids) == recipes.TUTORIAL_PRESETS


def test_uploads_land_in_the_persons_own_namespace() -> None:
    alice = person("alice")
    bucket, key = upload_handlers.destination(alice, "My Song.mp3", {})
    assert bucket == "alice-uploads"
    assert key.endswith("/My Song.mp3")
    _, other_key = upload_handlers.destination(alice, "My Song.mp3", {})
    assert other_key != key  # a fresh folder each time: two uploads never collide


def test_completion_creates_the_library_entry_and_submits_its_job(song: Path) -> None:
    alice = person("alice")
    started = time.monotonic()
    item = upload(alice, song)
    assert time.monotonic() - started < 1.0
    assert item.owner == alice and item.name == "song.mp3"
    job = item.job
    assert job is not None and job.owner == alice and job.status == JobStatus.SUBMITTED
    assert job.input_key == item.key
    assert job.pipeline.input_bucket == "alice-uploads"
    assert job.pipeline.content_bucket == "alice-media"
    assert [(o.key, o.preset_id) for o in job.outputs.all()] == [
        ("song.wav", "1351620000001-300300"),
        ("song.flac", "1351620000001-300110"),
        ("song.mp4", "1351620000001-100110"),
    ]
    assert job.output_key_prefix == f"files/{item.pk}/"
    # The second upload reuses the person's pipeline.
    assert upload(alice, song).job.pipeline_id == job.pipeline_id  # type: ignore[union-attr]


def test_the_chosen_recipe_decides_the_outputs(song: Path) -> None:
    flac_only = Recipe.objects.create(name="FLAC", preset_ids=["1351620000001-300110"])
    item = upload(person("alice"), song, recipe=str(flac_only.pk))
    assert item.job is not None
    assert [o.key for o in item.job.outputs.all()] == ["song.flac"]


@pytest.mark.parametrize("recipe", ["999", "abc"])
def test_an_unknown_recipe_is_refused_before_any_byte(recipe: str) -> None:
    with pytest.raises(ValidationError, match="recipe"):
        upload_handlers.destination(person("alice"), "song.mp3", {"recipe": recipe})


def test_a_disabled_recipe_is_refused_at_completion(song: Path) -> None:
    alice = person("alice")
    recipe = Recipe.objects.create(name="old", preset_ids=["1351620000001-300110"])
    bucket, key = upload_handlers.destination(alice, "song.mp3", {"recipe": str(recipe.pk)})
    Recipe.objects.filter(pk=recipe.pk).update(enabled=False)
    arrived = Arrived(alice, bucket, key, "song.mp3", 1, {"recipe": str(recipe.pk)})
    with pytest.raises(ValidationError, match="not offered"):
        upload_handlers.on_complete(arrived)
    assert not MediaFile.objects.exists()


def test_a_refused_job_leaves_no_library_entry(song: Path) -> None:
    from mediamill.jobs.models import UserLimits

    alice = person("alice")
    UserLimits.objects.create(user=alice, max_jobs_in_flight=1)
    upload(alice, song)
    with pytest.raises(ValidationError):
        upload(alice, song)
    assert MediaFile.objects.count() == 1


def test_a_user_name_that_cannot_name_buckets_is_told_why() -> None:
    from django.contrib.auth.models import User

    odd = User.objects.create_user("Odd@Name")
    with pytest.raises(ValidationError, match="cannot name buckets"):
        upload_handlers.destination(odd, "song.mp3", {})


def test_names_are_kept_readable_but_safe() -> None:
    alice = person("alice")
    _, key = upload_handlers.destination(alice, "../../etc/.passwd", {})
    assert key.split("/", 1)[1] == "passwd"
    assert ".." not in key


def test_recipes_name_only_system_presets() -> None:
    recipes.check_presets(["1351620000001-300110"])
    with pytest.raises(ValidationError, match="not a system preset"):
        recipes.check_presets(["1234567890123-abcdef"])
    with pytest.raises(ValidationError, match="at least one"):
        recipes.check_presets([])


def test_outputs_of_one_container_are_numbered() -> None:
    recipe = Recipe(name="two", preset_ids=["1351620000001-300110", "1351620000001-300110"])
    made = recipes.outputs(recipe, "song", person("alice"))
    assert [o.key for o in made] == ["song.flac", "song-2.flac"]


def test_install_registers_both_hooks_in_the_contracts_shapes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Against a stand-in for ``mediamill.uploads.hooks`` (the uploads app is built
    separately): what ``install`` registers answers in the contract's types."""
    import sys
    import types
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class UploadTarget:
        bucket: str
        key: str

    registered: dict[str, object] = {}
    hooks = types.ModuleType("mediamill.uploads.hooks")
    hooks.UploadTarget = UploadTarget  # type: ignore[attr-defined]
    hooks.set_destination = lambda fn: registered.update(destination=fn)  # type: ignore[attr-defined]
    hooks.set_on_complete = lambda fn: registered.update(on_complete=fn)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "mediamill.uploads.hooks", hooks)
    upload_handlers.install()
    target = registered["destination"](person("alice"), "song.mp3", {})  # type: ignore[operator]
    assert isinstance(target, UploadTarget) and target.bucket == "alice-uploads"
    assert registered["on_complete"] is upload_handlers.on_complete


def test_a_completion_reported_twice_makes_one_entry_and_one_job(song: Path) -> None:
    from mediamill.buckets import get_bucket
    from mediamill.jobs.models import Job

    alice = person("alice")
    bucket, key = upload_handlers.destination(alice, "song.mp3", {})
    size = get_bucket(bucket).upload_file(key, song)
    arrived = Arrived(alice, bucket, key, "song.mp3", size)
    first = upload_handlers.on_complete(arrived)
    assert upload_handlers.on_complete(arrived) == first
    assert MediaFile.objects.count() == 1 and Job.objects.count() == 1
