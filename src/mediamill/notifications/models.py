"""Topics, subscriptions, the delivery outbox, signing certificates and users' notices."""

from __future__ import annotations

from django.conf import settings as django_settings
from django.db import models
from django.utils import timezone


class Topic(models.Model):
    """An SNS topic: a name that pipelines publish to and endpoints subscribe to.

    Every topic has an owner, and only its owner (or an administrator) may name it in a
    pipeline: the server signs every message it sends, so a topic anyone could name would let
    one user's jobs put signed messages into another user's receiver.
    """

    arn = models.CharField("ARN", max_length=320, unique=True)
    name = models.CharField(max_length=256)
    # Deleting a user deletes their topics (and so their subscriptions): a topic nobody owns
    # is what this rule exists to prevent.
    owner = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="topics"
    )
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ("name", "id")

    def __str__(self) -> str:
        return self.arn


class SubscriptionStatus(models.TextChoices):
    PENDING = "PendingConfirmation"
    CONFIRMED = "Confirmed"
    UNSUBSCRIBED = "Unsubscribed"


class Signing(models.TextChoices):
    SNS = "sns", "SNS signature (SignatureVersion 2)"
    STANDARD_WEBHOOKS = "standard-webhooks", "Standard Webhooks (HMAC-SHA256)"


class Subscription(models.Model):
    """An HTTP(S) endpoint subscribed to a topic.

    It receives a SubscriptionConfirmation and nothing else until its SubscribeURL is
    visited. Unconfirmed subscriptions expire after ``topics.CONFIRMATION_DAYS``.
    """

    arn = models.CharField("ARN", max_length=360, unique=True)
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="subscriptions")
    protocol = models.CharField(max_length=5, choices=[("http", "http"), ("https", "https")])
    endpoint = models.CharField(max_length=2048)
    status = models.CharField(
        max_length=20, choices=SubscriptionStatus.choices, default=SubscriptionStatus.PENDING
    )
    token = models.CharField(max_length=128, unique=True, editable=False)
    signing = models.CharField(max_length=20, choices=Signing.choices, default=Signing.SNS)
    # The Standard Webhooks secret ("whsec_..."), encrypted with a key derived from the
    # server's secret key; empty for SNS signing.
    webhook_secret_ciphertext = models.TextField(blank=True, editable=False)
    created = models.DateTimeField(default=timezone.now, editable=False)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("topic", "created", "id")

    def __str__(self) -> str:
        return self.arn


class MessageType(models.TextChoices):
    NOTIFICATION = "Notification"
    SUBSCRIPTION_CONFIRMATION = "SubscriptionConfirmation"
    UNSUBSCRIBE_CONFIRMATION = "UnsubscribeConfirmation"


class DeliveryStatus(models.TextChoices):
    PENDING = "Pending"  # to be sent, or retried at next_attempt_at
    DELIVERED = "Delivered"  # the endpoint answered 2xx
    FAILED = "Failed"  # given up after MEDIAMILL_NOTIFY_RETRY_SECONDS
    CANCELED = "Canceled"  # the subscription ended first


class Delivery(models.Model):
    """One message for one subscription: the outbox row, and the log of its attempts.

    Written in the transaction that changed the job's state. The message content is fixed
    here (a retry sends the same ``MessageId``, ``Timestamp`` and ``Message``); the signature
    is made when each attempt is sent, with the signing key current then.
    """

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    message_type = models.CharField(
        max_length=24, choices=MessageType.choices, default=MessageType.NOTIFICATION
    )
    message_id = models.CharField("MessageId", max_length=36, editable=False)
    # Messages of one job reach one subscription in order: a row waits while an older row of
    # the same (subscription, job_id) is still Pending. Empty for confirmations.
    job_id = models.CharField(max_length=20, blank=True, db_index=True)
    state = models.CharField(max_length=12, blank=True)  # PROGRESSING, COMPLETED, ...
    subject = models.CharField(max_length=255, blank=True)
    message = models.TextField()
    timestamp = models.CharField(max_length=24)  # as in the envelope: 2013-12-24T01:14:42.493Z
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # Lease: the worker sending it holds it until lease_expires_at; a worker that died while
    # sending leaves a lease that runs out, and another worker tries again.
    claimed_by = models.CharField(max_length=255, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(default=timezone.now, editable=False)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("id",)
        verbose_name_plural = "deliveries"
        indexes = (
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["subscription", "job_id", "status"]),
        )

    def __str__(self) -> str:
        what = self.state or self.message_type
        return f"{what} {self.message_id} to {self.subscription_id}"


class SigningCertificate(models.Model):
    """A certificate whose key signs (or signed) messages; served at its SigningCertURL.

    Stored in the database so that any server can serve the certificate of any worker's key,
    and kept after a key rotation so that messages signed before it still verify.
    """

    fingerprint = models.CharField(max_length=64, unique=True)  # SHA-256 of the DER, hex
    pem = models.TextField()
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ("-created", "-id")

    def __str__(self) -> str:
        return self.fingerprint[:32]


class Notice(models.Model):
    """A line for one user in the web app: "Your file song.mp3 has been processed"."""

    owner = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices"
    )
    job = models.ForeignKey("jobs.Job", on_delete=models.CASCADE, related_name="+")
    text = models.CharField(max_length=300)
    read = models.BooleanField(default=False)
    created = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ("-created", "-id")
        indexes = (models.Index(fields=["owner", "read"]),)

    def __str__(self) -> str:
        return self.text
