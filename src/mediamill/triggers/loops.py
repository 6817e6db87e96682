"""Refusing rules that would feed themselves: the recursion trap of S3-triggered transcoding.

A declarative rule's outputs land in its pipeline's content bucket, at keys whose fixed
start and end its templates tell (``templates.reach``). Rule A *feeds* rule B when some
output of A could match B: same bucket, the output's fixed start and B's prefix agree as far
as both go, and so do the fixed end and B's suffix. A new or re-enabled rule is refused if
it feeds itself, or closes a cycle through other enabled rules; the message names them.

Handler rules decide their outputs at run time, so they cannot be checked here; the chain
depth (``dispatch``) bounds them instead.
"""

from __future__ import annotations

from mediamill.errors import ValidationError
from mediamill.jobs.models import Pipeline
from mediamill.triggers import templates
from mediamill.triggers.models import Rule


def refuse_loops(rule: Rule) -> None:
    """``ValidationError`` naming the rules when ``rule`` (enabled) would be part of a loop."""
    others = [
        r for r in Rule.objects.filter(enabled=True).exclude(pk=rule.pk) if r.name != rule.name
    ]
    rules = [rule, *others]
    buckets = _output_buckets(rules)
    feeds = {r.name: [t.name for t in rules if _feeds(r, t, buckets)] for r in rules}
    if rule.name in feeds[rule.name]:
        raise ValidationError(
            f"trigger {rule.name!r} would fire on its own outputs: they land in bucket "
            f"{buckets.get(rule.name)!r} under its prefix {rule.prefix!r}; write them "
            "under another prefix (--output PRESET=other/{stem}.wav)"
        )
    cycle = _cycle_through(rule.name, feeds)
    if cycle:
        chain = " -> ".join(repr(name) for name in [*cycle, cycle[0]])
        raise ValidationError(
            f"trigger {rule.name!r} would close a loop of enabled triggers, each firing on the "
            f"outputs of the one before: {chain}"
        )


def _output_buckets(rules: list[Rule]) -> dict[str, str]:
    ids = {r.pipeline_id for r in rules if not r.is_handler and r.pipeline_id}
    pipelines = {p.id: p.content_bucket for p in Pipeline.objects.filter(pk__in=ids)}
    return {r.name: pipelines[r.pipeline_id] for r in rules if r.pipeline_id in pipelines}


def _feeds(source: Rule, target: Rule, buckets: dict[str, str]) -> bool:
    if source.is_handler or buckets.get(source.name) != target.bucket:
        return False
    for output in source.outputs:
        reach = templates.reach(source.output_key_prefix + output["key_template"], source.prefix)
        if _agree(reach.start, target.prefix, start=True) and _agree(
            reach.end, target.suffix, start=False
        ):
            return True
    return False


def _agree(fixed: str, wanted: str, *, start: bool) -> bool:
    """Whether a key with ``fixed`` at its start (or end) could have ``wanted`` there."""
    if start:
        return fixed.startswith(wanted) or wanted.startswith(fixed)
    return fixed.endswith(wanted) or wanted.endswith(fixed)


def _cycle_through(name: str, feeds: dict[str, list[str]]) -> list[str]:
    """A path name -> ... -> name through ``feeds``, as the list of names on it, or []."""
    stack: list[tuple[str, list[str]]] = [(name, [name])]
    seen: set[str] = set()
    while stack:
        current, path = stack.pop()
        for following in feeds.get(current, []):
            if following == name:
                return path
            if following not in seen:
                seen.add(following)
                stack.append((following, [*path, following]))
    return []
