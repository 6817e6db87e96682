"""Run one job from start to finish: the code every kind of worker calls.

Embedded worker threads and Celery tasks both call ``run_job(job_id)``. It claims the job
(doing nothing if another worker has it: a message delivered twice runs the job once),
keeps the lease alive with a heartbeat, checks that the job's owner (if it has one) may
still use the pipeline's buckets (``bucket_access``), fetches the input from its bucket,
records what inspecting the input found (``Input.DetectedProperties``), transcodes every
output in one engine run, stores the outputs in the output bucket and only
then marks the job Complete. Outputs are stored under their final keys only after all of
them have been encoded, never replacing an object (``jobs.publish``), and the job becomes
Complete only after all of them are stored, so a crash at any point leaves a job that is
not Complete, which recovery runs again from the start.

What a failed job says is public: its owner reads it (StatusDetail, notifications). Errors
are recorded with their code and message, with every server path taken out
(``public_error``); an unexpected exception is logged in full and recorded only as
"internal error".
"""

from __future__ import annotations

import contextlib
import logging
import re
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from django.db import close_old_connections, connection

from mediamill import logs, settings
from mediamill.buckets import get_bucket
from mediamill.engine import OutputRequest, OutputResult, OutputStats, transcode
from mediamill.engine.hls import master_playlist
from mediamill.engine.transcode import thumbnail_name
from mediamill.errors import (
    CanceledError,
    MediaError,
    MediamillError,
    ObjectNotFoundError,
    PermissionDeniedError,
    TranscodeError,
)
from mediamill.jobs import bucket_access, publish, quotas, service
from mediamill.jobs.lookup import resolve_preset
from mediamill.jobs.models import Job, JobOutput, JobStatus
from mediamill.polling import new_worker_id
from mediamill.presets.model import Preset
from mediamill.probe import probe
from mediamill.sandbox import CancelToken

log = logging.getLogger(__name__)


def run_job(job_id: str, *, stop: CancelToken | None = None) -> str | None:
    """Run the job if it can be claimed; return its final status, or None if not run.

    ``stop`` asks a running job to give up (a worker shutting down): the job is released,
    unfinished, for another worker to run at once.
    """
    worker_id = new_worker_id()
    lease = settings.get("MEDIAMILL_JOB_LEASE_SECONDS")
    job = service.claim(job_id, worker_id, lease)
    if job is None:
        return None
    owner = job.owner.username if job.owner_id is not None and job.owner else None
    with logs.context(job_id=job_id, pipeline_id=job.pipeline_id, user=owner):
        return _run_claimed(job, worker_id, lease, stop)


def _run_claimed(job: Job, worker_id: str, lease: float, stop: CancelToken | None) -> str | None:
    job_id = job.id
    log.info("job %s: started by %s", job_id, worker_id)
    with _Heartbeat(job_id, worker_id, lease, stop) as heartbeat:
        try:
            results = _execute(job, worker_id, heartbeat.cancel)
        except CanceledError:
            if heartbeat.lost.is_set():
                log.warning("job %s: lease lost to another worker; abandoning", job_id)
                return None
            service.release(job_id, worker_id)
            log.info("job %s: released unfinished (worker stopping)", job_id)
            return None
        except MediamillError as exc:
            log.info("job %s: error: %s", job_id, exc)
            if service.fail(job_id, worker_id, public_error(exc)):
                publish.withdraw_outputs(job_id)  # a failed job leaves no outputs
            return JobStatus.ERROR
        except Exception:
            log.exception("job %s: internal error", job_id)
            error = TranscodeError("internal error (the server's log has the details)", code=9999)
            if service.fail(job_id, worker_id, error):
                publish.withdraw_outputs(job_id)
            return JobStatus.ERROR
    if not service.complete(job_id, worker_id, results):
        log.warning("job %s: finished, but another worker had taken it over", job_id)
        return None
    publish.release_claims(job_id)
    log.info("job %s: complete", job_id)
    return JobStatus.COMPLETE


