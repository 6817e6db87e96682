from __future__ import annotations

import json

import pytest
from tests.triggers_helpers import s3_event, sns_wrapped

from mediamill.errors import ValidationError
from mediamill.triggers import s3events


@pytest.mark.parametrize(
    "key", ["media/red flower.mp3", "year=2025/a+b.mp3", "media/čaj ☕.mp3", "media/100%.mp3"]
)
def test_keys_are_decoded_as_s3_encodes_them(key: str) -> None:
    parsed = s3events.parse(json.dumps(s3_event("in", key)).encode())
    assert parsed.kind == "records"
    assert [r.key for r in parsed.records] == [key]


def test_the_guides_space_example() -> None:
    event = s3_event("in", "x")
    event["Records"][0]["s3"]["object"]["key"] = "media/red+flower.mp3"
    (record,) = s3events.parse(json.dumps(event).encode()).records
    assert record.key == "media/red flower.mp3" and record.created
    assert record.version == "0123456789abcdef0123456789abcdef"


def test_an_sns_envelope_is_unwrapped() -> None:
    body = json.dumps(sns_wrapped(s3_event("in", "media/a b.mp3"))).encode()
    (record,) = s3events.parse(body).records
    assert (record.bucket, record.key) == ("in", "media/a b.mp3")


def test_the_s3_test_event_and_subscription_confirmation() -> None:
    test = {"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "in"}
    assert s3events.parse(json.dumps(test).encode()).kind == "test"
    wrapped = sns_wrapped({})
    wrapped["Message"] = json.dumps(test)
    assert s3events.parse(json.dumps(wrapped).encode()).kind == "test"
    confirm = {"Type": "SubscriptionConfirmation", "SubscribeURL": "https://sns.x/?a=b"}
    parsed = s3events.parse(json.dumps(confirm).encode())
    assert parsed.kind == "subscribe" and parsed.subscribe_url == "https://sns.x/?a=b"


def test_removals_are_not_creations() -> None:
    (record,) = s3events.parse(
        json.dumps(s3_event("in", "a", name="ObjectRemoved:Delete")).encode()
    ).records
    assert not record.created


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b"[]", "JSON object"),
        (b'{"Records": 3}', "not a list"),
        (b'{"Hello": 1}', "'Records'"),
        (b'{"Records": [{"eventName": "ObjectCreated:Put"}]}', "no eventName or s3"),
        (
            b'{"Records": [{"eventName": "x", "s3": {"bucket": {"name": "b"}, "object": {}}}]}',
            "key is missing",
        ),
        (b'{"Type": "Notification", "Message": "{oops"}', "SNS Message"),
    ],
)
def test_malformed_notifications_say_what_is_wrong(body: bytes, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        s3events.parse(body)
