"""At the end of a job, the waveform of an audio file, stored beside its outputs.

Connected to ``jobs.signals.job_state_changed`` (after commit), so the runner knows nothing of
it: when a job of a library file completes and its input had no picture, the first audio
output is decoded (a lossless one if there is one: mediamill wrote it, it is not the
person's untrusted upload) and ``files/<id>/waveform.png`` is written to the media bucket.
A failure is logged by the signal and leaves the file without a waveform, never the job
without its outputs.
"""

from __future__ import annotations

import io
from typing import Any

from mediamill.buckets import get_bucket
from mediamill.jobs.models import Job, JobStatus
from mediamill.jobs.signals import job_state_changed
from mediamill.web import waveform
from mediamill.web.models import MediaFile

_PREFERRED = ("wav", "flac")


def connect() -> None:
    job_state_changed.connect(_on_job_state, dispatch_uid="mediamill-web-waveform")


def _on_job_state(sender: Any, job_id: str, status: str, **_: Any) -> None:
    if status == JobStatus.COMPLETE:
        make(job_id)


def make(job_id: str) -> str | None:
    """Draw and store the waveform of the library file job ``job_id`` made; its key, or None."""
    item = MediaFile.objects.select_related("job__pipeline").filter(job_id=job_id).first()
    if item is None or item.job is None:
        return None
    job: Job = item.job
    if job.input.get("DetectedProperties", {}).get("Width"):
        return None  # a video: no waveform
    outputs = [o for o in job.outputs.all() if o.status == JobStatus.COMPLETE and o.duration_millis]
    outputs.sort(key=lambda o: (o.key.rsplit(".", 1)[-1] not in _PREFERRED, o.index))
    if not outputs:
        return None
    source_output = outputs[0]
    bucket = get_bucket(job.pipeline.content_bucket)
    source_key = job.output_key_prefix + source_output.key
    duration = (source_output.duration_millis or 0) / 1000
    path = bucket.local_path(source_key)
    if path is not None:
        levels = waveform.peaks(str(path), duration)
    else:
        with bucket.open_read(source_key) as stream:
            levels = waveform.peaks(stream, duration)
    key = f"{job.output_key_prefix}waveform.png"
    bucket.write(key, io.BytesIO(waveform.draw(levels)))
    MediaFile.objects.filter(pk=item.pk).update(waveform_key=key)
    return key
