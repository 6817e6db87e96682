"""The signed POST that one attempt sends: SNS-signed now, or Standard Webhooks-signed now.

The message, its MessageId and Timestamp were fixed when the outbox row was written; the
signature is made here, for each attempt, with the key current then (so a rotated key takes
effect at once, and a Standard Webhooks timestamp is the attempt's own).
"""

from __future__ import annotations

from django.utils import timezone

from mediamill import __version__
from mediamill.notifications import envelope, signing_keys, topics
from mediamill.notifications.models import Delivery, MessageType, Signing, Subscription
from mediamill.notifications.transport import Request


def build_request(delivery: Delivery) -> Request:
    """The POST for this attempt: SNS-signed now, or Standard Webhooks-signed now."""
    subscription: Subscription = delivery.subscription
    topic_arn = subscription.topic.arn
    is_notification = delivery.message_type == MessageType.NOTIFICATION
    if is_notification:
        fields = envelope.notification_fields(
            message_id=delivery.message_id,
            topic_arn=topic_arn,
            subject=delivery.subject,
            message=delivery.message,
            timestamp=delivery.timestamp,
        )
    else:
        fields = envelope.confirmation_fields(
            delivery.message_type,
            message_id=delivery.message_id,
            token=subscription.token,
            topic_arn=topic_arn,
            message=delivery.message,
            subscribe_url=topics.subscribe_url(subscription),
            timestamp=delivery.timestamp,
        )
    headers = envelope.sns_headers(
        delivery.message_type,
        delivery.message_id,
        topic_arn,
        subscription.arn if is_notification else None,
    )
    secret = topics.webhook_secret(subscription)
    if subscription.signing == Signing.STANDARD_WEBHOOKS and secret is not None:
        # The job-state message itself is the payload; a confirmation is its envelope fields.
        body = delivery.message.encode() if is_notification else envelope.body(fields)
        attempt_time = int(timezone.now().timestamp())
        headers |= envelope.webhook_headers(secret, delivery.message_id, attempt_time, body)
        headers |= {"Content-Type": "application/json", "User-Agent": f"mediamill/{__version__}"}
        return Request(subscription.endpoint, headers, body)
    key = signing_keys.current()
    signed = envelope.sign(
        fields,
        key.private_key,
        key.cert_url,
        topics.unsubscribe_url(subscription) if is_notification else None,
    )
    headers |= {"Content-Type": envelope.CONTENT_TYPE, "User-Agent": envelope.USER_AGENT}
    return Request(subscription.endpoint, headers, envelope.body(signed))
