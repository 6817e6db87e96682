"""``mediamill pipelines create|list|show|pause|resume|delete``: pipelines from the shell.

The command line acts as the server's administrator: it sees every pipeline. ``--owner``
gives a new pipeline to a user, who is then held to the same rules as through the API
(their buckets and topics only).
"""

from __future__ import annotations

import argparse
from typing import Any

from mediamill.cli.common import find_user, open_database
from mediamill.cli.output import add_json_flag, print_fields, print_json, print_table, timestamp

#: Elastic Transcoder requires an IAM role ARN; mediamill keeps it without using it.
DEFAULT_ROLE = "arn:aws:iam::000000000000:role/mediamill"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "pipelines",
        help="create, list, show, pause, resume and delete pipelines",
        description="A pipeline names the bucket jobs read from and the one they write to, "
        "and the topics told about each job's state.",
    )
    verbs = parser.add_subparsers(dest="pipelines_command", metavar="ACTION", required=True)

    create = verbs.add_parser(
        "create",
        help="create a pipeline and print its ID",
        description="Create an Active pipeline, as CreatePipeline does.",
    )
    create.add_argument("name", metavar="NAME", help="1-40 characters")
    create.add_argument(
        "--input-bucket", required=True, metavar="BUCKET", help="the bucket inputs are read from"
    )
    create.add_argument(
        "--output-bucket", required=True, metavar="BUCKET", help="the bucket outputs are written to"
    )
    create.add_argument(
        "--owner",
        metavar="USER",
        help="the user it belongs to (default: nobody, "
        "a shared pipeline every user may run jobs on)",
    )
    create.add_argument("--role", default=DEFAULT_ROLE, help="IAM role ARN (kept, not used)")
    for state in ("progressing", "completed", "warning", "error"):
        create.add_argument(
            f"--notify-{state}",
            default="",
            metavar="TOPIC_ARN",
            help=f"topic told when a job is {state.capitalize()} (see `mediamill topics`)",
        )
    add_json_flag(create)
    create.set_defaults(handler=run_create)

    listing = verbs.add_parser("list", help="list pipelines")
    listing.add_argument("--owner", metavar="USER", help="only this user's")
    add_json_flag(listing)
    listing.set_defaults(handler=run_list)

    show = verbs.add_parser("show", help="show one pipeline")
    show.add_argument("pipeline_id", metavar="PIPELINE_ID")
    add_json_flag(show)
    show.set_defaults(handler=run_show)

    for verb, status, text in (
        ("pause", "Paused", "stop starting its jobs (running ones finish)"),
        ("resume", "Active", "start its jobs again"),
    ):
        command = verbs.add_parser(verb, help=text)
        command.add_argument("pipeline_id", metavar="PIPELINE_ID")
        add_json_flag(command)
        command.set_defaults(handler=run_update_status, status=status)

    delete = verbs.add_parser(
        "delete", help="delete a pipeline and its finished jobs (refused while jobs are pending)"
    )
    delete.add_argument("pipeline_id", metavar="PIPELINE_ID")
    delete.set_defaults(handler=run_delete)


def pipeline_json(row: Any) -> dict[str, Any]:
    """Elastic Transcoder's Pipeline object, as ReadPipeline answers it (ARNs in the region of
    MEDIAMILL_REGION and the owner's account)."""
    from mediamill.api import responses

    return responses.pipeline(row, cli_caller())


def cli_caller() -> Any:
    """Who the JSON output is shown to: the administrator (account 0) in MEDIAMILL_REGION."""
    from django.contrib.auth import get_user_model

    from mediamill import settings
    from mediamill.api.http import Caller

    return Caller(user=get_user_model()(pk=0), region=settings.get("MEDIAMILL_REGION"))


def run_create(args: argparse.Namespace) -> int:
    open_database()
    from mediamill.jobs.pipelines import create_pipeline
    from mediamill.jobs.requests import Notifications, PipelineRequest

    owner = find_user(args.owner) if args.owner else None
    notifications = Notifications(
        progressing=args.notify_progressing,
        completed=args.notify_completed,
        warning=args.notify_warning,
        error=args.notify_error,
    )
    request = PipelineRequest(
        name=args.name,
        input_bucket=args.input_bucket,
        output_bucket=args.output_bucket,
        role=args.role,
        notifications=notifications,
    )
    pipeline = create_pipeline(request, owner)
    if args.json:
        print_json(pipeline_json(pipeline))
    else:
        print(pipeline.id)
    return 0


def run_list(args: argparse.Namespace) -> int:
    open_database()
    from mediamill.jobs.models import Pipeline

    rows = Pipeline.objects.select_related("owner").order_by("created", "id")
    if args.owner:
        rows = rows.filter(owner=find_user(args.owner))
    if args.json:
        print_json([pipeline_json(row) for row in rows])
        return 0
    print_table(
        ["ID", "NAME", "STATUS", "OWNER", "INPUT", "OUTPUT"],
        [(p.id, p.name, p.status, _owner(p), p.input_bucket, p.content_bucket) for p in rows],
        empty="no pipelines (create one with `mediamill pipelines create`)",
    )
    return 0


def run_show(args: argparse.Namespace) -> int:
    open_database()
    pipeline = _get(args.pipeline_id)
    if args.json:
        print_json(pipeline_json(pipeline))
        return 0
    _print_pipeline(pipeline)
    return 0


def run_update_status(args: argparse.Namespace) -> int:
    open_database()
    from mediamill.jobs.pipelines import update_status

    pipeline = update_status(args.pipeline_id, args.status)
    if args.json:
        print_json(pipeline_json(pipeline))
    else:
        print(f"{pipeline.id}: {pipeline.status}")
    return 0


def run_delete(args: argparse.Namespace) -> int:
    open_database()
    from mediamill.jobs.pipelines import delete_pipeline

    delete_pipeline(args.pipeline_id)
    print(f"deleted {args.pipeline_id}")
    return 0


def _get(pipeline_id: str) -> Any:
    from mediamill.errors import NotFoundError
    from mediamill.jobs.models import Pipeline

    pipeline = Pipeline.objects.select_related("owner").filter(pk=pipeline_id).first()
    if pipeline is None:
        raise NotFoundError(f"no pipeline {pipeline_id!r} (see `mediamill pipelines list`)")
    return pipeline


def _owner(pipeline: Any) -> str | None:
    return pipeline.owner.username if pipeline.owner else None


def _print_pipeline(p: Any) -> None:
    topics = [(f"notify {state}", arn) for state, arn in p.notifications.items()]
    print_fields(
        [
            ("id", p.id),
            ("name", p.name),
            ("status", p.status),
            ("owner", _owner(p) or "(shared)"),
            ("input bucket", p.input_bucket),
            ("output bucket", p.content_bucket),
            ("role", p.role),
            *topics,
            ("created", timestamp(p.created)),
        ]
    )
