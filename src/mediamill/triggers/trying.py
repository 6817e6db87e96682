"""``triggers test``: what a rule does with an S3 event, like the Lambda console's test.

Without ``run`` nothing is changed: a declarative rule shows the jobs it would create (the
requests, as CreateJob would take them), a handler rule the event it would be called with.
With ``run`` the rule fires for real: jobs through ``dispatch`` (once per object version, as
ever), the handler at once in its child process; both recorded in the history.
"""

from __future__ import annotations

from typing import Any

from mediamill.errors import ValidationError
from mediamill.polling import new_worker_id
from mediamill.triggers import dispatch, handlers, rules, s3events
from mediamill.triggers.models import Event, Outcome


def try_rule(name: str, body: bytes, *, run: bool) -> list[dict[str, Any]]:
    rule = rules.get_rule(name)
    notification = s3events.parse(body)
    if notification.kind != "records":
        raise ValidationError(
            f"the event has no Records (it is an SNS or S3 {notification.kind} message)"
        )
    outcomes = []
    for record in notification.records:
        outcome: dict[str, Any] = {"bucket": record.bucket, "key": record.key}
        if not record.created:
            outcome["result"] = f"skipped: {record.event_name} starts nothing"
        elif not rule.matches(record.bucket, record.key):
            outcome["result"] = f"skipped: not in bucket {rule.bucket!r} under {rule.prefix!r}" + (
                f" ending {rule.suffix!r}" if rule.suffix else ""
            )
        elif not run:
            outcome["result"] = "would fire (use --run to do it)"
            if rule.is_handler:
                outcome["handler"] = {
                    "would_call": f"{rule.handler_function}(event, context)",
                    "event": {"Records": [record.raw]},
                }
            else:
                outcome["would_create"] = dispatch.job_request(rule, record.key).to_wire()
        else:
            outcome.update(_run(rule, record))
        outcomes.append(outcome)
    return outcomes


def _run(rule: Any, record: s3events.Record) -> dict[str, Any]:
    arrival = dispatch.Arrival(
        record.bucket, record.key, record.version, record.size, source="test", record=record.raw
    )
    made = dispatch.fire(arrival, [rule], claim_for=new_worker_id())
    if not made:
        existing = Event.objects.filter(
            rule=rule, bucket=record.bucket, key=record.key, version=record.version
        ).first()
        seen = (
            f" ({existing.outcome}: {existing.job_id or existing.detail[:200]})" if existing else ""
        )
        return {"result": f"already fired for this object version{seen}"}
    event = made[0]
    if event.outcome == Outcome.PENDING and rule.is_handler:
        result = handlers.run_event(event)
        return {
            "result": "handler returned" if result.ok else "handler failed",
            "handler": {"detail": event.detail, "value": result.value},
        }
    return {"result": f"{event.outcome}: {event.detail}", "job": event.job_id or None}
