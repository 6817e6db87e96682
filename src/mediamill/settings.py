"""Every setting, declared once: its environment variable, default and meaning.

This module is the one place that reads mediamill's environment variables. Other modules ask
for a value with ``settings.get(NAME)``; nobody calls ``os.environ`` for a setting with an
ad-hoc default. ``docs/settings.md`` documents each declared setting, and a test keeps the two
in step.
"""

from __future__ import annotations

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


def _boolean(value: str) -> bool:
    word = value.strip().lower()
    if word in ("1", "true", "yes", "on"):
        return True
    if word in ("0", "false", "no", "off", ""):
        return False
    raise ValueError("must be true or false")


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
]

SETTINGS: dict[str, Setting] = {s.name: s for s in _DECLARED}


#: Defaults a process worked out for itself (``serve`` derives MEDIAMILL_PUBLIC_URL from its
#: host and port); they stand in for the declared default while the variable is unset.
_derived: dict[str, str] = {}


def get(name: str) -> Any:
    """The parsed value of a declared setting, read from the environment now."""
    setting = SETTINGS[name]
    raw = os.environ.get(name, _derived.get(name, setting.default))
    try:
        return setting.parse(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{name}={raw!r} is not valid: {exc}") from exc


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
