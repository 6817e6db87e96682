"""The job-state message and its envelope, byte for byte; SNS and Standard Webhooks signatures.

No database: the layout, the string to sign and the signatures are pure functions.
"""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from mediamill.errors import AuthenticationError, ValidationError
from mediamill.notifications import arns, envelope
from mediamill.notifications.messages import et_json, timestamp
from mediamill.notifications.verify import check_cert_url, verify_message, verify_webhook

# The reference's COMPLETED example (Elastic Transcoder's layout, Jackson's pretty printer).
COMPLETED_TEXT = """{
  "state" : "COMPLETED",
  "version" : "2012-09-25",
  "jobId" : "1700000000123-x7k2qa",
  "pipelineId" : "1699990000456-p4vm0c",
  "input" : {
    "key" : "media/3f6c2a9e-1d7b-4c1e-9a51-0b2d9d1e7c44"
  },
  "inputCount" : 1,
  "outputKeyPrefix" : "transcoded/",
  "outputs" : [ {
    "id" : "1",
    "presetId" : "1351620000001-000010",
    "key" : "3f6c2a9e-720p.mp4",
    "thumbnailPattern" : "thumbs/3f6c2a9e-{count}",
    "status" : "Complete",
    "duration" : 6,
    "width" : 1280,
    "height" : 720
  } ],
  "userMetadata" : {
    "owner" : "42"
  }
}"""


@pytest.fixture(scope="module")
def private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def test_layout_matches_elastic_transcoder_byte_for_byte() -> None:
    value = json.loads(COMPLETED_TEXT)  # dicts keep the order
    assert et_json(value) == COMPLETED_TEXT
    assert et_json({}) == "{ }" and et_json([]) == "[ ]"
    assert (
        et_json({"a": [1, 2], "b": {"c": "é"}})
        == '{\n  "a" : [ 1, 2 ],\n  "b" : {\n    "c" : "é"\n  }\n}'
    )


def test_timestamp_has_milliseconds_and_z() -> None:
    moment = dt.datetime(2013, 12, 24, 1, 14, 42, 493999, tzinfo=dt.UTC)
    assert timestamp(moment) == "2013-12-24T01:14:42.493Z"


def notification(private_key: rsa.RSAPrivateKey, subject: str = "S") -> dict[str, str]:
    fields = envelope.notification_fields(
        message_id="165545c9-2a5c-472c-8df2-7ff2be2b3b1b",
        topic_arn="arn:aws:sns:us-east-1:000000000000:transcoding",
        subject=subject,
        message=COMPLETED_TEXT,
        timestamp="2013-12-24T01:14:42.493Z",
    )
    return envelope.sign(fields, private_key, "https://h/x.pem", "https://h/?Action=Unsubscribe")


def test_envelope_fields_are_in_sns_order(private_key: rsa.RSAPrivateKey) -> None:
    signed = notification(private_key)
    assert list(signed) == [
        "Type",
        "MessageId",
        "TopicArn",
        "Subject",
        "Message",
        "Timestamp",
        "SignatureVersion",
        "Signature",
        "SigningCertURL",
        "UnsubscribeURL",
    ]
    body = envelope.body(signed).decode()
    assert body.startswith('{\n  "Type" : "Notification",\n  "MessageId" : ')
    assert json.loads(body) == signed


def test_string_to_sign_is_the_sns_one(private_key: rsa.RSAPrivateKey) -> None:
    signed = notification(private_key)
    expected = "".join(
        f"{k}\n{signed[k]}\n"
        for k in ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
    )
    assert envelope.string_to_sign(signed) == expected.encode()
    without = notification(private_key, subject="")
    assert "Subject" not in without
    assert b"Subject\n" not in envelope.string_to_sign(without)


