"""Creating, changing and listing trigger rules, with the checks that keep them sane.

A declarative rule is checked as its jobs will be (the pipeline is one the owner may run
jobs on, the presets exist for them, the bucket is theirs), and refused if its outputs
could land where they would fire it again: under its own prefix, or around a cycle of
enabled rules (``loops``). Handler rules run code, so only administrators may make them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from mediamill import settings
from mediamill.buckets import validate_bucket_name
from mediamill.errors import NotFoundError, PermissionDeniedError, ValidationError
from mediamill.jobs import access, bucket_access
from mediamill.jobs.lookup import resolve_preset
from mediamill.triggers import loops, templates
from mediamill.triggers.models import Rule

if TYPE_CHECKING:
    from django.contrib.auth.models import User

_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


@dataclass(frozen=True)
class OutputTemplate:
    preset_id: str
    key_template: str

    def to_json(self) -> dict[str, str]:
        return {"preset_id": self.preset_id, "key_template": self.key_template}


@dataclass(frozen=True)
class RuleRequest:
    """A new rule: declarative (``pipeline_id`` and ``outputs``) or a ``handler``
    (``FILE.py:FUNCTION``)."""

    name: str
    bucket: str
    prefix: str = ""
    suffix: str = ""
    pipeline_id: str = ""
    outputs: tuple[OutputTemplate, ...] = ()
    output_key_prefix: str = ""
    user_metadata: dict[str, str] | None = None
    handler: str = ""
    chain_depth: int = 1
    enabled: bool = True


def create_rule(request: RuleRequest, owner: User | None, *, by: User | None = None) -> Rule:
    """Store a new rule after every check. ``by`` is who asks (for handlers: an administrator;
    ``None`` is the command line, which is an administrator's)."""
    _check_name(request.name)
    validate_bucket_name(request.bucket)
    _check_depth(request.chain_depth)
    if request.handler and by is not None and not by.is_superuser:
        raise PermissionDeniedError("only administrators may register handlers (they run code)")
    if request.handler and owner is None:
        raise ValidationError(
            "a handler rule needs an owner (--owner): its handler calls the API with a key "
            "issued to them"
        )
    if owner is not None:
        bucket_access.check(owner, [request.bucket], f"trigger {request.name!r}")
    rule = Rule(
        name=request.name,
        owner=owner,
        bucket=request.bucket,
        prefix=request.prefix,
        suffix=request.suffix,
        enabled=request.enabled,
        chain_depth=request.chain_depth,
    )
    if request.handler and (request.pipeline_id or request.outputs):
        raise ValidationError("a rule has either a handler or a pipeline and outputs, not both")
    if request.handler:
        rule.handler_path, rule.handler_function = _parse_handler(request.handler)
    else:
        _check_declarative(request, owner)
        rule.pipeline_id = request.pipeline_id
        rule.outputs = [output.to_json() for output in request.outputs]
        rule.output_key_prefix = request.output_key_prefix
        rule.user_metadata = dict(request.user_metadata or {})
    with transaction.atomic():
        if rule.enabled:
            loops.refuse_loops(rule)
        try:
            with transaction.atomic():
                rule.save()
        except IntegrityError as exc:
            raise ValidationError(f"a trigger named {request.name!r} exists already") from exc
    return rule


def get_rule(name: str, user: User | None = None) -> Rule:
    rule = visible_rules(user).filter(name=name).first()
    if rule is None:
        raise NotFoundError(f"no trigger named {name!r}")
    return rule


def visible_rules(user: User | None = None) -> QuerySet[Rule]:
    """Every rule for an administrator (or ``None``), a user's own otherwise."""
    rules = Rule.objects.select_related("owner")
    if user is None or user.is_superuser:
        return rules
    return rules.filter(owner=user)


def set_enabled(name: str, enabled: bool, user: User | None = None) -> Rule:
    with transaction.atomic():
        rule = get_rule(name, user)
        if enabled and not rule.enabled:
            rule.enabled = True
            loops.refuse_loops(rule)  # enabling may close a cycle
        rule.enabled = enabled
        rule.save(update_fields=["enabled"])
    return rule


def remove_rule(name: str, user: User | None = None) -> None:
    get_rule(name, user).delete()


def parse_output(text: str) -> OutputTemplate:
    """``PRESET_ID=KEY_TEMPLATE``, as the command line gives it."""
    preset_id, sep, template = text.partition("=")
    if not sep or not preset_id or not template:
        raise ValidationError(f"--output {text!r}: expected PRESET_ID=KEY_TEMPLATE")
    return OutputTemplate(preset_id.strip(), template)


# --- checks --------------------------------------------------------------------------------


def _check_name(name: str) -> None:
    if not name or len(name) > 100 or not set(name) <= _NAME_CHARS:
        raise ValidationError(
            f"trigger name {name!r}: 1-100 letters, digits, '-', '_' and '.' are allowed"
        )


def _check_depth(depth: int) -> None:
    most = settings.get("MEDIAMILL_TRIGGER_MAX_CHAIN_DEPTH")
    if not 1 <= depth <= most:
        raise ValidationError(
            f"chain depth {depth}: from 1 to {most} (MEDIAMILL_TRIGGER_MAX_CHAIN_DEPTH)"
        )


def _check_declarative(request: RuleRequest, owner: User | None) -> None:
    if not request.pipeline_id or not request.outputs:
        raise ValidationError(
            "a rule needs a pipeline and at least one output (--pipeline, --output), "
            "or a handler (--handler FILE.py:FUNCTION)"
        )
    if access.usable_pipelines(owner).filter(pk=request.pipeline_id).first() is None:
        raise NotFoundError(
            f"The specified pipeline was not found: pipelineId={request.pipeline_id}"
        )
    templates.check(request.output_key_prefix, "output key prefix")
    for output in request.outputs:
        resolve_preset(output.preset_id, owner)  # NotFoundError for unknown or others' presets
        templates.check(output.key_template, "output key template")
    for name, value in (request.user_metadata or {}).items():
        templates.check(value, f"user metadata {name!r}")


def _parse_handler(text: str) -> tuple[str, str]:
    path_text, sep, function = text.rpartition(":")
    if not sep or not path_text or not function.isidentifier():
        raise ValidationError(f"handler {text!r}: expected FILE.py:FUNCTION")
    path = Path(path_text).expanduser().resolve()
    if path.suffix != ".py" or not path.is_file():
        raise ValidationError(f"handler file {path_text!r} does not exist or is not a .py file")
    return str(path), function


def describe_outputs(outputs: Sequence[dict[str, str]]) -> str:
    return ", ".join(f"{o['preset_id']}={o['key_template']}" for o in outputs)
