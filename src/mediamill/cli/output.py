"""How every verb prints: one table style, JSON for ``--json``, times and sizes.

A verb that lists or shows something adds ``--json`` with :func:`add_json_flag` and ends with
either :func:`print_json` (machine-readable, stable keys) or :func:`print_table` /
:func:`print_fields` (for people)::

    listing = verbs.add_parser("list", help="list widgets")
    add_json_flag(listing)
    ...
    if args.json:
        print_json([widget_json(w) for w in rows])
    else:
        print_table(["ID", "NAME"], [(w.id, w.name) for w in rows], empty="no widgets")
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any

#: What a table cell may hold; ``None`` is shown as ``-``.
Cell = str | int | float | None


def add_json_flag(parser: argparse.ArgumentParser, *, default: Any = False) -> None:
    """``--json``. Give ``default=argparse.SUPPRESS`` on a subcommand whose parent has the
    flag too, so ``VERB --json list`` and ``VERB list --json`` both work."""
    parser.add_argument(
        "--json", action="store_true", default=default, help="print JSON instead of a table"
    )


def print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, default=_json_default))


def table(headers: Sequence[str], rows: Iterable[Sequence[Cell]]) -> str:
    """Columns two spaces apart, headers in capitals, the last column not padded."""
    text_rows = [list(headers)] + [[_cell(value) for value in row] for row in rows]
    widths = [max(len(row[i]) for row in text_rows) for i in range(len(headers) - 1)]
    lines = []
    for row in text_rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    return "\n".join(lines)


def print_table(headers: Sequence[str], rows: Iterable[Sequence[Cell]], *, empty: str) -> None:
    """The table, or ``empty`` (a sentence saying there is nothing, and how to make some)."""
    listed = list(rows)
    print(table(headers, listed) if listed else empty)


def print_fields(fields: Iterable[tuple[str, Cell]]) -> None:
    """One ``name  value`` line per field, the values aligned: what ``show`` prints."""
    pairs = [(name, _cell(value)) for name, value in fields]
    width = max((len(name) for name, _ in pairs), default=0)
    for name, value in pairs:
        print(f"{name + ':':<{width + 1}}  {value}".rstrip())


def timestamp(value: dt.datetime | int | None) -> str | None:
    """A datetime, or epoch milliseconds, as ``2025-06-01 12:00:00`` UTC; None stays None."""
    if value is None:
        return None
    if isinstance(value, int):
        value = dt.datetime.fromtimestamp(value / 1000, tz=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def _cell(value: Cell) -> str:
    if value is None or value == "":
        return "-"
    return str(value)


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    raise TypeError(f"{type(value).__name__} is not JSON serializable")
