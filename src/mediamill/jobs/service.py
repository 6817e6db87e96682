"""The job state machine: the only code that changes a job's state.

    Submitted ──claim──> Progressing ──complete──> Complete
        │                  │     ▲
        │                  │     └── claim again once the lease has expired (recovery)
        │                  └──fail──> Error   (or expire_leases, after MAX_ATTEMPTS claims)
        └──cancel──> Canceled

Functions take IDs, not objects, because that is what workers receive, and each transition is
one conditional ``UPDATE ... WHERE <expected state>`` whose row count says who won. So a
message delivered twice never runs a job twice, two workers racing for one job get one
winner, and a worker that lost its lease cannot finish a job another worker has taken over.
This holds on PostgreSQL under concurrency (row locks; the loser's ``WHERE`` is re-checked
against the winner's row) and on SQLite (one writer at a time).

Leases: ``claim`` gives the worker the job until ``lease_expires_at`` (epoch ms); the worker
extends it with ``heartbeat``. If the worker dies, the lease runs out, ``recoverable_jobs``
lists the job and another worker's ``claim`` takes it over (``attempts`` counts the claims).
After ``MAX_ATTEMPTS`` claims whose workers all vanished, ``expire_leases`` fails the job
instead, so a file that kills its worker cannot cycle for ever.

Paused pipelines keep their jobs queued: nothing on them can be claimed until they are
Active again. State changes are announced through ``signals.job_state_changed`` after commit.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from fractions import Fraction
from typing import TYPE_CHECKING, Protocol

from django.db import transaction
from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Coalesce

from mediamill import servicemodel
from mediamill.errors import InvalidStateError, MediamillError, NotFoundError, ValidationError
from mediamill.jobs import access, bucket_access, publish, quotas, validation
from mediamill.jobs.lookup import resolve_preset
from mediamill.jobs.models import Job, JobOutput, JobStatus, Pipeline, PipelineStatus, now_ms
from mediamill.jobs.requests import JobRequest
from mediamill.jobs.signals import send_after_commit
from mediamill.presets.rules import frame_rate_to_wire

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from mediamill.probe import MediaInfo

#: Claims a job gets before a vanished worker makes it fail instead of run again.
MAX_ATTEMPTS = 3

_DETAIL = re.compile(r"\d{4} [0-9a-f-]{36}:.*", re.DOTALL)
_DETAIL_MAX = 255


class OutputMeasures(Protocol):
    """What ``complete`` records per output; ``mediamill.engine.OutputStats`` fits."""

    @property
    def duration(self) -> float: ...  # seconds
    @property
    def file_size(self) -> int: ...  # bytes
    @property
    def width(self) -> int | None: ...
    @property
    def height(self) -> int | None: ...
    @property
    def frame_rate(self) -> Fraction | None: ...


# --- creating ------------------------------------------------------------------------------


def create_job(
    request: JobRequest, owner: User | None = None, *, allow_existing_outputs: bool = False
) -> Job:
    """Check a job request against every rule and store it as a Submitted job.

    The one way a job is made, whoever asks (API, admin, CLI, Python), so each gets the same
    answer. The rules, in order:

    - the service model's constraints, every violation reported at once (more than 30
      outputs: ``LimitExceededError``);
    - the pipeline exists and, with an ``owner``, is one they may run jobs on
      (``access.usable_pipelines``: never another user's; otherwise ``NotFoundError``);
    - with an ``owner``, that user may use every bucket of the pipeline
      (``PermissionDeniedError``, before any bucket is asked about anything);
    - the rules on the request's own values the model does not state (``validation``);
    - every preset exists and may be used by the owner (their custom presets, any for a
      superuser; unknown: ``NotFoundError``) and suits its output;
    - keys are ones a bucket accepts;
    - no output key is already taken in the pipeline's content bucket (``ValidationError``
      with code 3002), unless ``allow_existing_outputs``.
    """
    quotas.check_can_submit(owner)  # per-user limits (LimitExceededError: API 429)
    servicemodel.check_operation("CreateJob", request.to_wire())
    pipeline = access.usable_pipelines(owner).filter(pk=request.pipeline_id).first()
    if pipeline is None:
        raise NotFoundError(
            f"The specified pipeline was not found: pipelineId={request.pipeline_id}"
        )
    if owner is not None:
        bucket_access.check(owner, bucket_access.pipeline_buckets(pipeline), "this job")
    validation.check_request(request)
    prefix = request.output_key_prefix
    containers = []
    for i, output in enumerate(request.outputs):
        preset = resolve_preset(output.preset_id, owner)
        validation.check_against_preset(output, preset, i)
        containers.append(preset.container)
    validation.check_playlists(request.playlists, request.outputs, containers)
    _check_object_keys(request.input.key, [prefix + output.key for output in request.outputs])
    if not allow_existing_outputs:
        _refuse_existing_outputs(pipeline.content_bucket, request)
    with transaction.atomic():
        job = Job.objects.create(
            pipeline=pipeline,
            input=request.input.to_wire(),
            output_key_prefix=prefix,
            user_metadata=dict(request.user_metadata),
            owner=owner,
            playlists=[
                {**playlist.to_wire(), "Status": JobStatus.SUBMITTED, "StatusDetail": ""}
                for playlist in request.playlists
            ],
        )
        JobOutput.objects.bulk_create(
            JobOutput(
                job=job,
                index=i,
                key=output.key,
                preset_id=output.preset_id,
                thumbnail_pattern=output.thumbnail_pattern,
                rotate=output.rotate,
                segment_duration=output.segment_duration,
            )
            for i, output in enumerate(request.outputs, start=1)
        )
        send_after_commit(job.id, JobStatus.SUBMITTED)
    return job


def _refuse_existing_outputs(bucket_name: str, request: JobRequest) -> None:
    """Elastic Transcoder never overwrote an object: an output key already taken fails (3002)."""
    prefix = request.output_key_prefix
    for i, output in enumerate(request.outputs):
        # A segmented output's files are its key plus suffixes: playlist and (first) segment.
        v4 = any(p.format == "HLSv4" and output.key in p.output_keys for p in request.playlists)
        suffixes: tuple[str, ...] = ("",)
        if output.segment_duration:
            suffixes = ("_v4.m3u8", ".ts") if v4 else (".m3u8", "00000.ts")
        for key in (prefix + output.key + suffix for suffix in suffixes):
            if publish.output_exists(bucket_name, key):  # also refuses a folder in the way
                raise ValidationError(
                    f"Outputs[{i}].Key: {key!r} already exists in bucket {bucket_name!r}",
                    code=3002,
                )
    for i, playlist in enumerate(request.playlists):
        key = prefix + playlist.name + ".m3u8"
        if publish.output_exists(bucket_name, key):
            raise ValidationError(
                f"Playlists[{i}].Name: {key!r} already exists in bucket {bucket_name!r}",
                code=3002,
            )


def _check_object_keys(input_key: str, output_keys: list[str]) -> None:
    """Refuse keys no bucket would accept (``..``, absolute paths, NUL...) now, not when run."""
    from mediamill.buckets import validate_key
    from mediamill.errors import InvalidKeyError

    named = [("Input.Key", input_key)] + [
        (f"Outputs[{i}].Key", k) for i, k in enumerate(output_keys)
    ]
    for where, key in named:
        try:
            validate_key(key)
        except InvalidKeyError as exc:
            raise ValidationError(f"{where}: {exc.message}") from exc


# --- running -------------------------------------------------------------------------------


def claim(job_id: str, worker_id: str, lease_seconds: float) -> Job | None:
    """Take the job for ``worker_id``: Submitted → Progressing, or take over an expired lease.

    Returns the job, or ``None`` when it is not claimable: someone else has it (a second
    delivery of the same message), it has finished or been canceled, or its pipeline is
    Paused. ``worker_id`` must be unique to this attempt (host, process and thread).
    """
    _check_worker(worker_id)
    now = now_ms()
    until = now + _lease_ms(lease_seconds)
    claimable = Q(status=JobStatus.SUBMITTED) | Q(
        status=JobStatus.PROGRESSING, lease_expires_at__lt=now, attempts__lt=MAX_ATTEMPTS
    )
    # The pipeline condition is a subquery on the pipeline table, not a join: a join would
    # make Django wrap the whole WHERE in "id IN (SELECT ...)", which PostgreSQL does not
    # re-check against a row another transaction has just changed.
    active = Pipeline.objects.filter(status=PipelineStatus.ACTIVE).values("pk")
    with transaction.atomic():
        won = Job.objects.filter(claimable, pk=job_id, pipeline_id__in=active).update(
            status=JobStatus.PROGRESSING,
            claimed_by=worker_id,
            lease_expires_at=until,
            attempts=F("attempts") + 1,
            start_time_millis=Coalesce(F("start_time_millis"), Value(now)),
        )
        if not won:
            return None
        job = Job.objects.get(pk=job_id)
        if job.attempts == 1:  # a start, not a takeover: outputs and listeners learn of it
            job.outputs.filter(status=JobStatus.SUBMITTED).update(status=JobStatus.PROGRESSING)
            _set_playlists(job.id, JobStatus.PROGRESSING)
            job.refresh_from_db(fields=["playlists"])
            send_after_commit(job.id, JobStatus.PROGRESSING)
    return job


def release(job_id: str, worker_id: str) -> bool:
    """Give a job back unfinished (a worker shutting down): it can be claimed again at once.

    The job stays Progressing with an expired lease, and the claim this worker made is not
    counted as an abandoned attempt. False if this worker does not hold the job.
    """
    return (
        _held(job_id, worker_id).update(
            claimed_by="", lease_expires_at=0, attempts=F("attempts") - 1, progress=0
        )
        == 1
    )


def heartbeat(job_id: str, worker_id: str, lease_seconds: float) -> bool:
    """Extend the lease to ``lease_seconds`` from now; False if this worker no longer holds it.

    A lease that has run out can still be extended while no other worker has taken over.
    """
    until = now_ms() + _lease_ms(lease_seconds)
    return _held(job_id, worker_id).update(lease_expires_at=until) == 1


def report_progress(job_id: str, worker_id: str, percent: int) -> bool:
    """Record progress; it only goes up. False if not stored (not higher, or not the holder)."""
    if not 0 <= percent <= 100:
        raise ValueError(f"progress must be 0 to 100, not {percent}")
    return _held(job_id, worker_id).filter(progress__lt=percent).update(progress=percent) == 1


def record_input(job_id: str, worker_id: str, media: MediaInfo) -> bool:
    """Store what inspecting the input found, as ReadJob's ``Input.DetectedProperties``.

    Width, height and frame rate of the first video stream (if any), the file's size and
    its declared duration. False, changing nothing, if ``worker_id`` does not hold the job.
    """
    video = media.video
    detected: dict[str, int | str] = {"FileSize": media.size}
    if video is not None and video.width and video.height:
        detected["Width"], detected["Height"] = video.width, video.height
    if video is not None and video.frame_rate:
        detected["FrameRate"] = _frame_rate(video.frame_rate)
    if media.duration is not None:
        detected["DurationMillis"] = round(media.duration * 1000)
    with transaction.atomic():
        job = _held(job_id, worker_id).select_for_update().only("input").first()
        if job is None:
            return False
        job.input = {**job.input, "DetectedProperties": detected}
        job.save(update_fields=["input"])
    return True


def complete(job_id: str, worker_id: str, results: Mapping[int, OutputMeasures]) -> bool:
    """Progressing → Complete, recording each output's measures (keyed by output index).

    Happens once: a second call, or one from a worker that lost its lease, changes nothing
    and returns False. ``results`` must cover every output of the job.
    """
    with transaction.atomic():
        outputs = list(JobOutput.objects.filter(job_id=job_id))
        if set(results) != {o.index for o in outputs}:
            raise ValueError(
                f"results for outputs {sorted(results)}; job {job_id} has "
                f"{sorted(o.index for o in outputs)}"
            )
        done = _held(job_id, worker_id).update(
            status=JobStatus.COMPLETE,
            progress=100,
            finish_time_millis=now_ms(),
            lease_expires_at=None,
        )
        if not done:
            return False
        for output in outputs:
            measures = results[output.index]
            output.status = JobStatus.COMPLETE
            output.status_detail = ""
            output.duration = round(measures.duration)
            output.duration_millis = round(measures.duration * 1000)
            output.file_size = measures.file_size
            output.width = measures.width
            output.height = measures.height
            output.frame_rate = _frame_rate(measures.frame_rate)
        _set_playlists(job_id, JobStatus.COMPLETE)
        JobOutput.objects.bulk_update(
            outputs,
            [
                "status",
                "status_detail",
                "duration",
                "duration_millis",
                "file_size",
                "width",
                "height",
                "frame_rate",
            ],
        )
        send_after_commit(job_id, JobStatus.COMPLETE)
    return True


def fail(
    job_id: str,
    worker_id: str,
    status_detail: str | MediamillError,
    output_index: int | str | None = None,
) -> bool:
    """Progressing → Error. False, changing nothing, if ``worker_id`` does not hold the job.

    ``status_detail`` is an error (formatted from its ``code``) or a string already in
    Elastic Transcoder's form ``"<code> <uuid>:<text>"`` (see ``format_detail``). With
    ``output_index``, that output gets the detail; every other output not yet Complete
    becomes Error too, with the same code and error id and a text naming the failed output,
    because the engine writes all outputs or none. Without it, the detail goes to every
    output not yet Complete (a failure of the job as a whole, such as a missing input).
    """
    if isinstance(status_detail, str):
        detail = status_detail[:_DETAIL_MAX]
    else:
        detail = error_detail(status_detail)
    if _DETAIL.fullmatch(detail) is None:
        raise ValueError(f"status detail {detail!r} is not '<code> <uuid>:<text>'")
    failed = None if output_index is None else int(output_index)
    with transaction.atomic():
        outputs = list(JobOutput.objects.filter(job_id=job_id))
        if failed is not None and failed not in {o.index for o in outputs}:
            raise ValueError(f"job {job_id} has no output {failed}")
        done = _held(job_id, worker_id).update(
            status=JobStatus.ERROR,
            status_detail=detail,
            finish_time_millis=now_ms(),
            lease_expires_at=None,
        )
        if not done:
            return False
        _fail_outputs(outputs, detail, failed)
        _set_playlists(job_id, JobStatus.ERROR)
        send_after_commit(job_id, JobStatus.ERROR)
    return True


def cancel(job_id: str, user: User | None = None) -> None:
    """Submitted → Canceled. Elastic Transcoder cancels only jobs that have not started.

    With a ``user``, only a job they may see (``access.jobs``); another's is not found.
    """
    if user is not None and not access.jobs(user).filter(pk=job_id).exists():
        raise NotFoundError(f"The specified job was not found: jobId={job_id}")
    with transaction.atomic():
        done = Job.objects.filter(pk=job_id, status=JobStatus.SUBMITTED).update(
            status=JobStatus.CANCELED, finish_time_millis=now_ms()
        )
        if not done:
            status = Job.objects.filter(pk=job_id).values_list("status", flat=True).first()
            if status is None:
                raise NotFoundError(f"The specified job was not found: jobId={job_id}")
            raise InvalidStateError(
                f"job {job_id} is {status}: only Submitted jobs can be canceled"
            )
        JobOutput.objects.filter(job_id=job_id).update(status=JobStatus.CANCELED)
        _set_playlists(job_id, JobStatus.CANCELED)
        send_after_commit(job_id, JobStatus.CANCELED)


# --- finding work --------------------------------------------------------------------------


def runnable_jobs(limit: int | None = None) -> list[str]:
    """IDs of Submitted jobs on Active pipelines, oldest first."""
    jobs = Job.objects.filter(
        status=JobStatus.SUBMITTED, pipeline__status=PipelineStatus.ACTIVE
    ).order_by("submit_time_millis", "id")
    return _ids(jobs, limit)


def recoverable_jobs(now: int | None = None, limit: int | None = None) -> list[str]:
    """IDs of Progressing jobs whose lease has expired and that ``claim`` would take over."""
    jobs = (
        _expired(now)
        .filter(attempts__lt=MAX_ATTEMPTS, pipeline__status=PipelineStatus.ACTIVE)
        .order_by("lease_expires_at", "id")
    )
    return _ids(jobs, limit)


def expire_leases(now: int | None = None) -> list[str]:
    """Fail the jobs whose workers vanished ``MAX_ATTEMPTS`` times; return their IDs."""
    now = now_ms() if now is None else now
    failed = []
    for job_id in _ids(_expired(now).filter(attempts__gte=MAX_ATTEMPTS), None):
        detail = format_detail(
            9000,
            f"Abandoned: the workers running this job stopped responding {MAX_ATTEMPTS} times.",
        )
        with transaction.atomic():
            done = (
                _expired(now)
                .filter(pk=job_id, attempts__gte=MAX_ATTEMPTS)
                .update(
                    status=JobStatus.ERROR,
                    status_detail=detail,
                    finish_time_millis=now,
                    lease_expires_at=None,
                )
            )
            if done:
                _fail_outputs(list(JobOutput.objects.filter(job_id=job_id)), detail, None)
                _set_playlists(job_id, JobStatus.ERROR)
                send_after_commit(job_id, JobStatus.ERROR)
                failed.append(job_id)
    return failed


# --- status details ------------------------------------------------------------------------


def format_detail(code: int, text: str) -> str:
    """Elastic Transcoder's status detail, ``"<code> <uuid>:<text>"``, cut to 255 characters."""
    return f"{code:04d} {uuid.uuid4()}:{text}"[:_DETAIL_MAX]