def _execute(job: Job, worker_id: str, cancel: CancelToken) -> dict[int, OutputStats]:
    pipeline = job.pipeline
    if job.owner is not None and not job.owner.is_active:
        # A deactivated account's queued jobs must not run: they would spend the machine's
        # time and write into buckets on behalf of someone who may no longer use them.
        raise PermissionDeniedError(
            "The job was not run: the account that created it has been deactivated"
        )
    if job.owner is not None:
        # Checked again here: a grant revoked after the job was created stops it. Jobs
        # without an owner were created in-process (CLI, administrators): not restricted.
        bucket_access.check(job.owner, bucket_access.pipeline_buckets(pipeline), "this job")
    source_bucket = get_bucket(pipeline.input_bucket)
    target_bucket = get_bucket(pipeline.content_bucket)
    outputs = list(job.outputs.order_by("index"))
    presets = [resolve_preset(o.preset_id) for o in outputs]
    input_key = job.input["Key"]
    with _work_dir(job.id, worker_id) as work:
        try:
            source = source_bucket.local_path(input_key)
            if source is None:
                source = work / "input"
                source_bucket.download_file(input_key, source)
        except ObjectNotFoundError as exc:
            raise MediaError(
                f"The input file {input_key!r} does not exist in bucket {source_bucket.name!r}",
                code=3001,
            ) from exc
        # Inspected (in the sandbox, like all decoding) before the work starts, so ReadJob
        # shows Input.DetectedProperties while the job runs, as Elastic Transcoder did.
        service.record_input(job.id, worker_id, probe(source, cancel=cancel))
        v4 = {key for p in job.playlists if p["Format"] == "HLSv4" for key in p["OutputKeys"]}
        requests = [
            output_request(work, o, preset, 4 if o.key in v4 else 3)
            for o, preset in zip(outputs, presets, strict=True)
        ]

        def progress(percent: int) -> None:
            # Stored below 100: the job reaches 100 when it is Complete.
            service.report_progress(job.id, worker_id, min(percent, 99))

        results = transcode(source, requests, progress=progress, cancel=cancel, overwrite=True)
        files = [
            file
            for o, r in zip(outputs, results, strict=True)
            for file in output_files(job.output_key_prefix + o.key, r)
        ]
        files += write_playlists(work, job, outputs, results)
        thumbnails = [
            file
            for o, r in zip(outputs, results, strict=True)
            for file in thumbnail_files(job.output_key_prefix, o, r)
        ]
        stored = [path for _, path in files + thumbnails]
        quotas.check_can_store(job.owner, sum(path.stat().st_size for path in stored))
        publish.publish_outputs(job, target_bucket, files, cancel)  # never replaces an object
        if thumbnails:
            thumbnail_bucket = get_bucket(pipeline.thumbnail_bucket)
            publish.publish_outputs(job, thumbnail_bucket, thumbnails, cancel)
        return {o.index: r.stats for o, r in zip(outputs, results, strict=True)}


def output_request(
    work: Path, output: JobOutput, preset: Preset, hls_version: int = 3
) -> OutputRequest:
    """Where the engine writes one output in the work folder.

    A segmented output gets a folder of its own and the base name of its key: its variant
    playlist names the segments by file name, so they must be written under their final
    names (``song00000.ts``, not ``output-100000.ts``).
    """
    # Thumbnails are named here (their keys follow the job's pattern: ``thumbnail_files``).
    pattern = "thumbnail-{count}" if output.thumbnail_pattern else None
    if not output.segment_duration:
        path = work / f"output-{output.index}.{preset.extension}"
        if pattern:
            (work / f"output-{output.index}-thumbnails").mkdir()
            pattern = f"output-{output.index}-thumbnails/{pattern}"
        return OutputRequest(preset, path, thumbnail_pattern=pattern)
    folder = work / f"output-{output.index}"
    folder.mkdir()
    name = output.key.rpartition("/")[2]
    return OutputRequest(
        preset, folder / name, float(output.segment_duration), pattern, hls_version
    )


def thumbnail_files(prefix: str, output: JobOutput, result: OutputResult) -> list[tuple[str, Path]]:
    """``(key, file)`` of an output's thumbnails: the prefix, then ThumbnailPattern with
    ``{count}`` (00001...) and ``{resolution}`` filled in, then the format's extension."""
    resolution = result.stats.thumbnail_resolution or ""
    return [
        (
            prefix
            + thumbnail_name(
                output.thumbnail_pattern, count, resolution, path.suffix.removeprefix(".")
            ),
            path,
        )
        for count, path in enumerate(result.thumbnails, start=1)
    ]


def output_files(key: str, result: OutputResult) -> list[tuple[str, Path]]:
    """``(key, local file)`` for every file of one output: a segmented output's files are
    keyed beside its key (``dir/song`` gives ``dir/song.m3u8``, ``dir/song00000.ts``...)."""
    if not result.stats.files:
        return [(key, result.path)]
    folder = key[: len(key) - len(result.path.name)]
    return [(folder + path.name, path) for path in result.files]


