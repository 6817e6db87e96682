"""Running a handler rule's function, as Lambda would, in a child process with limits.

``run_pending`` takes Pending events of handler rules (a conditional ``UPDATE`` with a lease
decides which thread or process runs each, as for jobs), ``run_event`` runs one:

- a fresh interpreter (``handler_child``) with an address-space limit
  (``MEDIAMILL_TRIGGER_HANDLER_MEMORY_MB``), killed with its process group after
  ``MEDIAMILL_TRIGGER_HANDLER_TIMEOUT`` seconds;
- an environment of its own, nothing inherited but PATH and the locale: boto3's
  ``elastictranscoder`` client reaches this server (``AWS_ENDPOINT_URL_ELASTIC_TRANSCODER``:
  ``MEDIAMILL_PUBLIC_URL``) with an access key issued to the rule's owner, and finds the
  service model on ``AWS_DATA_PATH`` (boto3 dropped the client after botocore 1.42.17);
- its return value, stdout, stderr and any exception go to the event, each cut to
  ``MEDIAMILL_TRIGGER_HANDLER_OUTPUT_KB``.

A handler that hangs or runs out of memory fails its own event, nothing else.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from mediamill import settings
from mediamill.accounts import access_keys
from mediamill.errors import ConfigurationError
from mediamill.jobs.models import Job, now_ms
from mediamill.triggers.models import Event, Outcome, Rule

log = logging.getLogger(__name__)

_LEASE_MS = 60_000  # added to the handler timeout


@dataclass(frozen=True)
class HandlerResult:
    ok: bool
    value: Any  # the return value (JSON), when ok
    error: str  # "TypeName: message", when not ok
    traceback: str
    stdout: str
    stderr: str
    seconds: float

    def report(self) -> str:
        """The event's detail: what the handler returned or raised, then what it printed."""
        head = f"returned {json.dumps(self.value)}" if self.ok else f"raised {self.error}"
        parts = [f"{head} ({self.seconds:.2f} s)"]
        if not self.ok and self.traceback:
            parts.append("traceback:\n" + self.traceback)
        if self.stdout:
            parts.append("stdout:\n" + self.stdout)
        if self.stderr:
            parts.append("stderr:\n" + self.stderr)
        return "\n".join(parts)


def run_pending(worker_id: str, limit: int = 1) -> int:
    """Run up to ``limit`` Pending handler events; returns how many were run."""
    done = 0
    candidates = Event.objects.filter(
        outcome=Outcome.PENDING, rule__handler_path__gt=""
    ).values_list("pk", flat=True)[: limit * 4]
    for pk in candidates:
        if done >= limit:
            break
        if claim(pk, worker_id):
            run_event(Event.objects.select_related("rule", "rule__owner").get(pk=pk))
            done += 1
    return done


def run_event(event: Event) -> HandlerResult:
    """Run the event's handler and record the outcome on the event."""
    rule = event.rule
    assert rule is not None and rule.is_handler
    started = now_ms()
    result = run_handler(rule, event.payload, request_id=f"{event.pk}-{uuid.uuid4().hex[:8]}")
    jobs = _jobs_made(rule, event.key, started)
    event.outcome = Outcome.HANDLED if result.ok else Outcome.ERROR
    event.detail = result.report()
    if jobs:
        event.job_id = jobs[0]
        event.detail = f"job(s) created for this key: {', '.join(jobs)}\n{event.detail}"
    event.finished = timezone.now()
    event.claimed_by = ""
    event.save(update_fields=["outcome", "detail", "finished", "claimed_by", "job_id"])
    return result


def _jobs_made(rule: Rule, key: str, since: int) -> list[str]:
    """The jobs the handler made for the event's own key, to bound chains through them.

    A handler creates jobs through the API, which cannot tell its calls from others; the
    jobs its owner submitted for this input key while it ran are taken as its own. Jobs it
    makes for other keys are not linked: their outputs count as uploads.
    """
    jobs = Job.objects.filter(
        owner=rule.owner, input__Key=key, submit_time_millis__gte=since
    ).order_by("submit_time_millis")
    return list(jobs.values_list("id", flat=True))


