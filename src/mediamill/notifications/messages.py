"""Elastic Transcoder's job-state message: what it holds, and its exact layout.

The message is the SNS ``Message`` string. Its keys are lowerCamelCase (unlike the REST API),
``state`` is upper case, and it is laid out the way Java's Jackson pretty printer writes JSON,
because that is what Elastic Transcoder sent: receivers that match on substrings, and the
signature over the exact string, depend on it.

    {
      "state" : "COMPLETED",
      "version" : "2012-09-25",
      "jobId" : "1700000000123-x7k2qa",
      ...
      "outputs" : [ {
        "id" : "1",
        ...
      } ]
    }
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mediamill.jobs.models import Job, JobOutput

API_VERSION = "2012-09-25"


@dataclass(frozen=True)
class Event:
    """A job event that has a notification: which pipeline topic, ``state`` and Subject."""

    topic_key: str  # the pipeline's Notifications key
    state: str
    subject: str  # with {job_id}


# Keyed by the job status the service reports. The subjects are those of real messages; no
# WARNING message was ever captured, so its subject is mediamill's own wording.
EVENTS: dict[str, Event] = {
    "Progressing": Event(
        "Progressing",
        "PROGRESSING",
        "Amazon Elastic Transcoder has scheduled job {job_id} for transcoding.",
    ),
    "Complete": Event(
        "Completed", "COMPLETED", "Amazon Elastic Transcoder has finished transcoding job {job_id}."
    ),
    "Warning": Event(
        "Warning", "WARNING", "Amazon Elastic Transcoder has a warning for job {job_id}."
    ),
    "Error": Event("Error", "ERROR", "The Amazon Elastic Transcoder job {job_id} has failed."),
}
# Submitted and Canceled have none: Elastic Transcoder documents no notification for them.

_INPUT_KEYS = {
    "Key": "key",
    "FrameRate": "frameRate",
    "Resolution": "resolution",
    "AspectRatio": "aspectRatio",
    "Interlaced": "interlaced",
    "Container": "container",
}
_DETAIL_CODE = re.compile(r"(\d{4}) ")


def et_json(value: Any, indent: int = 0) -> str:
    """``value`` as JSON in the layout of Jackson's default pretty printer.

    Objects have one member per line, indented two spaces per level, as ``"key" : value``;
    arrays stay on the line that opens them (``[ a, b ]``, ``[ {`` ... ``} ]``); empty
    containers are ``{ }`` and ``[ ]``; no newline at the end. Non-ASCII is written as is.
    """
    pad = "  " * (indent + 1)
    if isinstance(value, Mapping):
        if not value:
            return "{ }"
        members = ",\n".join(
            f"{pad}{json.dumps(str(key), ensure_ascii=False)} : {et_json(item, indent + 1)}"
            for key, item in value.items()
        )
        return "{\n" + members + "\n" + "  " * indent + "}"
    if isinstance(value, list | tuple):
        if not value:
            return "[ ]"
        return "[ " + ", ".join(et_json(item, indent) for item in value) + " ]"
    return json.dumps(value, ensure_ascii=False)


def job_message(job: Job, outputs: Iterable[JobOutput], event: Event) -> dict[str, Any]:
    """The message's content, keys in Elastic Transcoder's order."""
    message: dict[str, Any] = {
        "state": event.state,
        "version": API_VERSION,
        "jobId": job.id,
        "pipelineId": job.pipeline_id,
        "input": _input(job.input),
        "inputCount": 1,
    }
    if job.output_key_prefix:
        message["outputKeyPrefix"] = job.output_key_prefix
    message["outputs"] = [_output(o, event) for o in sorted(outputs, key=lambda o: o.index)]
    if job.playlists:
        message["playlists"] = [
            {
                "name": p.get("Name", ""),
                "format": p.get("Format", ""),
                "outputKeys": list(p.get("OutputKeys", [])),
                "status": p.get("Status", ""),
            }
            for p in job.playlists
        ]
    if job.user_metadata:
        message["userMetadata"] = dict(job.user_metadata)
    return message


def subject(event: Event, job_id: str) -> str:
    return event.subject.format(job_id=job_id)


def timestamp(moment: dt.datetime) -> str:
    """SNS's Timestamp: ISO 8601 in UTC with milliseconds, ``2013-12-24T01:14:42.493Z``."""
    utc = moment.astimezone(dt.UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def file_name(job: Job) -> str:
    """The input's file name, for people: ``media/song.mp3`` → ``song.mp3``."""
    return PurePosixPath(job.input_key).name or job.input_key


def _input(wire: Mapping[str, Any]) -> dict[str, Any]:
    known = {camel: wire[name] for name, camel in _INPUT_KEYS.items() if name in wire}
    others = {_camel(k): _camel_all(v) for k, v in wire.items() if k not in _INPUT_KEYS}
    return known | others


def _output(output: JobOutput, event: Event) -> dict[str, Any]:
    result: dict[str, Any] = {
        "id": output.wire_id,
        "presetId": output.preset_id,
        "key": output.key,
        "thumbnailPattern": output.thumbnail_pattern,
    }
    if output.rotate and output.rotate != "auto":
        result["rotate"] = output.rotate
    if output.segment_duration:
        result["segmentDuration"] = float(output.segment_duration)
    result["status"] = output.status
    if output.status == "Error" and output.status_detail:
        result["statusDetail"] = output.status_detail
        code = _DETAIL_CODE.match(output.status_detail)
        if code is not None:
            result["errorCode"] = int(code[1])
    if event.state == "COMPLETED" and output.duration is not None:
        result["duration"] = output.duration
        if output.width is not None and output.height is not None:
            result["width"] = output.width
            result["height"] = output.height
    return result


def _camel(name: str) -> str:
    return name[:1].lower() + name[1:]


def _camel_all(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {_camel(str(k)): _camel_all(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_camel_all(v) for v in value]
    return value