def write_playlists(
    work: Path, job: Job, outputs: list[JobOutput], results: list[OutputResult]
) -> list[tuple[str, Path]]:
    """Write the job's master playlists from what was measured; ``(key, file)`` of each."""
    by_key = {o.key: r for o, r in zip(outputs, results, strict=True)}
    files = []
    for i, playlist in enumerate(job.playlists):
        folder = playlist["Name"].rpartition("/")[0]
        skip = len(folder) + 1 if folder else 0
        version = 4 if playlist["Format"] == "HLSv4" else 3
        suffix = "_v4.m3u8" if version == 4 else ".m3u8"
        variants = [(key[skip:] + suffix, by_key[key].stats) for key in playlist["OutputKeys"]]
        path = work / f"playlist-{i}.m3u8"
        path.write_text(master_playlist(variants, version), encoding="utf-8")
        files.append((job.output_key_prefix + playlist["Name"] + ".m3u8", path))
    return files


#: A quoted absolute path, as Python and FFmpeg print file names in their errors.
_QUOTED_PATH = re.compile(r"""(['"])/[^'"]*\1""")


def public_error(exc: MediamillError) -> MediamillError:
    """``exc`` with the server's paths taken out of its message, for the job's record.

    Engine and bucket errors avoid paths already; this is the net under them (an
    ``OSError`` text from a library, a folder named in a configuration error).
    """
    message = exc.message
    data_dir = Path(settings.get("MEDIAMILL_DATA_DIR"))
    for folder in {str(data_dir.resolve()), str(data_dir.absolute())}:
        message = message.replace(folder, "<data>")
    message = _QUOTED_PATH.sub(r"\1<path>\1", message)
    if message == exc.message:
        return exc
    return MediamillError(message, code=exc.code)  # only the code and text are recorded


def _work_root() -> Path:
    return Path(settings.get("MEDIAMILL_DATA_DIR")) / "work"


def _attempt_tag(worker_id: str) -> str:
    """The part of a worker ID unique to one attempt; it names the attempt's work folder."""
    return worker_id.rsplit(":", 1)[-1].replace("-", "_")


def remove_stale_work_dirs(job_id: str | None = None) -> list[str]:
    """Remove work folders no running attempt owns (of ``job_id`` only, if given); return
    their names.

    A folder is named ``<job ID>-<attempt tag>`` and is kept only while its job is
    Progressing under that same attempt. So the folder goes once the job is finished by
    someone else — canceled, failed by the lease sweep, taken over by another worker — or
    was left by a worker that was killed. Called at start, from the workers' periodic sweep,
    and when a job is claimed (the folder of the attempt it takes over).
    """
    root = _work_root()
    if not root.is_dir():
        return []
    running = Job.objects.filter(status=JobStatus.PROGRESSING)
    if job_id is not None:
        running = running.filter(pk=job_id)
    owned = {
        f"{pk}-{_attempt_tag(claimed_by)}"
        for pk, claimed_by in running.values_list("id", "claimed_by")
        if claimed_by
    }
    removed = []
    for folder in root.iterdir():
        if job_id is not None and not folder.name.startswith(f"{job_id}-"):
            continue
        if folder.is_dir() and folder.name not in owned:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder.name)
    return removed


@contextlib.contextmanager
def _work_dir(job_id: str, worker_id: str) -> Iterator[Path]:
    root = _work_root()
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    remove_stale_work_dirs(job_id)  # an earlier attempt's, if this one takes the job over
    path = root / f"{job_id}-{_attempt_tag(worker_id)}"
    path.mkdir(mode=0o700)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


class _Heartbeat:
    """Renews the lease every third of its length while the job runs.

    ``cancel`` is set when the job must stop: the lease was lost (another worker took the
    job over) or the worker is stopping.
    """

    def __init__(self, job_id: str, worker_id: str, lease: float, stop: CancelToken | None) -> None:
        self.job_id, self.worker_id, self.lease, self.stop = job_id, worker_id, lease, stop
        self.lost = threading.Event()
        self.cancel = threading.Event()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{job_id}", daemon=True)

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._done.set()
        self._thread.join()

    def _run(self) -> None:
        interval = self.lease / 3
        last_beat = time.monotonic()
        try:
            # Wake often enough to notice a stop request quickly; renew every `interval`.
            while not self._done.wait(min(interval, 0.5)):
                if self.stop is not None and self.stop.is_set():
                    self.cancel.set()
                if time.monotonic() - last_beat < interval:
                    continue
                last_beat = time.monotonic()
                close_old_connections()
                if not service.heartbeat(self.job_id, self.worker_id, self.lease):
                    self.lost.set()
                    self.cancel.set()
                    return
        finally:
            connection.close()
