"""Job notifications: SNS topics and HTTP subscriptions, a transactional outbox, signed
delivery with retries, and the per-user notices of the web app.

    models          Topic, Subscription, Delivery (the outbox and its log), SigningCertificate,
                    Notice (a user's "your file is ready")
    arns            topic and subscription ARNs (pure)
    messages        Elastic Transcoder's job-state message, laid out byte for byte (pure)
    envelope        the SNS HTTP envelope, its string to sign, Standard Webhooks headers (pure)
    signing_keys    the RSA signing key and its certificate, kept in MEDIAMILL_DATA_DIR
    ownership       who may use a topic: its owner; superusers any
    topics          creating topics, subscribing, confirming, unsubscribing
    outbox          writes deliveries and notices in the transaction of a job's state change
    claims          which deliveries are due, leases on them, recording an attempt
    outgoing        the signed POST of one attempt
    transport       the ``Sender`` seam and ``HttpSender``
    exchange        one HTTP exchange within a deadline, to a chosen address (stdlib only)
    backoff         the wait before the next attempt
    delivery        one attempt, start to end; the delivery threads (on ``polling``)
    notices         ``unread(user)``, ``mark_read(user, ids)``
    verify          for receivers: check a message's signature (needs only ``cryptography``)
    views, urls     SubscribeURL, UnsubscribeURL, SigningCertURL

The flow, and why nothing is lost: ``jobs.service`` sends ``job_state_recorded`` inside the
transaction of every state change; ``outbox`` writes one Delivery row per confirmed
subscription of the pipeline's topic for that state, in that same transaction. The delivery
threads (in ``mediamill serve`` and ``mediamill worker``) claim due rows with a conditional
UPDATE and a lease, POST them, and record the outcome. A row is done only when a subscriber
answered 2xx, or when it has been retried for MEDIAMILL_NOTIFY_RETRY_SECONDS.

This package's ``__init__`` imports nothing, so ``mediamill.notifications.verify`` can be used
by a receiver without Django.
"""
