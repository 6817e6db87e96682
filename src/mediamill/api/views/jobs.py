"""CreateJob, ReadJob, CancelJob, ListJobsByPipeline and ListJobsByStatus."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest

from mediamill.api import params, wire
from mediamill.api.errors import ApiError
from mediamill.api.http import Caller, Reply, json_body, resource
from mediamill.api.pagination import paginate, queryset_source
from mediamill.api.views.pipelines import visible as visible_pipeline
from mediamill.jobs import access, constraints, publish, service
from mediamill.jobs.models import Job

#: The model's limit on Inputs; mediamill transcodes one input per job (no stitching).
MAX_INPUTS = 200


def create_job(request: HttpRequest, caller: Caller) -> Reply:
    body = json_body(request)
    members = constraints.Members(body)
    pipeline_id = members.string("PipelineId", required=True, pattern=constraints.ID)
    members.done()
    assert pipeline_id is not None
    job_input = _single_input(body)
    outputs = _outputs(body)
    prefix = body.get("OutputKeyPrefix")
    visible_pipeline(caller, pipeline_id, "pipelineId")
    row = service.create_job(
        pipeline_id,
        job_input,
        outputs,
        output_key_prefix="" if prefix is None else prefix,
        user_metadata=body.get("UserMetadata"),
        owner=caller.user,
        output_exists=publish.output_exists,  # also refuses keys a folder is in the way of
        playlists=body.get("Playlists"),
    )
    return 201, {"Job": wire.job(row, caller)}


def read_job(request: HttpRequest, caller: Caller, job_id: str) -> Reply:
    return 200, {"Job": wire.job(_visible(caller, job_id), caller)}


def cancel_job(request: HttpRequest, caller: Caller, job_id: str) -> Reply:
    _visible(caller, job_id)
    service.cancel(job_id)  # only Submitted jobs: otherwise InvalidStateError -> 409
    return 202, {}


def list_by_pipeline(request: HttpRequest, caller: Caller, pipeline_id: str) -> Reply:
    visible_pipeline(caller, pipeline_id, "pipelineId")
    return _page(request, caller, access.jobs(caller.user).filter(pipeline_id=pipeline_id))


def list_by_status(request: HttpRequest, caller: Caller, status: str) -> Reply:
    params.job_status(status)
    return _page(request, caller, access.jobs(caller.user).filter(status=status))


def _page(request: HttpRequest, caller: Caller, rows: QuerySet[Job]) -> Reply:
    page = paginate(
        [queryset_source(rows.prefetch_related("outputs"))],
        params.page_token(request),
        params.ascending(request),
    )
    body: dict[str, Any] = {"Jobs": [wire.job(j, caller) for j in page.items]}
    if page.next_token is not None:
        body["NextPageToken"] = page.next_token
    return 200, body


def _visible(caller: Caller, job_id: str) -> Job:
    params.path_id(job_id)
    row = access.jobs(caller.user).prefetch_related("outputs").filter(pk=job_id).first()
    if row is None:
        raise ApiError(
            "ResourceNotFoundException",
            f"The specified job was not found: account={caller.account}, jobId={job_id}.",
        )
    return row


def _single_input(body: dict[str, Any]) -> Any:
    """``Input``, or ``Inputs`` with one element: the two wire forms of one input."""
    single, several = body.get("Input"), body.get("Inputs")
    if single is not None and several is not None:
        raise ApiError("ValidationException", "Specify either Input or Inputs, not both.")
    if several is None:
        if single is None:
            raise ApiError("ValidationException", "The job has no input: specify Input or Inputs.")
        return single
    if not isinstance(several, list) or not several:
        raise ApiError("ValidationException", "Inputs must be a list of one or more inputs.")
    if len(several) > MAX_INPUTS:
        raise ApiError("ValidationException", f"Inputs has at most {MAX_INPUTS} elements.")
    if len(several) > 1:
        raise ApiError(
            "ValidationException",
            "Inputs has more than one input: stitching multiple inputs is not supported.",
        )
    return several[0]


def _outputs(body: dict[str, Any]) -> Any:
    """``Outputs``, or ``Output`` as a list of one."""
    single, several = body.get("Output"), body.get("Outputs")
    if single is not None and several is not None:
        raise ApiError("ValidationException", "Specify either Output or Outputs, not both.")
    if single is not None:
        return [single]
    if several is None:
        raise ApiError("ValidationException", "The job has no output: specify Output or Outputs.")
    return several


collection = resource(POST=create_job)
item = resource(GET=read_job, DELETE=cancel_job)
by_pipeline = resource(GET=list_by_pipeline)
by_status = resource(GET=list_by_status)