def run_handler(rule: Rule, event: dict[str, Any], request_id: str) -> HandlerResult:
    """Call the rule's function with ``event`` in a child process; never raises for what the
    handler does (only for a server that cannot run handlers at all)."""
    timeout = settings.get("MEDIAMILL_TRIGGER_HANDLER_TIMEOUT")
    memory_mb = settings.get("MEDIAMILL_TRIGGER_HANDLER_MEMORY_MB")
    cap = settings.get("MEDIAMILL_TRIGGER_HANDLER_OUTPUT_KB") * 1024
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="mediamill-handler-") as work:
        result_path = os.path.join(work, "result.json")
        job = {
            "path": rule.handler_path,
            "function": rule.handler_function,
            "event": event,
            "deadline": started + timeout,
            "result": result_path,
            "limits": {"memory": memory_mb * 1024 * 1024, "file_size": max(cap * 16, 1 << 24)},
            "context": {
                "function_name": rule.name,
                "invoked_function_arn": f"arn:aws:lambda:{settings.get('MEDIAMILL_REGION')}:"
                f"000000000000:function:{rule.name}",
                "memory_limit_in_mb": memory_mb,
                "aws_request_id": request_id,
            },
        }
        stdout_path, stderr_path = os.path.join(work, "stdout"), os.path.join(work, "stderr")
        with open(stdout_path, "wb") as out, open(stderr_path, "wb") as err:
            child = subprocess.Popen(
                [sys.executable, "-m", "mediamill.triggers.handler_child"],
                stdin=subprocess.PIPE,
                stdout=out,
                stderr=err,
                env=handler_environment(rule, work),
                cwd=work,
                start_new_session=True,
            )
            timed_out = False
            try:
                child.communicate(json.dumps(job).encode(), timeout=timeout)
            except subprocess.TimeoutExpired:
                timed_out = True
                os.killpg(child.pid, signal.SIGKILL)
                child.wait()
        seconds = time.time() - started
        stdout, stderr = _read_capped(stdout_path, cap), _read_capped(stderr_path, cap)
        if timed_out:
            return HandlerResult(
                False,
                None,
                f"Timeout: still running after {timeout:g} s; killed",
                "",
                stdout,
                stderr,
                seconds,
            )
        try:
            with open(result_path, encoding="utf-8") as answer:
                outcome = json.load(answer)
        except (OSError, ValueError):
            code = child.returncode
            why = f"killed by signal {-code}" if code and code < 0 else f"exit status {code}"
            return HandlerResult(
                False,
                None,
                f"HandlerDied: the handler's process ended without an answer "
                f"({why}; out of memory past {memory_mb} MiB?)",
                "",
                stdout,
                stderr,
                seconds,
            )
    if outcome["ok"]:
        value = outcome["value"]
        if len(json.dumps(value)) > cap:
            value = _cut(json.dumps(value), cap)
        return HandlerResult(True, value, "", "", stdout, stderr, seconds)
    return HandlerResult(
        False,
        None,
        _cut(outcome["error"], cap),
        _cut(outcome["traceback"], cap),
        stdout,
        stderr,
        seconds,
    )


def handler_environment(rule: Rule, home: str) -> dict[str, str]:
    """A clean environment: this server as the Elastic Transcoder endpoint, the owner's key."""
    if rule.owner is None:
        raise ConfigurationError(f"trigger {rule.name!r} has no owner to issue a key to")
    key_id, secret = _owner_key(rule)
    region = settings.get("MEDIAMILL_REGION")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": home,
        "LANG": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "AWS_ENDPOINT_URL_ELASTIC_TRANSCODER": settings.get("MEDIAMILL_PUBLIC_URL"),
        "AWS_ACCESS_KEY_ID": key_id,
        "AWS_SECRET_ACCESS_KEY": secret,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_DATA_PATH": str(service_model_path()),
        "AWS_LAMBDA_FUNCTION_NAME": rule.name,
        "AWS_EC2_METADATA_DISABLED": "true",  # no credential search beyond the key above
    }
    # The child must import mediamill.triggers.handler_child from where this server runs.
    package_root = Path(__file__).resolve().parents[2]
    env["PYTHONPATH"] = str(package_root)
    return env


def service_model_path() -> Path:
    """The folder botocore's loader reads ``elastictranscoder/2012-09-25/service-2.json``
    (and its paginators and waiters) from: the vendored model, in botocore's own layout."""
    return Path(str(resources.files("mediamill.servicemodel").joinpath("data")))


def _owner_key(rule: Rule) -> tuple[str, str]:
    """The access key issued for this rule (made on first use, made again if revoked)."""
    description = f"trigger {rule.name}"
    for key in access_keys.list_keys(rule.owner).filter(
        description=description, revoked__isnull=True
    ):
        found = access_keys.lookup(key.id)
        if found is not None:
            return key.id, found[1]
    return access_keys.create_key(rule.owner, description=description)  # type: ignore[arg-type]


def lease_until(now: int) -> int:
    """When a claim taken at ``now`` (epoch ms) runs out: the handler's timeout and a margin."""
    return now + int(settings.get("MEDIAMILL_TRIGGER_HANDLER_TIMEOUT") * 1000) + _LEASE_MS


def claim(pk: int, worker_id: str) -> bool:
    """Take a Pending event for running: True for exactly one caller until its lease ends."""
    now = now_ms()
    lease = lease_until(now)
    with transaction.atomic():
        from django.db.models import Q

        won = Event.objects.filter(
            Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now),
            pk=pk,
            outcome=Outcome.PENDING,
        ).update(claimed_by=worker_id[:200], lease_expires_at=lease)
    return won == 1


def _read_capped(path: str, cap: int) -> str:
    with open(path, "rb") as stream:
        data = stream.read(cap + 1)
        rest = os.fstat(stream.fileno()).st_size - cap
    text = data[:cap].decode("utf-8", errors="replace")
    return text + f"\n[... {rest} more bytes cut]" if rest > 0 else text


def _cut(text: str, cap: int) -> str:
    return (
        text if len(text) <= cap else text[:cap] + f"\n[... {len(text) - cap} more characters cut]"
    )
