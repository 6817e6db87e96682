"""SNS topic and subscription ARNs.

    topic         arn:aws:sns:<region>:<12-digit account>:<name>
    subscription  <topic ARN>:<UUID>

Topic names follow SNS: 1 to 256 letters, digits, ``-`` and ``_``.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from mediamill.errors import ValidationError

_NAME = re.compile(r"[A-Za-z0-9_-]{1,256}", re.ASCII)
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d{1,2}", re.ASCII)
_TOPIC = re.compile(
    r"arn:aws:sns:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):(?P<name>[A-Za-z0-9_-]{1,256})",
    re.ASCII,
)
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_SUBSCRIPTION = re.compile(rf"(?P<topic>.+):(?P<id>{_UUID})", re.ASCII)


@dataclass(frozen=True)
class TopicArn:
    region: str
    account: str
    name: str

    def __str__(self) -> str:
        return f"arn:aws:sns:{self.region}:{self.account}:{self.name}"


def check_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise ValidationError(
            f"Invalid topic name {name!r}: use 1 to 256 letters, digits, hyphens and underscores"
        )
    return name


def check_region(region: str) -> str:
    if not _REGION.fullmatch(region):
        raise ValidationError(f"Invalid region {region!r} (expected a name like us-east-1)")
    return region


def topic_arn(region: str, account: str, name: str) -> TopicArn:
    return TopicArn(check_region(region), account, check_name(name))


def parse_topic(arn: str) -> TopicArn:
    match = _TOPIC.fullmatch(arn)
    if match is None:
        raise ValidationError(
            f"Invalid topic ARN {arn!r}: expected arn:aws:sns:REGION:ACCOUNT:NAME"
        )
    return TopicArn(match["region"], match["account"], match["name"])


def new_subscription_arn(topic: str) -> str:
    return f"{topic}:{uuid.uuid4()}"


def parse_subscription(arn: str) -> str:
    """The topic ARN part of a subscription ARN; ``ValidationError`` if it is not one."""
    match = _SUBSCRIPTION.fullmatch(arn)
    if match is None:
        raise ValidationError(f"Invalid subscription ARN {arn!r}: expected TOPIC_ARN:UUID")
    parse_topic(match["topic"])
    return match["topic"]
