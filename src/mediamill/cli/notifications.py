"""``mediamill topics``, ``subscribe``, ``subscriptions``, ``unsubscribe``, ``deliveries`` and
``notifications``: SNS-style topics, HTTP subscriptions and the delivery log."""

from __future__ import annotations

import argparse
from typing import Any

from mediamill.cli.common import find_user, open_database
from mediamill.cli.output import add_json_flag, print_json, print_table, timestamp


def register(subparsers: Any) -> None:
    topics = subparsers.add_parser(
        "topics",
        help="create, list and delete notification topics",
        description=(
            "Topics are what pipelines publish job notifications to (their Notifications "
            "settings name topic ARNs) and what HTTP endpoints subscribe to."
        ),
    )
    verbs = topics.add_subparsers(dest="topics_command", metavar="ACTION", required=True)
    create = verbs.add_parser("create", help="create a topic (or find it) and print its ARN")
    create.add_argument("name", metavar="NAME", help="1-256 letters, digits, - and _")
    create.add_argument(
        "--owner",
        required=True,
        metavar="USER",
        help="username of the topic's owner: only they (and superusers) may name it in a pipeline",
    )
    create.add_argument("--region", help="region in the ARN (default: MEDIAMILL_REGION)")
    create.set_defaults(handler=run_topics_create)
    listing = verbs.add_parser("list", help="list topics")
    add_json_flag(listing)
    listing.set_defaults(handler=run_topics_list)
    delete = verbs.add_parser("delete", help="delete a topic and its subscriptions")
    delete.add_argument("arn", metavar="TOPIC_ARN")
    delete.set_defaults(handler=run_topics_delete)

    subscribe = subparsers.add_parser(
        "subscribe",
        help="subscribe an HTTP(S) endpoint to a topic",
        description=(
            "The endpoint is sent a SubscriptionConfirmation at once and nothing else until "
            "its SubscribeURL is visited (a GET). Unconfirmed subscriptions expire after 3 days."
        ),
    )
    subscribe.add_argument("topic_arn", metavar="TOPIC_ARN")
    subscribe.add_argument("url", metavar="URL")
    subscribe.add_argument(
        "--standard-webhooks",
        action="store_true",
        help="sign with Standard Webhooks headers (HMAC) instead of SNS signatures; "
        "prints the secret",
    )
    subscribe.set_defaults(handler=run_subscribe)

    subscriptions = subparsers.add_parser("subscriptions", help="list subscriptions")
    sub_verbs = subscriptions.add_subparsers(dest="subs_command", metavar="ACTION", required=True)
    sub_list = sub_verbs.add_parser("list", help="list subscriptions")
    sub_list.add_argument("--topic", metavar="TOPIC_ARN", help="only this topic's")
    add_json_flag(sub_list)
    sub_list.set_defaults(handler=run_subscriptions_list)

    unsubscribe = subparsers.add_parser(
        "unsubscribe", help="end a subscription (it is sent an UnsubscribeConfirmation)"
    )
    unsubscribe.add_argument("subscription_arn", metavar="SUBSCRIPTION_ARN")
    unsubscribe.set_defaults(handler=run_unsubscribe)

    deliveries = subparsers.add_parser("deliveries", help="the notification delivery log")
    del_verbs = deliveries.add_subparsers(dest="del_command", metavar="ACTION", required=True)
    del_list = del_verbs.add_parser(
        "list", help="list deliveries, newest first: attempts, last answer, next attempt"
    )
    del_list.add_argument(
        "--status", choices=["Pending", "Delivered", "Failed", "Canceled"], help="only these"
    )
    del_list.add_argument("--job", metavar="JOB_ID", help="only this job's")
    del_list.add_argument("--limit", type=int, default=50, help="at most this many")
    add_json_flag(del_list)
    del_list.set_defaults(handler=run_deliveries_list)

    notifications = subparsers.add_parser(
        "notifications", help="manage the key that signs notifications"
    )
    n_verbs = notifications.add_subparsers(dest="n_command", metavar="ACTION", required=True)
    rotate = n_verbs.add_parser(
        "rotate-key",
        help="sign with a new key from now on (the old certificate stays served)",
    )
    rotate.set_defaults(handler=run_rotate_key)


def run_topics_create(args: argparse.Namespace) -> int:
    open_database()

    from mediamill.notifications import topics

    owner = find_user(args.owner)
    print(topics.create_topic(args.name, owner=owner, region=args.region).arn)
    return 0


