"""Helpers shared by the trigger tests: the tutorial's pipeline and rule, S3 events."""

from __future__ import annotations

import json
import urllib.parse
from typing import TYPE_CHECKING, Any

from mediamill.jobs.models import Pipeline
from mediamill.triggers import rules
from mediamill.triggers.models import Rule

if TYPE_CHECKING:
    from django.contrib.auth.models import User

WAV = "1351620000001-300300"
FLAC = "1351620000001-300110"
AAC = "1351620000001-100110"
ROLE = "arn:aws:iam::123456789012:role/Elastic_Transcoder_Default_Role"


def make_pipeline(input_bucket: str = "uploads", output_bucket: str = "uploads") -> Pipeline:
    return Pipeline.objects.create(
        name="tutorial", input_bucket=input_bucket, output_bucket=output_bucket, role=ROLE
    )


def tutorial_rule(
    pipeline: Pipeline,
    owner: User | None = None,
    name: str = "tutorial",
    prefix: str = "media/",
    output: str = "transcoded/{stem}",
    **kwargs: Any,
) -> Rule:
    """media/*.mp3 in the pipeline's input bucket -> WAV and FLAC under transcoded/."""
    request = rules.RuleRequest(
        name=name,
        bucket=pipeline.input_bucket,
        prefix=prefix,
        pipeline_id=pipeline.id,
        outputs=(
            rules.OutputTemplate(WAV, output + ".wav"),
            rules.OutputTemplate(FLAC, output + ".flac"),
        ),
        **kwargs,
    )
    return rules.create_rule(request, owner)


def s3_event(
    bucket: str,
    key: str,
    etag: str = "0123456789abcdef0123456789abcdef",
    name: str = "ObjectCreated:Put",
    size: int = 1024,
) -> dict[str, Any]:
    """An S3 notification of one record, the key form-encoded as S3 sends it."""
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": "us-east-1",
                "eventTime": "2024-05-01T12:34:56.789Z",
                "eventName": name,
                "userIdentity": {"principalId": "AWS:AIDAEXAMPLE"},
                "requestParameters": {"sourceIPAddress": "203.0.113.10"},
                "responseElements": {"x-amz-request-id": "C3D13FE58DE4C810"},
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "media",
                    "bucket": {"name": bucket, "arn": f"arn:aws:s3:::{bucket}"},
                    "object": {
                        "key": urllib.parse.quote_plus(key, safe="/"),
                        "size": size,
                        "eTag": etag,
                        "sequencer": "0055AED6DCD90281E5",
                    },
                },
            }
        ]
    }


def sns_wrapped(event: dict[str, Any]) -> dict[str, Any]:
    """The event as SNS delivers it over HTTPS: compact JSON in ``Message``."""
    return {
        "Type": "Notification",
        "MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
        "TopicArn": "arn:aws:sns:us-east-1:123456789012:media-events",
        "Subject": "Amazon S3 Notification",
        "Message": json.dumps(event, separators=(",", ":")),
        "Timestamp": "2024-05-01T12:34:57.000Z",
        "SignatureVersion": "1",
    }
