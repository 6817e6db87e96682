"""``/metrics``, in Prometheus's text format.

Two kinds of figures. Counted in this process, as requests are answered: HTTP requests by
route (the URL pattern, so IDs do not multiply the series), method and status, and their
durations. Read from the database at each scrape, so they are right whichever process did
the work (``mediamill serve``, any ``mediamill worker``): jobs by state, the queue (jobs
Submitted: how many, and the age of the oldest), how long finished jobs took (submit to
finish, and start to finish), the durations of the outputs produced, and notification
deliveries (pending, failed, and the age of the oldest pending).
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Iterator, Sequence

from django.db.models import Count, F, Min
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from mediamill import settings
from mediamill.accounts.signin import client_address

# auto_describe off: it would run the database collector once at import, outside any request.
REGISTRY = CollectorRegistry(auto_describe=False)

HTTP_REQUESTS = Counter(
    "mediamill_http_requests",
    "HTTP requests answered, by route, method and status.",
    ["route", "method", "status"],
    registry=REGISTRY,
)
HTTP_SECONDS = Histogram(
    "mediamill_http_request_duration_seconds",
    "Time to answer HTTP requests, by route.",
    ["route"],
    registry=REGISTRY,
)

#: Upper bounds, in seconds, of the job and output duration histograms.
DURATION_BUCKETS = (1, 5, 10, 30, 60, 300, 900, 3600, 4 * 3600)


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    HTTP_REQUESTS.labels(route=route, method=method, status=str(status)).inc()
    HTTP_SECONDS.labels(route=route).observe(seconds)


class DatabaseCollector:
    """Figures read from the database at each scrape."""

    def collect(self) -> Iterator[Metric]:
        from mediamill.jobs.models import Job, JobOutput, JobStatus
        from mediamill.notifications.models import Delivery

        now_ms = time.time() * 1000
        jobs = GaugeMetricFamily("mediamill_jobs", "Jobs stored, by state.", labels=["state"])
        counts = dict(Job.objects.values_list("status").annotate(n=Count("id")))
        for state in JobStatus.values:
            jobs.add_metric([state], counts.get(state, 0))
        yield jobs

        queued = Job.objects.filter(status=JobStatus.SUBMITTED)
        yield GaugeMetricFamily(
            "mediamill_queue_jobs", "Jobs waiting to start (Submitted).", value=queued.count()
        )
        oldest = queued.aggregate(at=Min("submit_time_millis"))["at"]
        yield GaugeMetricFamily(
            "mediamill_queue_oldest_age_seconds",
            "Age of the oldest Submitted job (0: none waits).",
            value=0 if oldest is None else max(0.0, (now_ms - oldest) / 1000),
        )

        finished = Job.objects.filter(
            status__in=(JobStatus.COMPLETE, JobStatus.ERROR),
            start_time_millis__isnull=False,
            finish_time_millis__isnull=False,
        )
        running = finished.annotate(ms=F("finish_time_millis") - F("start_time_millis"))
        yield _histogram(
            "mediamill_job_run_seconds",
            "Finished jobs: time from start to finish (Complete and Error).",
            [row / 1000 for row in running.values_list("ms", flat=True)],
        )
        total = finished.annotate(ms=F("finish_time_millis") - F("submit_time_millis"))
        yield _histogram(
            "mediamill_job_seconds",
            "Finished jobs: time from submission to finish, waiting included.",
            [row / 1000 for row in total.values_list("ms", flat=True)],
        )
        outputs = JobOutput.objects.filter(duration_millis__isnull=False)
        yield _histogram(
            "mediamill_output_media_seconds",
            "Outputs produced: the duration of their media.",
            [(row or 0) / 1000 for row in outputs.values_list("duration_millis", flat=True)],
        )

        deliveries = GaugeMetricFamily(
            "mediamill_deliveries",
            "Notification deliveries, by status.",
            labels=["status"],
        )
        by_status = dict(Delivery.objects.values_list("status").annotate(n=Count("id")))
        for status in ("Pending", "Delivered", "Failed", "Canceled"):
            deliveries.add_metric([status], by_status.get(status, 0))
        yield deliveries
        first = Delivery.objects.filter(status="Pending").aggregate(at=Min("created"))["at"]
        yield GaugeMetricFamily(
            "mediamill_deliveries_pending_oldest_age_seconds",
            "Age of the oldest pending notification delivery (0: none).",
            value=0 if first is None else max(0.0, now_ms / 1000 - first.timestamp()),
        )


def _histogram(name: str, documentation: str, values: Sequence[float]) -> Metric:
    buckets = []
    for bound in DURATION_BUCKETS:
        buckets.append((str(float(bound)), sum(1 for v in values if v <= bound)))
    buckets.append(("+Inf", len(values)))
    return HistogramMetricFamily(name, documentation, buckets=buckets, sum_value=sum(values))


REGISTRY.register(DatabaseCollector())


@never_cache
@require_safe
def metrics_view(request: HttpRequest) -> HttpResponse:
    try:
        address = ipaddress.ip_address(client_address(request))
    except ValueError:
        address = None
    allowed = settings.get("MEDIAMILL_METRICS_ALLOWED_NETWORKS")
    if address is None or not any(address in network for network in allowed):
        return HttpResponse(
            "/metrics is not open to this address (MEDIAMILL_METRICS_ALLOWED_NETWORKS)\n",
            status=403,
            content_type="text/plain",
        )
    return HttpResponse(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST)