def run_topics_list(args: argparse.Namespace) -> int:
    open_database()
    from django.db.models import Count, Q

    from mediamill.notifications import topics
    from mediamill.notifications.models import SubscriptionStatus

    rows = topics.list_topics().annotate(
        confirmed=Count(
            "subscriptions", filter=Q(subscriptions__status=SubscriptionStatus.CONFIRMED)
        )
    )
    if args.json:
        print_json(
            [
                {"arn": t.arn, "owner": t.owner.username, "confirmed_subscriptions": t.confirmed}
                for t in rows
            ]
        )
        return 0
    print_table(
        ["ARN", "OWNER", "CONFIRMED SUBSCRIPTIONS"],
        [(t.arn, t.owner.username, t.confirmed) for t in rows],
        empty="no topics (create one with `mediamill topics create NAME --owner USER`)",
    )
    return 0


def run_topics_delete(args: argparse.Namespace) -> int:
    open_database()
    from mediamill.notifications import topics

    topics.delete_topic(args.arn)
    print(f"deleted {args.arn}")
    return 0


def run_subscribe(args: argparse.Namespace) -> int:
    open_database()
    from mediamill.notifications import topics

    subscription, secret = topics.subscribe(
        args.topic_arn, args.url, standard_webhooks=args.standard_webhooks
    )
    print(subscription.arn)
    print(f"status: {subscription.status} (visit the SubscribeURL sent to {args.url})")
    if secret:
        print(f"webhook secret: {secret}")
    return 0


def run_subscriptions_list(args: argparse.Namespace) -> int:
    open_database()
    from mediamill.notifications import topics

    rows = list(topics.list_subscriptions(args.topic))
    if args.json:
        print_json(
            [
                {
                    "arn": sub.arn,
                    "status": sub.status,
                    "signing": sub.signing,
                    "endpoint": sub.endpoint,
                }
                for sub in rows
            ]
        )
        return 0
    print_table(
        ["ARN", "STATUS", "SIGNING", "ENDPOINT"],
        [(sub.arn, sub.status, sub.signing, sub.endpoint) for sub in rows],
        empty="no subscriptions (`mediamill subscribe TOPIC_ARN URL` makes one)",
    )
    return 0


def run_unsubscribe(args: argparse.Namespace) -> int:
    open_database()
    from mediamill.notifications import topics

    topics.unsubscribe(args.subscription_arn)
    print(f"unsubscribed {args.subscription_arn}")
    return 0


def run_deliveries_list(args: argparse.Namespace) -> int:
    open_database()
    from mediamill.notifications.models import Delivery

    rows = Delivery.objects.select_related("subscription").order_by("-id")
    if args.status:
        rows = rows.filter(status=args.status)
    if args.job:
        rows = rows.filter(job_id=args.job)
    found = list(rows[: max(args.limit, 0)])
    if args.json:
        print_json([_delivery_json(d) for d in found])
        return 0
    print_table(
        [
            "ID",
            "JOB",
            "MESSAGE",
            "STATUS",
            "TRIES",
            "LAST",
            "NEXT ATTEMPT / DELIVERED",
            "ENDPOINT / LAST ERROR",
        ],
        [
            (
                d.id,
                d.job_id,
                d.state or d.message_type,
                d.status,
                d.attempts,
                d.last_status_code,
                timestamp(d.delivered_at or d.next_attempt_at)
                if d.status in ("Pending", "Delivered")
                else None,
                d.subscription.endpoint
                + (f"  ({d.last_error})" if d.last_error and d.status != "Delivered" else ""),
            )
            for d in found
        ],
        empty="no deliveries",
    )
    return 0


def _delivery_json(d: Any) -> dict[str, Any]:
    return {
        "id": d.id,
        "job": d.job_id or None,
        "message": d.state or d.message_type,
        "status": d.status,
        "attempts": d.attempts,
        "last_status_code": d.last_status_code,
        "last_error": d.last_error or None,
        "next_attempt_at": d.next_attempt_at,
        "delivered_at": d.delivered_at,
        "endpoint": d.subscription.endpoint,
        "subscription": d.subscription.arn,
    }


def run_rotate_key(args: argparse.Namespace) -> int:
    open_database()
    from mediamill.notifications import signing_keys

    key = signing_keys.rotate()
    print(f"signing with a new key; its certificate: {key.cert_url}")
    return 0