def test_signature_version_2_verifies_and_one_changed_byte_does_not(
    private_key: rsa.RSAPrivateKey,
) -> None:
    signed = notification(private_key)
    public = private_key.public_key()
    # Independently of mediamill's verifier: SHA256withRSA over the SNS string to sign.
    to_sign = "".join(
        f"{k}\n{signed[k]}\n"
        for k in ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
    )
    public.verify(
        base64.b64decode(signed["Signature"]),
        to_sign.encode(),
        padding.PKCS1v15(),
        hashes.SHA256(),
    )
    verify_message(signed, public)
    for field in ("Message", "Subject", "Timestamp", "MessageId", "TopicArn"):
        changed = dict(signed)
        changed[field] = signed[field][:-1] + chr(ord(signed[field][-1]) ^ 1)
        with pytest.raises(InvalidSignature):
            public.verify(
                base64.b64decode(changed["Signature"]),
                envelope.string_to_sign(changed),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        with pytest.raises(AuthenticationError) as caught:
            verify_message(changed, public)
        assert caught.value.kind == "InvalidSignature"


def test_confirmation_is_signed_over_its_own_fields(private_key: rsa.RSAPrivateKey) -> None:
    fields = envelope.confirmation_fields(
        "SubscriptionConfirmation",
        message_id="m",
        token="t" * 20,
        topic_arn="arn:aws:sns:us-east-1:000000000000:t",
        message=envelope.SUBSCRIBE_TEXT.format(topic_arn="arn:aws:sns:us-east-1:000000000000:t"),
        subscribe_url="http://h/sns/?Action=ConfirmSubscription",
        timestamp="2013-12-24T01:14:42.493Z",
    )
    signed = envelope.sign(fields, private_key, "https://h/c.pem")
    assert list(signed)[:7] == [
        "Type",
        "MessageId",
        "Token",
        "TopicArn",
        "Message",
        "SubscribeURL",
        "Timestamp",
    ]
    assert "UnsubscribeURL" not in signed
    verify_message(signed, private_key.public_key())
    signed["Token"] = "u" * 20
    with pytest.raises(AuthenticationError):
        verify_message(signed, private_key.public_key())


@pytest.mark.parametrize(
    ("url", "hosts", "https", "ok"),
    [
        (
            "https://media.example.com/sns/SimpleNotificationService-ab.pem",
            ["media.example.com"],
            True,
            True,
        ),
        ("https://MEDIA.example.com/sns/x.pem", ["media.example.com"], True, True),
        ("http://media.example.com/sns/x.pem", ["media.example.com"], True, False),
        # A host allowed without a port allows only the scheme's default port.
        ("http://127.0.0.1:8000/sns/x.pem", ["127.0.0.1"], False, False),
        ("http://127.0.0.1/sns/x.pem", ["127.0.0.1"], False, True),
        ("http://127.0.0.1:8000/sns/x.pem", ["127.0.0.1:8000"], False, True),
        ("http://127.0.0.1:8001/sns/x.pem", ["127.0.0.1:8000"], False, False),
        ("https://evil.example.com/sns/x.pem", ["media.example.com"], True, False),
        ("https://media.example.com.evil.net/x.pem", ["media.example.com"], True, False),
        ("https://media.example.com@evil.net/x.pem", ["media.example.com"], True, False),
        ("https://media.example.com/x.txt", ["media.example.com"], True, False),
        ("file:///etc/passwd.pem", ["media.example.com"], False, False),
    ],
)
def test_signing_cert_url_must_be_on_an_allowed_host(
    url: str, hosts: list[str], https: bool, ok: bool
) -> None:
    if ok:
        check_cert_url(url, hosts, require_https=https)
    else:
        with pytest.raises(AuthenticationError) as caught:
            check_cert_url(url, hosts, require_https=https)
        assert caught.value.kind == "UntrustedCertificateURL"


def test_standard_webhooks_reference_vector() -> None:
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    signature = envelope.webhook_signature(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body)
    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    headers = {
        "Webhook-Id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "Webhook-Timestamp": "1614265330",
        "Webhook-Signature": "v1,bm90LXRoaXMtb25l " + signature,  # rotation: any may match
    }
    at = dt.datetime.fromtimestamp(1614265330 + 60, dt.UTC)
    verify_webhook(secret, headers, body, now=at)
    with pytest.raises(AuthenticationError, match="no webhook-signature"):
        verify_webhook(secret, headers, body + b" ", now=at)
    late = dt.datetime.fromtimestamp(1614265330 + 301, dt.UTC)
    with pytest.raises(AuthenticationError) as caught:
        verify_webhook(secret, headers, body, now=late)
    assert caught.value.kind == "StaleTimestamp"


def test_new_webhook_secrets_decode_to_32_bytes() -> None:
    secret = envelope.new_webhook_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert secret != envelope.new_webhook_secret()


@pytest.mark.parametrize(
    ("arn", "ok"),
    [
        ("arn:aws:sns:us-east-1:000000000000:transcoding", True),
        ("arn:aws:sns:eu-west-1:123456789012:a_b-C9", True),
        ("arn:aws:sns:us-east-1:00000000000:short-account", False),
        ("arn:aws:sqs:us-east-1:000000000000:queue", False),
        ("arn:aws:sns:us-east-1:000000000000:", False),
        ("arn:aws:sns:us-east-1:000000000000:has.dot", False),
        ("arn:aws:sns:us-east-1:000000000000:" + "x" * 257, False),
    ],
)
def test_topic_arns(arn: str, ok: bool) -> None:
    if ok:
        assert str(arns.parse_topic(arn)) == arn
    else:
        with pytest.raises(ValidationError):
            arns.parse_topic(arn)


def test_subscription_arns_are_the_topic_and_a_uuid() -> None:
    topic = "arn:aws:sns:us-east-1:000000000000:transcoding"
    sub = arns.new_subscription_arn(topic)
    assert arns.parse_subscription(sub) == topic
    assert sub != arns.new_subscription_arn(topic)
    with pytest.raises(ValidationError):
        arns.parse_subscription(topic + ":not-a-uuid")
