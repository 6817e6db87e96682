"""The vendored service description and the one validator drawn from it."""
# ruff: noqa: E501 -- the table of cases reads best one case per line

from __future__ import annotations

import gzip
import json
from importlib import resources
from pathlib import Path

import botocore
import pytest

from mediamill import client, servicemodel
from mediamill.errors import LimitExceededError, ValidationError
from mediamill.jobs.models import ID_PATTERN
from mediamill.presets import rules

ID = r"^\d{13}-\w{6}$"


def test_the_vendored_description_is_botocores_unchanged() -> None:
    shipped = Path(botocore.__file__).parent / "data/elastictranscoder/2012-09-25"
    if botocore.__version__ != "1.42.17":
        pytest.skip(f"botocore {botocore.__version__} is not the release it was taken from")
    packed = shipped / "service-2.json.gz"
    text = (
        gzip.decompress(packed.read_bytes())
        if packed.exists()
        else shipped.joinpath("service-2.json").read_bytes()
    )
    assert servicemodel.description() == json.loads(text)
    vendored = Path(client.model_path()) / "elastictranscoder" / "2012-09-25"
    for name in ("paginators-1.json", "waiters-2.json"):
        assert json.loads((vendored / name).read_text()) == json.loads((shipped / name).read_text())
    rules_text = gzip.decompress((shipped / "endpoint-rule-set-1.json.gz").read_bytes())
    assert json.loads((vendored / "endpoint-rule-set-1.json").read_text()) == json.loads(rules_text)
    data = resources.files("mediamill.servicemodel").joinpath("data")
    assert "Apache License" in data.joinpath("LICENSE-botocore.txt").read_text()
    assert "botocore 1.42.17" in data.joinpath("NOTICE").read_text()


def test_the_id_pattern_comes_from_the_model() -> None:
    assert servicemodel.shape("Id")["pattern"] == ID
    assert ID_PATTERN is servicemodel.pattern("Id") is rules.PRESET_ID_PATTERN
    assert rules.PRESET_ID_PATTERN_TEXT == ID
    assert ID_PATTERN.fullmatch("1351620000001-300300")
    for bad in ("1351620000001-30030", "1351620000001-300300\n", "١٣٥١٦٢٠٠٠٠٠٠١-300300"):
        assert not ID_PATTERN.fullmatch(bad), "Java's \\d and \\w are ASCII; no trailing newline"


def message(operation: str, members: dict[str, object]) -> str:
    with pytest.raises(ValidationError) as caught:
        servicemodel.check_operation(operation, members)
    return caught.value.message


def test_every_violation_is_reported_in_aws_words() -> None:
    found = message(
        "CreatePipeline",
        {
            "InputBucket": "in bucket",
            "Notifications": {"Progressing": "sns-topic"},
            "ContentConfig": {"Permissions": [{"Access": ["Read", "Write"]}]},
        },
    )
    assert found == (
        "4 validation errors detected: "
        "Value null at 'name' failed to satisfy constraint: Member must not be null; "
        "Value 'in bucket' at 'inputBucket' failed to satisfy constraint: Member must satisfy "
        "regular expression pattern: ^(\\w|\\.|-){1,255}$; "
        "Value 'sns-topic' at 'notifications.progressing' failed to satisfy constraint: Member "
        "must satisfy regular expression pattern: (^$)|(^arn:aws:sns:.*:\\w{12}:.+$); "
        "Value 'Write' at 'contentConfig.permissions.1.member.access.2.member' failed to "
        "satisfy constraint: Member must satisfy regular expression pattern: "
        "(^FullControl$)|(^Read$)|(^ReadAcp$)|(^WriteAcp$)"
    ), "Role is checked by the domain, in AWS's own words ('Role cannot be blank')"


@pytest.mark.parametrize(
    ("operation", "members", "fragment"),
    [
        ("ReadJob", {"Id": "x"}, f"Value 'x' at 'id' failed to satisfy constraint: Member must satisfy regular expression pattern: {ID}"),
        ("ListJobsByStatus", {"Status": "Done"}, "Value 'Done' at 'status'"),
        ("ListPipelines", {"Ascending": "yes"}, "at 'ascending' failed to satisfy constraint: Member must satisfy regular expression pattern: (^true$)|(^false$)"),
        ("ListPresets", {"PageToken": "next"}, "at 'pageToken'"),
        ("CreateJob", {}, "Value null at 'pipelineId' failed to satisfy constraint: Member must not be null"),
        ("CreateJob", {"PipelineId": "1351620000001-300300", "Input": "song.mp3"}, "Value 'song.mp3' at 'input' failed to satisfy constraint: Member must be an object"),
        ("CreateJob", {"PipelineId": "1351620000001-300300", "Outputs": [{"Key": 5}]}, "Value '5' at 'outputs.1.member.key' failed to satisfy constraint: Member must be a string"),
        ("CreateJob", {"PipelineId": "1351620000001-300300", "UserMetadata": {"k": 1}}, "Value '1' at 'userMetadata.k' failed to satisfy constraint: Member must be a string"),
        ("CreateJob", {"PipelineId": "1351620000001-300300", "Input": {"Key": "k" * 1025}}, "at 'input.key' failed to satisfy constraint: Member must have length less than or equal to 1024"),
        ("TestRole", {"Role": "r", "InputBucket": "a", "OutputBucket": "b"}, "Value null at 'topics' failed to satisfy constraint: Member must not be null"),
        ("TestRole", {"InputBucket": "a", "OutputBucket": "b", "Topics": ["x"]}, "Value 'x' at 'topics.1.member'"),
    ],
)  # fmt: skip
def test_members_are_named_as_aws_named_them(
    operation: str, members: dict[str, object], fragment: str
) -> None:
    found = message(operation, members)
    assert found.startswith("1 validation error detected: ")
    assert fragment in found


def test_long_values_are_shortened_in_messages() -> None:
    found = message("ReadJob", {"Id": "9" * 5000})
    assert len(found) < 400 and "9" * 200 + "..." in found


def test_more_than_thirty_outputs_is_a_limit() -> None:
    outputs = [{"Key": f"{n}.wav", "PresetId": "1351620000001-300300"} for n in range(31)]
    with pytest.raises(LimitExceededError, match="less than or equal to 30"):
        servicemodel.check_operation(
            "CreateJob", {"PipelineId": "1351620000001-300300", "Outputs": outputs}
        )
    servicemodel.check_operation(
        "CreateJob", {"PipelineId": "1351620000001-300300", "Outputs": outputs[:30]}
    )


def test_unknown_operations_are_a_programming_error() -> None:
    with pytest.raises(ValueError, match="no operation"):
        servicemodel.check_operation("TranscodeEverything", {})