def error_detail(error: MediamillError) -> str:
    return format_detail(error.code, error.message)


# --- helpers -------------------------------------------------------------------------------


def _held(job_id: str, worker_id: str) -> QuerySet[Job]:
    return Job.objects.filter(pk=job_id, status=JobStatus.PROGRESSING, claimed_by=worker_id)


def _expired(now: int | None) -> QuerySet[Job]:
    now = now_ms() if now is None else now
    return Job.objects.filter(status=JobStatus.PROGRESSING, lease_expires_at__lt=now)


def _ids(jobs: QuerySet[Job], limit: int | None) -> list[str]:
    ids = jobs.values_list("id", flat=True)
    return list(ids if limit is None else ids[:limit])


def _fail_outputs(outputs: list[JobOutput], detail: str, failed: int | None) -> None:
    """Every output not yet Complete becomes Error; ``detail`` is already in ET's form."""
    code_and_id = detail.split(":", 1)[0]  # "<code> <uuid>"
    changed = []
    for output in outputs:
        if output.status == JobStatus.COMPLETE:
            continue
        output.status = JobStatus.ERROR
        if failed is None or output.index == failed:
            output.status_detail = detail
        else:
            output.status_detail = f"{code_and_id}:Not written: output {failed} failed."
        changed.append(output)
    JobOutput.objects.bulk_update(changed, ["status", "status_detail"])


def _set_playlists(job_id: str, status: str) -> None:
    """Playlists follow their job: Progressing with it, and Complete only with it, after the
    runner stored them with the outputs."""
    job = Job.objects.only("playlists").get(pk=job_id)
    if job.playlists:
        job.playlists = [{**playlist, "Status": status} for playlist in job.playlists]
        job.save(update_fields=["playlists"])


def _frame_rate(rate: Fraction | None) -> str:
    if rate is None:
        return ""
    try:
        return frame_rate_to_wire(rate)
    except ValueError:
        return f"{float(rate):.3f}".rstrip("0").rstrip(".")


def _lease_ms(lease_seconds: float) -> int:
    if lease_seconds <= 0:
        raise ValueError(f"lease_seconds must be positive, not {lease_seconds}")
    return max(1, round(lease_seconds * 1000))


def _check_worker(worker_id: str) -> None:
    if not worker_id or len(worker_id) > 255:
        raise ValueError("worker_id must be 1 to 255 characters")
