from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import User
from tests.triggers_helpers import FLAC, WAV, make_pipeline, tutorial_rule

from mediamill.errors import NotFoundError, PermissionDeniedError, ValidationError
from mediamill.jobs import bucket_access
from mediamill.jobs.models import Pipeline
from mediamill.triggers import rules
from mediamill.triggers.models import Rule

pytestmark = pytest.mark.django_db


def test_the_tutorial_rule_is_stored() -> None:
    rule = tutorial_rule(make_pipeline())
    assert (rule.bucket, rule.prefix, rule.enabled, rule.chain_depth) == (
        "uploads",
        "media/",
        True,
        1,
    )
    assert rule.outputs == [
        {"preset_id": WAV, "key_template": "transcoded/{stem}.wav"},
        {"preset_id": FLAC, "key_template": "transcoded/{stem}.flac"},
    ]


def test_outputs_under_its_own_prefix_are_refused() -> None:
    with pytest.raises(ValidationError, match="'loopy' would fire on its own outputs"):
        tutorial_rule(make_pipeline(), name="loopy", output="media/done/{stem}")
    with pytest.raises(ValidationError, match="own outputs"):  # {dir} stays under media/
        tutorial_rule(make_pipeline(), name="loopy", output="{dir}/{stem}-out")
    assert not Rule.objects.exists()


def test_other_buckets_or_suffixes_are_no_loop() -> None:
    other = make_pipeline(output_bucket="results")
    tutorial_rule(other, name="elsewhere", output="media/{stem}")  # lands in another bucket
    tutorial_rule(make_pipeline(), name="mp3-only", output="media/{stem}", suffix=".mp3")


def test_a_cycle_across_rules_is_refused_naming_them() -> None:
    a_to_b = make_pipeline("left", "right")
    b_to_a = make_pipeline("right", "left")
    tutorial_rule(a_to_b, name="a", prefix="in/", output="out/{stem}")
    with pytest.raises(ValidationError, match=r"'b' -> 'a' -> 'b'"):
        tutorial_rule(b_to_a, name="b", prefix="out/", output="in/{stem}")
    # Disabled, it may exist; enabling it would close the loop.
    tutorial_rule(b_to_a, name="b", prefix="out/", output="in/{stem}", enabled=False)
    with pytest.raises(ValidationError, match="close a loop"):
        rules.set_enabled("b", True)
    assert not Rule.objects.get(name="b").enabled
    rules.set_enabled("a", False)
    rules.set_enabled("b", True)
    with pytest.raises(ValidationError, match=r"'a' -> 'b' -> 'a'"):
        rules.set_enabled("a", True)


def test_declarative_rules_are_checked_like_their_jobs() -> None:
    pipeline = make_pipeline()
    with pytest.raises(NotFoundError, match="pipeline was not found"):
        rules.create_rule(
            rules.RuleRequest(
                "x",
                "uploads",
                "media/",
                pipeline_id="1111111111111-abcdef",
                outputs=(rules.OutputTemplate(WAV, "t/{stem}.wav"),),
            ),
            None,
        )
    with pytest.raises(NotFoundError):
        rules.create_rule(
            rules.RuleRequest(
                "x",
                "uploads",
                "media/",
                pipeline_id=pipeline.id,
                outputs=(rules.OutputTemplate("1351620000001-999999", "t/{stem}"),),
            ),
            None,
        )
    with pytest.raises(ValidationError, match="is not one of"):
        tutorial_rule(pipeline, output="t/{basename}")
    with pytest.raises(ValidationError, match="needs a pipeline"):
        rules.create_rule(rules.RuleRequest("x", "uploads", "media/"), None)
    with pytest.raises(ValidationError, match="1-100 letters"):
        tutorial_rule(pipeline, name="no spaces")
    tutorial_rule(pipeline)
    with pytest.raises(ValidationError, match="exists already"):
        tutorial_rule(pipeline)


def test_a_user_needs_the_bucket_and_the_pipeline() -> None:
    alice = User.objects.create_user("alice")
    with pytest.raises(PermissionDeniedError):
        tutorial_rule(make_pipeline(), owner=alice)
    mine = Pipeline.objects.create(
        name="mine", input_bucket="alice-in", output_bucket="alice-out", role="r", owner=alice
    )
    assert tutorial_rule(mine, owner=alice).owner == alice


def test_only_administrators_register_handlers(tmp_path: Path) -> None:
    handler = tmp_path / "lambda_function.py"
    handler.write_text("def handler(event, context):\n    return 1\n")
    request = rules.RuleRequest("h", "uploads", "media/", handler=f"{handler}:handler")
    alice = User.objects.create_user("alice")
    bucket_access.grant("uploads", alice)
    with pytest.raises(PermissionDeniedError, match="only administrators"):
        rules.create_rule(request, alice, by=alice)
    with pytest.raises(ValidationError, match="needs an owner"):
        rules.create_rule(request, None)
    admin = User.objects.create_superuser("root")
    rule = rules.create_rule(request, alice, by=admin)
    assert (rule.handler_path, rule.handler_function) == (str(handler), "handler")
    with pytest.raises(ValidationError, match="does not exist"):
        rules.create_rule(
            rules.RuleRequest("h2", "uploads", handler=f"{tmp_path}/nope.py:handler"), alice
        )


def test_chain_depth_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MEDIAMILL_TRIGGER_MAX_CHAIN_DEPTH", "2")
    with pytest.raises(ValidationError, match="from 1 to 2"):
        tutorial_rule(make_pipeline(), chain_depth=3)
