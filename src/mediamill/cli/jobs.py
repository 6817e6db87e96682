"""``mediamill jobs create|list|show|watch|cancel``: jobs from the shell.

As with pipelines, the command line acts as the administrator and sees every job; a job it
creates belongs to ``--owner`` (held to that user's rules) or to nobody.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path, PurePosixPath
from typing import Any

from mediamill.cli.common import find_user, open_database
from mediamill.cli.output import add_json_flag, print_fields, print_json, print_table, timestamp
from mediamill.errors import MediamillError, NotFoundError, ValidationError

FINISHED = ("Complete", "Canceled", "Error")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "jobs",
        help="create, list, show, watch and cancel jobs",
        description="A job turns one input object of a pipeline's input bucket into one "
        "output per preset in its output bucket.",
    )
    verbs = parser.add_subparsers(dest="jobs_command", metavar="ACTION", required=True)

    create = verbs.add_parser(
        "create",
        help="create a job and print its ID",
        description="Create a job, as CreateJob does. Each -p names a preset and, after '=', "
        "the output's key; without one the key is the input's name with the preset's "
        "extension (media/song.mp3 -> song.flac).",
    )
    create.add_argument("pipeline_id", metavar="PIPELINE_ID")
    create.add_argument("input_key", metavar="INPUT_KEY", help="object key in the input bucket")
    create.add_argument(
        "-p",
        "--preset",
        dest="outputs",
        action="append",
        required=True,
        metavar="PRESET_ID[=KEY]",
        help="one output (repeat for several); see `mediamill presets list`",
    )
    create.add_argument("--prefix", default="", help="OutputKeyPrefix, e.g. processed/")
    create.add_argument(
        "--owner", metavar="USER", help="the user it is created for (default: nobody)"
    )
    create.add_argument(
        "--watch", action="store_true", help="then show its progress until it finishes"
    )
    add_json_flag(create)
    create.set_defaults(handler=run_create)

    listing = verbs.add_parser("list", help="list jobs, newest first")
    listing.add_argument("--pipeline", metavar="PIPELINE_ID", help="only this pipeline's")
    listing.add_argument(
        "--status", choices=["Submitted", "Progressing", "Complete", "Canceled", "Error"]
    )
    listing.add_argument("--limit", type=int, default=50, help="at most this many")
    add_json_flag(listing)
    listing.set_defaults(handler=run_list)

    show = verbs.add_parser("show", help="show one job and its outputs")
    show.add_argument("job_id", metavar="JOB_ID")
    add_json_flag(show)
    show.set_defaults(handler=run_show)

    watch = verbs.add_parser(
        "watch",
        help="show a job's progress until it finishes",
        description="Draw the job's progress (a bar on a terminal, a line every 10%% "
        "otherwise) until it is Complete (exit status 0), Error or Canceled (1).",
    )
    watch.add_argument("job_id", metavar="JOB_ID")
    watch.add_argument("--interval", type=float, default=0.5, help="seconds between looks")
    watch.add_argument(
        "--timeout", type=float, default=0.0, help="give up after this many seconds (0: never)"
    )
    watch.set_defaults(handler=run_watch)

    cancel = verbs.add_parser("cancel", help="cancel a job that has not started")
    cancel.add_argument("job_id", metavar="JOB_ID")
    cancel.set_defaults(handler=run_cancel)


def job_json(row: Any) -> dict[str, Any]:
    """Elastic Transcoder's Job object, as ReadJob answers it (with ``Progress``)."""
    from mediamill.api import responses
    from mediamill.cli.pipelines import cli_caller

    return responses.job(row, cli_caller())


def parse_outputs(input_key: str, values: list[str]) -> list[tuple[str, str]]:
    """``PRESET_ID[=KEY]`` arguments as ``(preset_id, key)`` pairs."""
    from mediamill.cli.transcode import output_names
    from mediamill.presets import SYSTEM_PRESETS

    pairs = [value.partition("=")[::2] for value in values]
    missing = [preset for preset, key in pairs if not key]
    if missing:
        unknown = [p for p in missing if p not in SYSTEM_PRESETS]
        if unknown:
            raise ValidationError(
                f"give the output key of custom preset {unknown[0]} as {unknown[0]}=KEY"
            )
        name = Path(PurePosixPath(input_key).name)
        extensions = [(p, SYSTEM_PRESETS[p].extension) for p in missing]
        names = iter(output_names(name, extensions))
        pairs = [(p, key or next(names)) for p, key in pairs]
    return pairs


