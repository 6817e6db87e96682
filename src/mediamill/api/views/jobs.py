"""CreateJob, ReadJob, CancelJob, ListJobsByPipeline and ListJobsByStatus."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest

from mediamill.api import requests, responses
from mediamill.api.errors import ApiError
from mediamill.api.http import Caller, Reply, json_body, operation, resource
from mediamill.api.pagination import page_request, paginate, queryset_source
from mediamill.api.views.pipelines import visible as visible_pipeline
from mediamill.jobs import access, service
from mediamill.jobs.models import Job


@operation("CreateJob")
def create_job(request: HttpRequest, caller: Caller) -> Reply:
    job_request = requests.job_request(json_body(request))
    visible_pipeline(caller, job_request.pipeline_id)
    row = service.create_job(job_request, owner=caller.user)
    return 201, {"Job": responses.job(row, caller)}


@operation("ReadJob")
def read_job(request: HttpRequest, caller: Caller, job_id: str) -> Reply:
    return 200, {"Job": responses.job(_visible(caller, job_id), caller)}


@operation("CancelJob")
def cancel_job(request: HttpRequest, caller: Caller, job_id: str) -> Reply:
    _visible(caller, job_id)
    service.cancel(job_id, caller.user)  # only Submitted jobs: otherwise InvalidStateError -> 409
    return 202, {}


@operation("ListJobsByPipeline")
def list_by_pipeline(request: HttpRequest, caller: Caller, pipeline_id: str) -> Reply:
    visible_pipeline(caller, pipeline_id)
    return _page(request, caller, access.jobs(caller.user).filter(pipeline_id=pipeline_id))


@operation("ListJobsByStatus")
def list_by_status(request: HttpRequest, caller: Caller, status: str) -> Reply:
    return _page(request, caller, access.jobs(caller.user).filter(status=status))


def _page(request: HttpRequest, caller: Caller, rows: QuerySet[Job]) -> Reply:
    page = paginate(
        [queryset_source(rows.prefetch_related("outputs"))],
        *page_request(request),
    )
    body: dict[str, Any] = {"Jobs": [responses.job(j, caller) for j in page.items]}
    if page.next_token is not None:
        body["NextPageToken"] = page.next_token
    return 200, body


def _visible(caller: Caller, job_id: str) -> Job:
    row = access.jobs(caller.user).prefetch_related("outputs").filter(pk=job_id).first()
    if row is None:
        raise ApiError(
            "ResourceNotFoundException",
            f"The specified job was not found: account={caller.account}, jobId={job_id}.",
        )
    return row


collection = resource(POST=create_job)
item = resource(GET=read_job, DELETE=cancel_job)
by_pipeline = resource(GET=list_by_pipeline)
by_status = resource(GET=list_by_status)
