"""Every setting, declared once: its environment variable, default and meaning.

This module is the one place that reads mediamill's environment variables. Other modules ask
for a value with ``settings.get(NAME)``; nobody calls ``os.environ`` for a setting with an
ad-hoc default. ``docs/settings.md`` documents each declared setting, and a test keeps the two
in step.

Settings that hold credentials (``SECRET_SETTINGS``) leave the environment once a
long-running process has started: ``scrub_environment()`` keeps their values in this module's
memory, removes them from ``os.environ`` and blanks them in the process's original environment
block, so neither a child process nor ``/proc/PID/environ`` shows them. ``get`` keeps
answering with the kept values.
"""

from __future__ import annotations

import ctypes
import ipaddress
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mediamill.errors import ConfigurationError


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str
    parse: Callable[[str], Any] = str


def _positive_int(value: str) -> int:
    number = int(value)
    if number <= 0:
        raise ValueError("must be a positive integer")
    return number


def _positive_float(value: str) -> float:
    number = float(value)
    if number <= 0:
        raise ValueError("must be a positive number")
    return number


def _non_negative_int(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError("must be 0 or a positive integer")
    return number


def _chunk_mb(value: str) -> int:
    number = int(value)
    if number < 5:
        raise ValueError("must be at least 5 (S3's smallest multipart part, in MiB)")
    return number


def _boolean(value: str) -> bool:
    word = value.strip().lower()
    if word in ("1", "true", "yes", "on"):
        return True
    if word in ("0", "false", "no", "off", ""):
        return False
    raise ValueError("must be true or false")


def _non_negative_float(value: str) -> float:
    number = float(value)
    if not number >= 0 or number == float("inf"):
        raise ValueError("must be a number, 0 or more")
    return number


def _comma_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def _networks(value: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    networks = []
    for item in _comma_list(value):
        try:
            networks.append(ipaddress.ip_network(item.strip("[]"), strict=False))
        except ValueError as exc:
            raise ValueError(f"{item!r} is not an IP address or network (CIDR)") from exc
    return tuple(networks)


def _log_format(value: str) -> str:
    word = value.strip().lower()
    if word not in ("plain", "json"):
        raise ValueError("must be plain or json")
    return word


def _base_url(value: str) -> str:
    url = value.strip().rstrip("/")
    scheme, _, rest = url.partition("://")
    if scheme not in ("http", "https") or not rest or "?" in rest or "#" in rest:
        raise ValueError("must be an http:// or https:// URL without query or fragment")
    return url


def default_data_dir() -> Path:
    """The per-user data folder of the platform's conventions: ``$XDG_DATA_HOME/mediamill``
    (``~/.local/share/mediamill``) on Linux and BSD, ``~/Library/Application Support/mediamill``
    on macOS, ``%LOCALAPPDATA%\\mediamill`` on Windows. Never the current folder, so a command
    finds the same data wherever it is run."""
    home = Path.home()
    if sys.platform == "darwin":
        return home / "Library" / "Application Support" / "mediamill"
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local") / "mediamill"
    xdg = os.environ.get("XDG_DATA_HOME", "")
    # The XDG spec says a relative XDG_DATA_HOME is invalid and to be ignored.
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else home / ".local" / "share"
    return base / "mediamill"


def _data_dir(value: str) -> Path:
    return Path(value).resolve() if value.strip() else default_data_dir()


_DECLARED = [
    Setting(
        "MEDIAMILL_DATA_DIR",
        "",
        "Folder for everything mediamill keeps on disk: the embedded database, local buckets, "
        "keys. Empty: the per-user data folder (~/.local/share/mediamill on Linux, "
        "~/Library/Application Support/mediamill on macOS), whatever the current folder.",
        _data_dir,
    ),
    Setting(
        "DATABASE_URL",
        "",
        "Database for pipelines, presets and jobs, as a URL (postgres://user:pass@host:5432/db "
        "or sqlite:///path). Empty: SQLite in MEDIAMILL_DATA_DIR/mediamill.sqlite3.",
    ),
    Setting(
        "MEDIAMILL_ALLOWED_HOSTS",
        "localhost,127.0.0.1,[::1]",
        "Comma-separated host names the server answers to (Django's ALLOWED_HOSTS). Add the "
        "public name when serving beyond this machine.",
        _comma_list,
    ),
    Setting(
        "MEDIAMILL_BEHIND_PROXY",
        "false",
        "true when `mediamill serve` is reached only through a reverse proxy that terminates "
        "TLS: the proxy's X-Forwarded-Proto says whether the request was HTTPS and the last "
        "address of its X-Forwarded-For is the client's. Never set it when clients can reach "
        "the server directly (they could claim any address and HTTPS).",
        _boolean,
    ),
    Setting(
        "MEDIAMILL_HTTP_CONNECTIONS",
        "4000",
        "Connections `mediamill serve` keeps open at once (idle, slow or busy); past this, new "
        "ones wait in the listen queue. Each costs a file descriptor, not a thread.",
        _positive_int,
    ),
    Setting(
        "MEDIAMILL_HTTP_IDLE_TIMEOUT",
        "60",
        "Seconds a connection may stay silent (between requests, or while a request is "
        "incomplete) before the server closes it.",
        _positive_int,
    ),
    Setting(
        "MEDIAMILL_HTTP_HEADER_TIMEOUT",
        "30",
        "Seconds a client has to send a request's headers once it has started; a client "
        "dripping them slowly (slowloris) is disconnected after this.",
        _positive_int,
    ),
    Setting(
        "MEDIAMILL_MAX_REQUEST_BODY_KB",
        "1024",
        "Largest request body, in KiB, the server accepts (API calls, forms). A larger "
        "Content-Length is refused with 413 before the body is read; a chunked body is cut "
        "off at the limit.",
        _positive_int,
    ),
    Setting(
        "MEDIAMILL_UPLOAD_MAX_MB",
        "20480",
        "Largest file, in MiB, a person may upload through the web app's resumable uploads "
        "(/uploads/); a larger Upload-Length is refused (413) before any byte is sent.",
        _positive_int,
    ),
    Setting(
        "MEDIAMILL_UPLOAD_CHUNK_MB",
        "64",
        "Largest piece, in MiB, of a resumable upload sent in one request (at least 5, S3's "
        "smallest multipart part): the request body limit of /uploads/, and the size the "
        "browser sends. Each piece waits in a temporary file of the HTTP server until it is "
        "complete, then streams into the bucket.",
        _chunk_mb,
    ),
    Setting(
        "MEDIAMILL_UPLOAD_EXPIRY_HOURS",
        "24",
        "Hours an unfinished resumable upload may rest; after that it is removed with what "
        "arrived of it (its staging file, or its S3 multipart upload is aborted).",
        _positive_float,
    ),
    Setting(
        "MEDIAMILL_LOGIN_MAX_FAILURES",
        "5",
        "Failed sign-ins for one user name from one address before sign-in is refused for "
        "MEDIAMILL_LOGIN_LOCKOUT_SECONDS.",
        _positive_int,
    ),
    Setting(
        "MEDIAMILL_LOGIN_LOCKOUT_SECONDS",
        "900",
        "How long sign-in stays refused after too many failures, and how long failures are "
        "remembered.",
        _positive_int,
    ),
    Setting(
        "MEDIAMILL_BROKER_URL",
        "",
        "Celery broker for distributed workers (amqp://guest:guest@host:5672// or "
        "redis://host:6379/0). Empty: jobs run on worker threads inside `mediamill serve`.",
    ),
    Setting(
        "MEDIAMILL_SECRET_KEY",
        "",
        "Secret for signing sessions and URLs. Empty: a random key is generated on first start "
        "and kept in MEDIAMILL_DATA_DIR/secret_key.",
    ),
    Setting(
        "MEDIAMILL_BUCKETS",
        "",
        "Where buckets live, as NAME=LOCATION entries separated by ';' (media=s3://my-media;"
        "archive=file:///srv/archive). LOCATION is s3://BUCKET or file:///ABSOLUTE/PATH; the "
        "entry *=... sets the default for unlisted names, where * in the location stands for "
        "the name (*=s3://*). Unlisted names, and every name when empty: a folder "
        "MEDIAMILL_DATA_DIR/buckets/NAME, created on first use.",
    ),
    Setting(
        "MEDIAMILL_S3_ENDPOINT_URL",
        "",
        "URL of the S3-compatible server for s3:// buckets (http://127.0.0.1:8333 for "
        "SeaweedFS, http://minio:9000 for MinIO). Empty: AWS S3.",
    ),
    Setting(
        "MEDIAMILL_S3_ACCESS_KEY_ID",
        "",
        "Access key ID for s3:// buckets. Empty: boto3's usual search (AWS_ACCESS_KEY_ID, "
        "~/.aws/credentials, an instance role).",
    ),
    Setting(
        "MEDIAMILL_S3_SECRET_ACCESS_KEY",
        "",
        "Secret access key for s3:// buckets; goes with MEDIAMILL_S3_ACCESS_KEY_ID.",
    ),
    Setting(
        "MEDIAMILL_S3_REGION",
        "us-east-1",
        "Region used to sign S3 requests: the bucket's AWS region, or the region an "
        "S3-compatible server is configured with (usually us-east-1).",
    ),
    Setting(
        "MEDIAMILL_JOB_LEASE_SECONDS",
        "60",
        "How long a worker holds a job without a heartbeat. A job whose worker died is run "
        "again by another worker once its lease has expired; workers renew it every third of "
        "this time.",
        _positive_float,
    ),
    Setting(
        "MEDIAMILL_DECODE_MEMORY_MB",
        "2048",
        "Address-space limit, in MiB, of the child process that decodes and encodes untrusted "
        "media. A file that needs more fails its own job.",
        _positive_int,
    ),
    Setting(
        "MEDIAMILL_OUTPUT_MAX_MB",
        "51200",
        "Largest file, in MiB, that transcoding one input may write (0: no limit). A tiny "
        "input can expand enormously (an hour of silence as FLAC is 0.5 MB, as WAV 600 MB); "
        "past this the job fails instead of filling the disk.",
        int,
    ),
    Setting(
        "MEDIAMILL_TRANSCODE_TIMEOUT",
        "14400",
        "Wall-clock limit, in seconds, for transcoding one input into all of its outputs.",
        _positive_float,
    ),
    Setting(
        "MEDIAMILL_TRANSCODE_CPU_SECONDS",
        "43200",
        "CPU-time limit, in seconds, for transcoding one input into all of its outputs (all "
        "threads together; 0: no limit). Stops an input that makes the encoders work far more "
        "than its size suggests.",
        _non_negative_float,
    ),
    Setting(
        "MEDIAMILL_INPUT_MAX_SECONDS",
        "43200",
        "Longest input, in seconds, that is transcoded (0: no limit): checked against the "
        "duration the file declares and against the timestamps actually decoded.",
        _non_negative_float,
    ),
    Setting(
        "MEDIAMILL_OUTPUT_RATIO_MAX",
        "400",
        "Largest size of one output as a multiple of the input's size (0: no limit); outputs "
        "up to 16 MiB are always allowed. Checked before encoding where the size is "
        "predictable (PCM) and while writing, so a tiny input that would expand into "
        "gigabytes fails early.",
        _non_negative_float,
    ),
    Setting(
        "MEDIAMILL_SANDBOX_USER",
        "nobody",
        "User the sandboxed decoding child runs as when mediamill runs as root (empty: no "
        "switch). Without root, the child keeps the service's user.",
    ),
    Setting(
        "MEDIAMILL_PROBE_TIMEOUT",
        "30",
        "Wall-clock limit, in seconds, for inspecting one input.",
        _positive_float,
    ),
    Setting(
        "MEDIAMILL_PUBLIC_URL",
        "http://127.0.0.1:8000",
        "The server's address as people and receivers of notifications reach it: the base of "
        "the SubscribeURL, UnsubscribeURL and SigningCertURL in every message. Its host is "
        "allowed, forms may be posted from its origin, and https:// makes cookies Secure.",
        _base_url,
    ),
    Setting(
        "MEDIAMILL_REGION",
        "us-east-1",
        "Region written into the ARNs of the SNS topics mediamill creates.",
    ),
    Setting(
        "MEDIAMILL_NOTIFY_THREADS",
        "2",
        "Threads delivering notifications in each `mediamill serve` and `mediamill worker`.",
        _positive_int,
    ),
    Setting(
        "MEDIAMILL_NOTIFY_TIMEOUT",
        "10",
        "Seconds a subscriber has to answer a notification; no answer in time is a failed "
        "attempt, retried later.",
        _positive_float,
    ),
    Setting(
        "MEDIAMILL_NOTIFY_ALLOWED_NETWORKS",
        "",
        "Comma-separated IP networks (CIDR) or addresses that notification endpoints may be "
        "on although they are not public: loopback, private, link-local and other "
        "special-purpose addresses are refused otherwise, when subscribing and at every "
        "delivery (e.g. 10.0.0.0/8 for receivers on your own network).",
        _networks,
    ),
    Setting(
        "MEDIAMILL_NOTIFY_BACKOFF_SECONDS",
        "5",
        "Wait before the first retry of a failed delivery; each further retry waits twice as "
        "long (with random jitter), up to MEDIAMILL_NOTIFY_MAX_BACKOFF_SECONDS.",
        _positive_float,
    ),
    Setting(
        "MEDIAMILL_NOTIFY_MAX_BACKOFF_SECONDS",
        "600",
        "Longest wait between two attempts to deliver a notification.",
        _positive_float,
    ),
    Setting(
        "MEDIAMILL_NOTIFY_RETRY_SECONDS",
        "86400",
        "How long after it was published a notification is retried before it is given up "
        "(recorded as Failed).",
        _positive_float,
    ),
    # Per-user limits (mediamill.jobs.quotas); each can be changed per user in the admin.
    Setting(
        "MEDIAMILL_USER_MAX_JOBS_IN_FLIGHT",
        "100",
        "Most jobs one user may have Submitted or Progressing at once; CreateJob beyond it "
        "answers 429 LimitExceededException (0: no limit).",
        _non_negative_int,
    ),
    Setting(
        "MEDIAMILL_USER_MAX_JOBS_PER_MINUTE",
        "60",
        "Most jobs one user may create in any 60 seconds; CreateJob beyond it answers 429 "
        "LimitExceededException (0: no limit).",
        _non_negative_int,
    ),
    Setting(
        "MEDIAMILL_USER_MAX_STORED_MB",
        "51200",
        "Most MiB of job outputs one user may have stored: the sizes of the outputs of their "
        "Complete jobs. Checked at CreateJob and again before a job stores its outputs "
        "(0: no limit).",
        _non_negative_int,
    ),
    # The web app for people (mediamill.web).
    Setting(
        "MEDIAMILL_WEB_SIGNUP",
        "true",
        "Whether people may create their own account on the web app's sign-up page. false: "
        "only an administrator creates accounts (admin, `mediamill users createuser`).",
        _boolean,
    ),
    Setting(
        "MEDIAMILL_WEB_LINK_SECONDS",
        "3600",
        "How long a download link shown on a file's page stays valid, in seconds. Links are "
        "signed, bound to one object and its owner, and refused once expired.",
        _positive_int,
    ),
    Setting(
        "MEDIAMILL_EMAIL_HOST",
        "",
        "SMTP server for the web app's mail (password reset). Empty: messages are written to "
        "the server's standard output instead of being sent.",
    ),
    Setting("MEDIAMILL_EMAIL_PORT", "587", "Port of MEDIAMILL_EMAIL_HOST.", _positive_int),
    Setting("MEDIAMILL_EMAIL_USER", "", "User name for MEDIAMILL_EMAIL_HOST (empty: none)."),
    Setting("MEDIAMILL_EMAIL_PASSWORD", "", "Password for MEDIAMILL_EMAIL_USER."),
    Setting(
        "MEDIAMILL_EMAIL_TLS",
        "true",
        "Whether to speak STARTTLS to MEDIAMILL_EMAIL_HOST.",
        _boolean,
    ),
    Setting(
        "MEDIAMILL_EMAIL_FROM",
        "mediamill@localhost",
        "Sender address of the web app's mail.",
    ),
    # Resize URLs (mediamill.images, mediamill.imaging, mediamill.resizer).
    Setting(
        "MEDIAMILL_IMAGE_MAX_SOURCE_PIXELS",
        "50000000",
        "Largest original, in pixels (width x height, per frame), a resize is rendered from; "
        "larger ones are refused (422) before any pixel is decoded (decompression bombs).",
        _positive_int,
    ),
    Setting(
        "MEDIAMILL_IMAGE_MAX_SOURCE_MB",
        "50",
        "Largest original file, in MiB, a resize is rendered from; larger ones are refused "
        "(422) before they are read.",
        _positive_int,
    ),
    Setting(
        "MEDIAMILL_IMAGE_MAX_WIDTH",
        "4096",
        "Widest resize, in pixels, a spec may ask for or a render may produce.",
        _positive_int,
    ),
    Setting(
        "MEDIAMILL_IMAGE_MAX_HEIGHT",
        "4096",
        "Tallest resize, in pixels, a spec may ask for or a render may produce.",
        _positive_int,
    ),
    Setting(
        "MEDIAMILL_IMAGE_FORMATS",
        "JPEG,PNG,GIF,WEBP,AVIF",
        "Comma-separated decoders (Pillow's format names) allowed to read originals; the "
        "bytes decide, never the file name. Anything else is refused (422).",
        _comma_list,
    ),
    Setting(
        "MEDIAMILL_IMAGE_MAX_FRAMES",
        "200",
        "Most frames an animated original (GIF, WebP, APNG) may have; more is refused (422).",
        _positive_int,
    ),
    Setting(
        "MEDIAMILL_IMAGE_RENDERS_AT_ONCE",
        "0",
        "Resizes one server process renders at the same time; more wait their turn "
        "(0: one per CPU core).",
        _non_negative_int,
    ),
    Setting(
        "MEDIAMILL_IMAGE_RENDERS_PER_MINUTE",
        "120",
        "New resizes one client address may have rendered per minute; past it, requests for "
        "resizes not yet stored are answered 429 (0: no limit). Stored resizes are not counted.",
        _non_negative_int,
    ),
    Setting(
        "MEDIAMILL_LOG_FORMAT",
        "plain",
        "plain: one line of text per log record. json: one JSON object per line, with the "
        "request ID, user, job ID and pipeline ID of the work it belongs to.",
        _log_format,
    ),
    Setting(
        "MEDIAMILL_MIN_FREE_DISK_MB",
        "1024",
        "Free space, in MiB, the data folder needs: below it /readyz answers 503 and "
        "`mediamill doctor` fails its disk check.",
        _non_negative_int,
    ),
    Setting(
        "MEDIAMILL_METRICS_ALLOWED_NETWORKS",
        "127.0.0.0/8,::1",
        "Comma-separated IP networks (CIDR) or addresses allowed to read /metrics; others get "
        "403. Add your Prometheus server's.",
        _networks,
    ),
    Setting(
        "MEDIAMILL_LIMIT_SUPERUSERS",
        "false",
        "Whether the per-user limits apply to superusers too (by default they are exempt).",
        _boolean,
    ),
    Setting(
        "MEDIAMILL_TRIGGER_MAX_CHAIN_DEPTH",
        "3",
        "Most triggered jobs in a chain (a job's output firing a rule whose job's output fires "
        "another...). Each rule sets its own depth, 1 by default: outputs of the jobs it starts "
        "fire nothing unless a rule opts in; no rule may set more than this.",
        _positive_int,
    ),
    Setting(
        "MEDIAMILL_TRIGGER_HANDLER_TIMEOUT",
        "60",
        "Wall-clock limit, in seconds, of one run of a trigger's handler function (Lambda's "
        "timeout); the child running it is killed after this.",
        _positive_float,
    ),
    Setting(
        "MEDIAMILL_TRIGGER_HANDLER_MEMORY_MB",
        "1024",
        "Address-space limit, in MiB, of the child process that runs a trigger's handler.",
        _positive_int,
    ),
    Setting(
        "MEDIAMILL_TRIGGER_HANDLER_OUTPUT_KB",
        "64",
        "How much of a handler's stdout, stderr, return value and traceback the event history "
        "keeps, in KiB each; the rest is cut off (and said to be).",
        _positive_int,
    ),
    Setting(
        "MEDIAMILL_WATCH_BUCKETS",
        "",
        "Comma-separated buckets to watch for new and changed objects that mediamill did not "
        "store itself (files copied into a folder bucket, objects written straight to an S3 "
        "server that cannot post events). Empty: none.",
        _comma_list,
    ),
    Setting(
        "MEDIAMILL_WATCH_INTERVAL",
        "10",
        "Seconds between two listings of each watched bucket.",
        _positive_float,
    ),
    Setting(
        "MEDIAMILL_EVENTS_MAX_AGE",
        "300",
        "Seconds an HMAC-signed post to /events/s3 stays valid after its timestamp; older ones, "
        "and any signature seen before, are refused as replays.",
        _positive_int,
    ),
]

SETTINGS: dict[str, Setting] = {s.name: s for s in _DECLARED}

#: Settings whose values are credentials (a URL may carry a password).
SECRET_SETTINGS = (
    "DATABASE_URL",
    "MEDIAMILL_BROKER_URL",
    "MEDIAMILL_SECRET_KEY",
    "MEDIAMILL_S3_ACCESS_KEY_ID",
    "MEDIAMILL_S3_SECRET_ACCESS_KEY",
)

#: Values taken out of the environment by ``scrub_environment``.
_kept: dict[str, str] = {}


#: Defaults a process worked out for itself (``serve`` derives MEDIAMILL_PUBLIC_URL from its
#: host and port); they stand in for the declared default while the variable is unset.
_derived: dict[str, str] = {}


def get(name: str) -> Any:
    """The parsed value of a declared setting, read from the environment now.

    A secret removed by ``scrub_environment`` is answered from memory; one set in the
    environment again afterwards wins.
    """
    setting = SETTINGS[name]
    raw = os.environ.get(name)
    if raw is None:
        raw = _kept.get(name, _derived.get(name, setting.default))
    try:
        return setting.parse(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{name}={raw!r} is not valid: {exc}") from exc


def scrub_environment() -> list[str]:
    """Move the secret settings out of the environment into memory; return their names.

    Called once a long-running process (``serve``, ``worker``) starts, before it runs any
    untrusted work. Everything that reads settings goes through ``get``, which still answers.
    """
    moved = [name for name in SECRET_SETTINGS if name in os.environ]
    for name in moved:
        _kept[name] = os.environ.pop(name)
    _blank_initial_environment(moved)
    return moved


def _blank_initial_environment(names: list[str]) -> None:
    """Overwrite the values of ``names`` in the environment block the process started with.

    ``/proc/PID/environ`` shows that block, not ``os.environ``: removing a variable only
    drops the C library's pointer to it. After ``os.environ.pop`` nothing points into these
    bytes any more, so zeroing them is safe. Linux only; elsewhere nothing is done.
    """
    if not names:
        return
    try:
        with open("/proc/self/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
        # Fields 50 and 51 of proc(5) (env_start, env_end); the list starts at field 3.
        start, end = int(fields[47]), int(fields[48])
    except (OSError, IndexError, ValueError):
        return
    block = ctypes.string_at(start, end - start)
    offset = 0
    for entry in block.split(b"\0"):
        name, sep, value = entry.partition(b"=")
        if sep and name.decode(errors="replace") in names and value:
            ctypes.memset(start + offset + len(name) + 1, 0, len(value))
        offset += len(entry) + 1


def get_raw(name: str) -> str:
    """The environment's text for ``name``, "" when it is unset (no default, no parsing)."""
    if name not in SETTINGS:
        raise KeyError(name)
    return os.environ.get(name, "")


def derive(name: str, value: str) -> None:
    """Use ``value`` instead of the declared default of ``name`` in this process, while the
    environment does not set it. Checked now, so a bad value fails where it is derived."""
    setting = SETTINGS[name]
    try:
        setting.parse(value)
    except ValueError as exc:
        raise ConfigurationError(f"{name}={value!r} (derived) is not valid: {exc}") from exc
    _derived[name] = value
