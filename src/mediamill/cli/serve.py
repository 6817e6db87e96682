"""``mediamill serve`` and ``mediamill worker``: the service's two long-running processes."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from types import FrameType
from typing import Any

log = logging.getLogger("mediamill.serve")


def register(subparsers: Any) -> None:
    serve = subparsers.add_parser(
        "serve",
        help="run the server (web app, API, admin) and, without a broker, the workers",
        description=(
            "Apply database migrations, then serve HTTP (the admin at /admin/, /healthz, /readyz). "
            "Without MEDIAMILL_BROKER_URL, jobs run on worker threads inside this process; "
            "with it, jobs are sent to `mediamill worker` processes through the broker."
        ),
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on")
    serve.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="embedded worker threads (default: number of cores); ignored with a broker",
    )
    serve.add_argument(
        "--http-threads", type=int, default=16, help="threads answering HTTP requests"
    )
    serve.set_defaults(handler=run_serve)

    worker = subparsers.add_parser(
        "worker",
        help="run a Celery worker (distributed mode, needs MEDIAMILL_BROKER_URL)",
        description=(
            "Run jobs sent through the broker in MEDIAMILL_BROKER_URL (RabbitMQ or Redis). "
            "Run as many as you like, on as many machines as share the database and buckets."
        ),
    )
    worker.add_argument(
        "-c",
        "--concurrency",
        type=int,
        default=os.cpu_count() or 1,
        help="jobs run at once by this worker (default: number of cores)",
    )
    worker.add_argument("--loglevel", default="INFO", help="Celery log level")
    worker.set_defaults(handler=run_worker)


def _prepare() -> None:
    from mediamill.cli.common import open_database

    open_database()


def derive_public_url(host: str, port: int) -> str | None:
    """Without MEDIAMILL_PUBLIC_URL, the server's own address becomes the public URL (the base
    of SubscribeURL and SigningCertURL); returns the sentence saying so, or None when the
    setting is given."""
    from mediamill import settings

    if settings.get_raw("MEDIAMILL_PUBLIC_URL"):
        return None
    wildcard = host in ("0.0.0.0", "::", "")
    shown = "127.0.0.1" if wildcard else (f"[{host}]" if ":" in host else host)
    url = f"http://{shown}:{port}"
    settings.derive("MEDIAMILL_PUBLIC_URL", url)
    note = f"public URL {url}, from --host and --port (set MEDIAMILL_PUBLIC_URL to change it"
    if wildcard:
        note += "; listening on every address, so receivers elsewhere need it set"
    return note + ")"


def run_serve(args: argparse.Namespace) -> int:
    from mediamill import settings
    from mediamill.errors import ConfigurationError

    if args.workers < 1:
        raise ConfigurationError("--workers must be at least 1")
    public_url_note = derive_public_url(args.host, args.port)
    _prepare()
    from mediamill.httpserver import make_server
    from mediamill.site.wsgi import application

    broker = settings.get("MEDIAMILL_BROKER_URL")
    if broker:
        from mediamill.workers.celery_app import Dispatcher, make_app

        dispatch: Any = Dispatcher(make_app())
        mode = "jobs go to Celery workers through the broker"
    else:
        from mediamill.workers.embedded import EmbeddedWorkers

        dispatch = EmbeddedWorkers(args.workers)
        mode = f"{args.workers} embedded worker thread(s)"
    try:
        server = make_server(application, args.host, args.port, args.http_threads)
    except OSError as exc:
        raise ConfigurationError(
            f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc} "
            "(is another server running there? choose another with --port)"
        ) from exc
    _stop_on_sigterm()
    dispatch.start()
    notifier = _start_notifications()
    from mediamill.uploads.sweep import UploadSweeper

    upload_sweeper = UploadSweeper()
    upload_sweeper.start()
    print(
        f"mediamill serving on http://{args.host}:{args.port}/ ({mode}); "
        f"data in {settings.get('MEDIAMILL_DATA_DIR')}",
        file=sys.stderr,
        flush=True,
    )
    if public_url_note:
        print(f"mediamill: {public_url_note}", file=sys.stderr, flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        print("mediamill: stopping", file=sys.stderr, flush=True)
        server.close()
        dispatch.stop()
        notifier.stop()
        upload_sweeper.stop()
    return 0


def _start_notifications() -> Any:
    """The threads that deliver job notifications (in both modes, and in every worker)."""
    from mediamill.notifications.delivery import DeliveryWorker

    notifier = DeliveryWorker()
    notifier.start()
    return notifier


def _stop_on_sigterm() -> None:
    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)


def _warn_if_root() -> None:
    """Say it once, in our words: Celery's own warning advises a --uid option that
    ``mediamill worker`` does not have."""
    import warnings

    from celery.exceptions import SecurityWarning

    warnings.filterwarnings("ignore", category=SecurityWarning)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        log.warning(
            "running as root: run workers as an unprivileged user (systemd's User=, see "
            "docs/deploy.md); a hostile input file could do more harm as root"
        )


def run_worker(args: argparse.Namespace) -> int:
    from mediamill import settings
    from mediamill.errors import ConfigurationError

    if not settings.get("MEDIAMILL_BROKER_URL"):
        raise ConfigurationError(
            "MEDIAMILL_BROKER_URL is not set: `mediamill worker` needs a broker "
            "(without one, `mediamill serve` runs the jobs itself)"
        )
    _prepare()
    from mediamill.jobs.runner import remove_stale_work_dirs
    from mediamill.workers.celery_app import Dispatcher, make_app

    remove_stale_work_dirs()
    app = make_app()
    sweeper = Dispatcher(app)
    sweeper.start(sweep=True)
    notifier = _start_notifications()
    _warn_if_root()
    try:
        app.worker_main(
            [
                "--quiet",  # no banner: what matters is logged, in mediamill's format
                "worker",
                f"--concurrency={args.concurrency}",
                "--pool=threads",
                f"--loglevel={args.loglevel}",
                # Unique per process: Celery's default, celery@HOST, is the same for every
                # worker on a machine, and RabbitMQ refuses a second consumer of that node's
                # exclusive control queue, so a second worker there would crash at start.
                f"--hostname=mediamill-{os.getpid()}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ]
        )
    finally:
        sweeper.stop()
        notifier.stop()
    return 0