def run_create(args: argparse.Namespace) -> int:
    open_database()
    from mediamill.jobs.requests import JobInput, JobRequest, RequestedOutput
    from mediamill.jobs.service import create_job

    owner = find_user(args.owner) if args.owner else None
    outputs = parse_outputs(args.input_key, args.outputs)
    request = JobRequest(
        pipeline_id=args.pipeline_id,
        input=JobInput(key=args.input_key),
        outputs=tuple(RequestedOutput(key=key, preset_id=preset) for preset, key in outputs),
        output_key_prefix=args.prefix,
    )
    job = create_job(request, owner)
    if args.json and not args.watch:
        print_json(job_json(job))
    else:
        print(job.id)
    if args.watch:
        return _watch(job.id, interval=0.5, timeout=0.0, as_json=args.json)
    return 0


def run_list(args: argparse.Namespace) -> int:
    open_database()
    from mediamill.jobs.models import Job

    rows = Job.objects.order_by("-submit_time_millis", "-id").prefetch_related("outputs")
    if args.pipeline:
        rows = rows.filter(pipeline_id=args.pipeline)
    if args.status:
        rows = rows.filter(status=args.status)
    found = list(rows[: max(args.limit, 0)])
    if args.json:
        print_json([job_json(row) for row in found])
        return 0
    print_table(
        ["ID", "STATUS", "PROGRESS", "PIPELINE", "INPUT", "OUTPUTS", "SUBMITTED"],
        [
            (
                j.id,
                j.status,
                f"{j.progress}%",
                j.pipeline_id,
                j.input_key,
                len(j.outputs.all()),
                timestamp(j.submit_time_millis),
            )
            for j in found
        ],
        empty="no jobs (create one with `mediamill jobs create`)",
    )
    return 0


def run_show(args: argparse.Namespace) -> int:
    open_database()
    job = _get(args.job_id)
    if args.json:
        print_json(job_json(job))
        return 0
    _print_job(job)
    return 0


def run_watch(args: argparse.Namespace) -> int:
    open_database()
    _get(args.job_id)
    return _watch(args.job_id, interval=args.interval, timeout=args.timeout, as_json=False)


def run_cancel(args: argparse.Namespace) -> int:
    open_database()
    from mediamill.jobs.service import cancel

    cancel(args.job_id)
    print(f"canceled {args.job_id}")
    return 0


def _watch(job_id: str, *, interval: float, timeout: float, as_json: bool) -> int:
    from mediamill.cli.transcode import ProgressReport
    from mediamill.jobs.models import Job

    job = _get(job_id)
    report = ProgressReport(sys.stderr, f"job {job_id}", job.outputs.count())
    deadline = time.monotonic() + timeout if timeout > 0 else None
    try:
        while True:
            job = Job.objects.get(pk=job_id)
            if job.status != "Submitted":
                report.update(job.progress)
            if job.status in FINISHED:
                break
            if deadline is not None and time.monotonic() > deadline:
                raise MediamillError(
                    f"job {job_id} is still {job.status} after {timeout:g} s "
                    f"(`mediamill jobs watch {job_id}` to keep watching)"
                )
            time.sleep(interval)
    finally:
        report.close()
    job = _get(job_id)
    if as_json:
        print_json(job_json(job))
    else:
        _print_job(job)
    if job.status != "Complete":
        detail = f": {job.status_detail}" if job.status_detail else ""
        raise MediamillError(f"job {job_id} ended {job.status}{detail}")
    return 0


def _get(job_id: str) -> Any:
    from mediamill.jobs.models import Job

    job = Job.objects.filter(pk=job_id).prefetch_related("outputs").first()
    if job is None:
        raise NotFoundError(f"no job {job_id!r} (see `mediamill jobs list`)")
    return job


def _print_job(job: Any) -> None:
    print_fields(
        [
            ("id", job.id),
            ("status", f"{job.status} {job.status_detail}".strip()),
            ("progress", f"{job.progress}%"),
            ("pipeline", job.pipeline_id),
            ("input", job.input_key),
            ("prefix", job.output_key_prefix),
            ("submitted", timestamp(job.submit_time_millis)),
            ("started", timestamp(job.start_time_millis)),
            ("finished", timestamp(job.finish_time_millis)),
        ]
    )
    print()
    print_table(
        ["OUTPUT", "KEY", "PRESET", "STATUS", "SIZE", "DURATION", "DETAIL"],
        [
            (
                o.wire_id,
                job.output_key_prefix + o.key,
                o.preset_id,
                o.status,
                o.file_size,
                None if o.duration_millis is None else f"{o.duration_millis / 1000:.2f} s",
                o.status_detail,
            )
            for o in job.outputs.all()
        ],
        empty="no outputs",
    )
