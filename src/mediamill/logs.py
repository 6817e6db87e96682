"""What a log line belongs to, and the JSON format (``MEDIAMILL_LOG_FORMAT=json``).

The request, the user, the job and the pipeline a piece of work is for are kept in context
variables, so every record logged while it runs carries them, whichever module logs it::

    with logs.context(job_id=job.id, pipeline_id=job.pipeline_id):
        ...                                  # every record here has job_id and pipeline_id

``ContextFilter`` copies them onto each record (``record.job_id`` ...) and ``JsonFormatter``
writes one JSON object per line. Context variables follow threads' own work and asyncio
tasks; a thread pool started inside a context does not inherit it.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import json
import logging
from collections.abc import Iterator

#: The fields a record may carry from its context, in the order JSON lines show them.
FIELDS = ("request_id", "user", "job_id", "pipeline_id")

_context: dict[str, contextvars.ContextVar[str | None]] = {
    name: contextvars.ContextVar(f"mediamill_{name}", default=None) for name in FIELDS
}


@contextlib.contextmanager
def context(**values: str | None) -> Iterator[None]:
    """Attach ``values`` (some of FIELDS) to every record logged inside the block."""
    tokens = [(_context[name], _context[name].set(value)) for name, value in values.items()]
    try:
        yield
    finally:
        for variable, token in reversed(tokens):
            variable.reset(token)


def bind(**values: str | None) -> None:
    """Set context values until the surrounding ``context()`` ends (say, the user, once a
    request has been authenticated)."""
    for name, value in values.items():
        _context[name].set(value)


def current() -> dict[str, str]:
    return {name: value for name in FIELDS if (value := _context[name].get()) is not None}


class ContextFilter(logging.Filter):
    """Puts the context's fields on every record (``None`` where there is none)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name in FIELDS:
            if not hasattr(record, name):
                setattr(record, name, _context[name].get())
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, message, the
    context's fields that are set, and the traceback of an exception."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def formatter_config(log_format: str) -> dict[str, object]:
    """The ``logging.config`` formatter entry for ``plain`` or ``json``."""
    if log_format == "json":
        return {"()": JsonFormatter}
    return {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}
