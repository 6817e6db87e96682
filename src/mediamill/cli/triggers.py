"""``mediamill triggers``: rules that start jobs when objects land, their event history,
the event sources that may post to /events/s3, and trying a rule on an event."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from mediamill.cli.common import find_user, open_database
from mediamill.errors import MediamillError, ValidationError


def register(subparsers: Any) -> None:
    triggers = subparsers.add_parser(
        "triggers",
        help="rules that start jobs when a file lands in a bucket",
        description=(
            "A trigger fires when an object lands in its bucket under its prefix (and ends "
            "with its suffix): stored through mediamill, announced by an S3 server at "
            "/events/s3, or found in a watched bucket. It creates jobs from a pipeline and "
            "output key templates, or runs a handler function as Lambda would."
        ),
    )
    verbs = triggers.add_subparsers(dest="triggers_command", metavar="ACTION", required=True)

    add = verbs.add_parser("add", help="add a trigger")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--bucket", required=True, metavar="B")
    add.add_argument("--prefix", default="", metavar="P", help="key prefix, e.g. media/")
    add.add_argument("--suffix", default="", metavar="S", help="key suffix, e.g. .mp3")
    add.add_argument("--pipeline", default="", metavar="PIPELINE_ID")
    add.add_argument(
        "--output",
        action="append",
        default=[],
        metavar="PRESET_ID=KEY_TEMPLATE",
        help="an output, e.g. 1351620000001-300300=transcoded/{stem}.wav "
        "(fields: {key} {dir} {name} {stem} {ext}); repeat for more",
    )
    add.add_argument("--output-prefix", default="", metavar="PREFIX", help="OutputKeyPrefix")
    add.add_argument(
        "--metadata", action="append", default=[], metavar="NAME=TEMPLATE", help="UserMetadata"
    )
    add.add_argument(
        "--handler",
        dest="handler_spec",
        default="",
        metavar="FILE.py:FUNCTION",
        help="run this Lambda-style handler",
    )
    add.add_argument("--owner", metavar="USER", help="whose jobs these are (default: none)")
    add.add_argument(
        "--chain-depth",
        type=int,
        default=1,
        metavar="N",
        help="fire on objects up to N-1 triggered jobs deep (default 1: never on job outputs)",
    )
    add.add_argument("--disabled", action="store_true", help="add it disabled")
    add.set_defaults(handler=run_add)

    listing = verbs.add_parser("list", help="list triggers")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=run_list)
    show = verbs.add_parser("show", help="show one trigger")
    show.add_argument("name", metavar="NAME")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=run_show)
    for verb, help_text in (
        ("remove", "remove a trigger and its history"),
        ("enable", "enable a trigger (refused if it would close a loop)"),
        ("disable", "disable a trigger"),
    ):
        parser = verbs.add_parser(verb, help=help_text)
        parser.add_argument("name", metavar="NAME")
        parser.set_defaults(handler=run_change, verb=verb)

    events = verbs.add_parser("events", help="the event history, newest first")
    events.add_argument("name", nargs="?", metavar="NAME", help="only this trigger's")
    events.add_argument("--limit", type=int, default=50, help="at most this many (50)")
    events.add_argument("--json", action="store_true")
    events.set_defaults(handler=run_events)

    test = verbs.add_parser(
        "test",
        help="show what a trigger would do with an S3 event (like Lambda's console test)",
    )
    test.add_argument("name", metavar="NAME")
    test.add_argument("--event", required=True, type=Path, metavar="FILE", help="S3 event JSON")
    test.add_argument("--run", action="store_true", help="do it: create the jobs, run the handler")
    test.add_argument("--json", action="store_true")
    test.set_defaults(handler=run_test)

    sources = verbs.add_parser("sources", help="who may post S3 events to /events/s3")
    source_verbs = sources.add_subparsers(dest="sources_command", metavar="ACTION", required=True)
    create = source_verbs.add_parser("create", help="create an event source; prints its secret")
    create.add_argument("name", metavar="NAME")
    create.add_argument("--owner", metavar="USER", help="its events fire only this user's triggers")
    create.set_defaults(handler=run_sources_create)
    source_list = source_verbs.add_parser("list", help="list event sources")
    source_list.add_argument("--json", action="store_true")
    source_list.set_defaults(handler=run_sources_list)
    source_remove = source_verbs.add_parser("remove", help="remove an event source")
    source_remove.add_argument("name", metavar="NAME")
    source_remove.set_defaults(handler=run_sources_remove)


def run_add(args: argparse.Namespace) -> int:
    open_database()
    from mediamill.triggers import rules

    metadata = {}
    for item in args.metadata:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise ValidationError(f"--metadata {item!r}: expected NAME=TEMPLATE")
        metadata[name] = value
    request = rules.RuleRequest(
        name=args.name,
        bucket=args.bucket,
        prefix=args.prefix,
        suffix=args.suffix,
        pipeline_id=args.pipeline,
        outputs=tuple(rules.parse_output(text) for text in args.output),
        output_key_prefix=args.output_prefix,
        user_metadata=metadata,
        handler=args.handler_spec,
        chain_depth=args.chain_depth,
        enabled=not args.disabled,
    )
    owner = find_user(args.owner) if args.owner else None
    rule = rules.create_rule(request, owner)
    print(f"added trigger {rule.name}: {_summary(rule)}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    open_database()
    from mediamill.triggers import rules

    found = list(rules.visible_rules())
    if args.json:
        print(json.dumps([_rule_json(rule) for rule in found], indent=2))
        return 0
    if not found:
        print("no triggers (add one with `mediamill triggers add`)")
    for rule in found:
        state = "enabled" if rule.enabled else "disabled"
        print(f"{rule.name}  {state}  {_summary(rule)}")
    return 0


def run_show(args: argparse.Namespace) -> int:
    open_database()
    from mediamill.triggers import rules

    rule = rules.get_rule(args.name)
    data = _rule_json(rule)
    if args.json:
        print(json.dumps(data, indent=2))
        return 0
    for name, value in data.items():
        print(f"{name}: {value}")
    return 0


def run_change(args: argparse.Namespace) -> int:
    open_database()
    from mediamill.triggers import rules

    if args.verb == "remove":
        rules.remove_rule(args.name)
        print(f"removed trigger {args.name}")
    else:
        rules.set_enabled(args.name, args.verb == "enable")
        print(f"{args.verb}d trigger {args.name}")
    return 0


def run_events(args: argparse.Namespace) -> int:
    open_database()
    from mediamill.triggers import rules
    from mediamill.triggers.models import Event

    events = Event.objects.select_related("rule")
    if args.name:
        events = events.filter(rule=rules.get_rule(args.name))
    rows = list(events[: args.limit])
    if args.json:
        print(json.dumps([_event_json(event) for event in rows], indent=2))
        return 0
    if not rows:
        print("no events")
    for event in rows:
        rule = event.rule.name if event.rule else "-"
        what = f"job {event.job_id}" if event.job_id else event.detail.splitlines()[0][:160]
        print(
            f"{event.received:%Y-%m-%d %H:%M:%S}  {rule}  {event.bucket}/{event.key}  "
            f"{event.outcome}: {what}"
        )
    return 0


def run_test(args: argparse.Namespace) -> int:
    open_database()
    from mediamill.triggers import trying

    try:
        body = args.event.read_bytes()
    except OSError as exc:
        raise MediamillError(f"cannot read {str(args.event)!r}: {exc.strerror}") from exc
    outcomes = trying.try_rule(args.name, body, run=args.run)
    if args.json:
        print(json.dumps(outcomes, indent=2))
        return 0
    for outcome in outcomes:
        print(f"{outcome['bucket']}/{outcome['key']}: {outcome['result']}")
        for name in ("job", "would_create", "handler"):
            if outcome.get(name):
                print(json.dumps(outcome[name], indent=2))
    return 0


def run_sources_create(args: argparse.Namespace) -> int:
    open_database()
    from mediamill.triggers import sources

    owner = find_user(args.owner) if args.owner else None
    source, secret = sources.create_source(args.name, owner)
    print(f"event source {source.name} created; its secret (shown only now):")
    print(secret)
    return 0


def run_sources_list(args: argparse.Namespace) -> int:
    open_database()
    from mediamill.triggers.models import EventSource

    rows = list(EventSource.objects.select_related("owner").order_by("name"))
    data = [
        {
            "name": s.name,
            "owner": s.owner.username if s.owner else None,
            "created": s.created.isoformat(),
            "last_used": s.last_used.isoformat() if s.last_used else None,
        }
        for s in rows
    ]
    if args.json:
        print(json.dumps(data, indent=2))
        return 0
    if not rows:
        print("no event sources (create one with `mediamill triggers sources create NAME`)")
    for item in data:
        used = item["last_used"] or "never"
        print(f"{item['name']}  owner={item['owner'] or '-'}  last used {used}")
    return 0


def run_sources_remove(args: argparse.Namespace) -> int:
    open_database()
    from mediamill.triggers import sources

    sources.remove_source(args.name)
    print(f"removed event source {args.name}")
    return 0


def _summary(rule: Any) -> str:
    where = f"{rule.bucket}/{rule.prefix}*{rule.suffix}"
    if rule.is_handler:
        return f"{where} -> handler {rule.handler_path}:{rule.handler_function}"
    outputs = ", ".join(f"{o['preset_id']}={o['key_template']}" for o in rule.outputs)
    return f"{where} -> pipeline {rule.pipeline_id}: {outputs}"


def _rule_json(rule: Any) -> dict[str, Any]:
    return {
        "name": rule.name,
        "owner": rule.owner.username if rule.owner else None,
        "enabled": rule.enabled,
        "bucket": rule.bucket,
        "prefix": rule.prefix,
        "suffix": rule.suffix,
        "pipeline": rule.pipeline_id or None,
        "outputs": rule.outputs,
        "output_key_prefix": rule.output_key_prefix,
        "user_metadata": rule.user_metadata,
        "handler": f"{rule.handler_path}:{rule.handler_function}" if rule.is_handler else None,
        "chain_depth": rule.chain_depth,
    }


def _event_json(event: Any) -> dict[str, Any]:
    return {
        "id": event.pk,
        "received": event.received.isoformat(),
        "trigger": event.rule.name if event.rule else None,
        "bucket": event.bucket,
        "key": event.key,
        "version": event.version,
        "source": event.source,
        "outcome": event.outcome,
        "job": event.job_id or None,
        "detail": event.detail,
    }
