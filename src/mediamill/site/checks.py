"""What a running installation needs, each checked on its own: shared by ``/readyz`` (the
quick ones) and ``mediamill doctor`` (all of them, each failure with what to do).

Every check returns a ``Check``; none raises. Django must be set up for the ones that use
the database (``mediamill.site.setup()``).
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import stat
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from mediamill import settings


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    advice: str = ""  # what to do about a failure


# A write that changes nothing but takes the database's write path (lock, journal, commit):
# it fails on a read-only file or a read-only PostgreSQL transaction, and on a full disk.
_WRITE_PROBE = (
    "UPDATE django_migrations SET applied = applied "
    "WHERE id = (SELECT MIN(id) FROM django_migrations)"
)


def database() -> Check:
    from django.db import DatabaseError, connection, transaction

    advice = "check DATABASE_URL, that the database server runs and that the disk is not full"
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return Check("database", False, f"unreachable: {_first_line(exc)}", advice)
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(_WRITE_PROBE)
    except DatabaseError as exc:
        return Check("database", False, f"not writable: {_first_line(exc)}", advice)
    return Check("database", True, f"writable ({connection.vendor})")


def broker(timeout: float = 3.0) -> Check:
    url = settings.get("MEDIAMILL_BROKER_URL")
    if not url:
        return Check("broker", True, "not used: jobs run on worker threads inside the server")
    advice = "check MEDIAMILL_BROKER_URL and that RabbitMQ or Redis runs and accepts the user"
    try:
        import kombu  # with Celery (the celery extra)
    except ImportError:
        return Check("broker", False, "kombu is missing", "pip install 'mediamill[celery]'")
    where = _without_password(url)
    try:
        connection: Any = getattr(kombu, "Connection")  # noqa: B009 -- untyped in kombu
        with connection(url, connect_timeout=timeout) as broker_connection:
            broker_connection.ensure_connection(max_retries=1, timeout=timeout)
    except Exception as exc:  # kombu raises the transport's own errors
        return Check("broker", False, f"{where} unreachable: {_first_line(exc)}", advice)
    return Check("broker", True, f"{where} reachable")


def bucket_names() -> list[str]:
    """The buckets to check: those MEDIAMILL_BUCKETS names, and those pipelines use."""
    from mediamill.buckets.config import parse_buckets
    from mediamill.jobs.models import Pipeline

    names = {name for name in parse_buckets(settings.get("MEDIAMILL_BUCKETS")) if name != "*"}
    for input_bucket, output_bucket in Pipeline.objects.values_list(
        "input_bucket", "output_bucket"
    ):
        names.update(name for name in (input_bucket, output_bucket) if name)
    for content, thumbnails in Pipeline.objects.values_list("content_config", "thumbnail_config"):
        names.update(c["Bucket"] for c in (content, thumbnails) if c and c.get("Bucket"))
    return sorted(names)


def buckets() -> list[Check]:
    """A probe object written, read back and deleted in every bucket that matters."""
    names = bucket_names()
    if not names:
        return [Check("buckets", True, "none configured or used by a pipeline yet")]
    return [bucket(name) for name in names]


def bucket(name: str) -> Check:
    from mediamill.buckets import get_bucket
    from mediamill.errors import MediamillError

    key = f"mediamill-probe-{uuid.uuid4().hex}.txt"
    payload = b"mediamill probe\n"
    label = f"bucket {name}"
    advice = (
        "create it (an S3 bucket on your server, or a folder the server may write) or fix its "
        "entry in MEDIAMILL_BUCKETS and the MEDIAMILL_S3_* settings"
    )
    try:
        target = get_bucket(name)
        # First: some S3 servers (SeaweedFS) create a missing bucket on the first write.
        target.check()
        target.write(key, io.BytesIO(payload))
        try:
            with target.open_read(key) as stream:
                back = stream.read()
        finally:
            target.delete(key)
    except (MediamillError, OSError) as exc:
        return Check(label, False, f"failed: {exc}", advice)
    if back != payload:
        return Check(label, False, "read back something else than was written", advice)
    return Check(label, True, "write, read and delete work")


def disk() -> Check:
    folder = Path(settings.get("MEDIAMILL_DATA_DIR"))
    need = settings.get("MEDIAMILL_MIN_FREE_DISK_MB")
    existing = next((p for p in (folder, *folder.parents) if p.exists()), Path("/"))
    free = shutil.disk_usage(existing).free // (1024 * 1024)
    detail = f"{free} MiB free for {folder} (needs {need})"
    if free < need:
        return Check("disk", False, detail, "free space there, or lower MEDIAMILL_MIN_FREE_DISK_MB")
    return Check("disk", True, detail)


def encoders() -> Check:
    """FFmpeg has an encoder for every system preset mediamill can produce."""
    import av

    from mediamill.engine.plan import plan_audio, plan_video
    from mediamill.errors import UnsupportedPresetError
    from mediamill.presets import SYSTEM_PRESETS
    from mediamill.probe import StreamInfo

    audio_in = StreamInfo(0, "audio", "pcm_s16le", sample_rate=44100, channels=2)
    video_in = StreamInfo(
        1, "video", "h264", width=1920, height=1080, frame_rate=Fraction(30),
        pixel_format="yuv420p", sample_aspect_ratio=Fraction(1),
    )  # fmt: skip
    needed: dict[str, list[str]] = {}
    for preset in SYSTEM_PRESETS.values():
        try:
            if preset.audio is not None and preset.audio.channels != 0:
                plan = plan_audio(preset.id, preset.audio, audio_in)
                needed.setdefault(plan.encoder, []).append(preset.id)
            if preset.video is not None:
                video = plan_video(preset.id, preset.video, video_in)
                needed.setdefault(video.encoder, []).append(preset.id)
        except UnsupportedPresetError:
            continue  # refused with a clear message until mediamill supports it
    missing = []
    for encoder in sorted(needed):
        try:
            av.codec.Codec(encoder, "w")
        except Exception:  # PyAV raises its own UnknownCodecError
            missing.append(encoder)
    if missing:
        return Check(
            "ffmpeg encoders",
            False,
            f"missing {', '.join(missing)} (for {needed[missing[0]][0]} and others)",
            "install PyAV's own wheel (pip install --force-reinstall av), which has them all",
        )
    return Check("ffmpeg encoders", True, f"{len(needed)} encoders: {', '.join(sorted(needed))}")


def public_url(timeout: float = 3.0) -> Check:
    base = settings.get("MEDIAMILL_PUBLIC_URL")
    advice = (
        "start `mediamill serve`, or set MEDIAMILL_PUBLIC_URL to the address receivers reach it at"
    )
    try:
        with urllib.request.urlopen(f"{base}/healthz", timeout=timeout) as answer:
            status = answer.status
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return Check("public URL", False, f"{base}/healthz not reachable: {reason}", advice)
    if status != 200:
        return Check("public URL", False, f"{base}/healthz answered {status}", advice)
    return Check("public URL", True, f"{base} answers")


def secrets() -> list[Check]:
    """Files holding secrets must be readable by their owner only."""
    folder = Path(settings.get("MEDIAMILL_DATA_DIR"))
    files = [
        folder / "secret_key",
        folder / "sns" / "signing-key.pem",
        folder / "mediamill.sqlite3",
    ]
    checks = []
    for path in files:
        if not path.exists():
            continue
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            checks.append(
                Check(
                    f"permissions {path.name}",
                    False,
                    f"{path} is mode {mode:o}: others may read it",
                    f"chmod 600 {path}",
                )
            )
        else:
            checks.append(Check(f"permissions {path.name}", True, f"mode {mode:o}"))
    return checks or [Check("permissions", True, "no secret files yet")]


def clock(max_skew: float = 2.0) -> Check:
    """This host's clock against the database server's (leases and expiry compare them)."""
    from django.db import DatabaseError, connection

    if connection.vendor != "postgresql":
        return Check("clock", True, "the database is a file on this host: one clock")
    try:
        with connection.cursor() as cursor:
            before = time.time()
            cursor.execute("SELECT now()")
            (theirs,) = cursor.fetchone()
            after = time.time()
    except DatabaseError as exc:
        return Check("clock", False, f"cannot read the database's clock: {_first_line(exc)}")
    ours = dt.datetime.fromtimestamp((before + after) / 2, tz=dt.UTC)
    skew = abs((theirs - ours).total_seconds())
    if skew > max_skew:
        return Check(
            "clock",
            False,
            f"{skew:.1f} s off the database server's",
            "synchronise both clocks (NTP: chrony or systemd-timesyncd)",
        )
    return Check("clock", True, f"{skew:.2f} s off the database server's")


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _without_password(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        credentials, _, host = rest.rpartition("@")
        user = credentials.split(":", 1)[0]
        rest = f"{user}@{host}" if user else host
    return f"{scheme}{sep}{rest}"
