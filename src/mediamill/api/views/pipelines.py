"""CreatePipeline, ListPipelines, ReadPipeline, UpdatePipeline, UpdatePipelineStatus,
UpdatePipelineNotifications, DeletePipeline and TestRole."""

from __future__ import annotations

from django.http import HttpRequest

from mediamill.api import requests, responses
from mediamill.api.errors import ApiError
from mediamill.api.http import Caller, Reply, json_body, operation, resource
from mediamill.api.pagination import page_request, paginate, queryset_source
from mediamill.jobs import access, pipelines
from mediamill.jobs.models import Pipeline


@operation("CreatePipeline")
def create_pipeline(request: HttpRequest, caller: Caller) -> Reply:
    pipeline_request = requests.pipeline_request(json_body(request))
    row = pipelines.create_pipeline(pipeline_request, owner=caller.user)
    return 201, {"Pipeline": responses.pipeline(row, caller), "Warnings": _warnings(row, caller)}


@operation("ListPipelines")
def list_pipelines(request: HttpRequest, caller: Caller) -> Reply:
    page = paginate(
        [queryset_source(access.pipelines(caller.user))],
        *page_request(request),
    )
    body: dict[str, object] = {"Pipelines": [responses.pipeline(p, caller) for p in page.items]}
    if page.next_token is not None:
        body["NextPageToken"] = page.next_token
    return 200, body


@operation("ReadPipeline")
def read_pipeline(request: HttpRequest, caller: Caller, pipeline_id: str) -> Reply:
    row = visible(caller, pipeline_id)
    return 200, {"Pipeline": responses.pipeline(row, caller), "Warnings": _warnings(row, caller)}


@operation("UpdatePipeline")
def update_pipeline(request: HttpRequest, caller: Caller, pipeline_id: str) -> Reply:
    visible(caller, pipeline_id)
    changes = requests.pipeline_changes(json_body(request))
    row = pipelines.update_pipeline(pipeline_id, changes, user=caller.user)
    return 200, {"Pipeline": responses.pipeline(row, caller), "Warnings": _warnings(row, caller)}


@operation("UpdatePipelineStatus")
def update_status(request: HttpRequest, caller: Caller, pipeline_id: str) -> Reply:
    visible(caller, pipeline_id)
    row = pipelines.update_status(pipeline_id, json_body(request)["Status"], caller.user)
    return 200, {"Pipeline": responses.pipeline(row, caller)}


@operation("UpdatePipelineNotifications")
def update_notifications(request: HttpRequest, caller: Caller, pipeline_id: str) -> Reply:
    visible(caller, pipeline_id)
    topics = requests.notifications(json_body(request)["Notifications"])
    assert topics is not None
    row = pipelines.update_notifications(pipeline_id, topics, user=caller.user)
    return 200, {"Pipeline": responses.pipeline(row, caller)}


@operation("DeletePipeline")
def delete_pipeline(request: HttpRequest, caller: Caller, pipeline_id: str) -> Reply:
    visible(caller, pipeline_id)
    pipelines.delete_pipeline(pipeline_id, caller.user)
    return 202, {}


@operation("TestRole")
def test_role(request: HttpRequest, caller: Caller) -> Reply:
    role_test = requests.role_test_request(json_body(request))
    messages = pipelines.role_test(role_test, user=caller.user)
    return 200, {"Success": "false" if messages else "true", "Messages": messages}


def visible(caller: Caller, pipeline_id: str) -> Pipeline:
    """The pipeline if the caller may see it; otherwise it does not exist for them."""
    row = access.pipelines(caller.user).filter(pk=pipeline_id).first()
    if row is None:
        raise ApiError(
            "ResourceNotFoundException",
            f"The specified pipeline was not found: account={caller.account}, "
            f"pipelineId={pipeline_id}.",
        )
    return row


collection = resource(GET=list_pipelines, POST=create_pipeline)
item = resource(GET=read_pipeline, PUT=update_pipeline, DELETE=delete_pipeline)
status = resource(POST=update_status)
notifications = resource(POST=update_notifications)
role_tests = resource(POST=test_role)


def _warnings(row: Pipeline, caller: Caller) -> list[dict[str, str]]:
    """Topics in another region than the one the request was signed for (code 6006)."""
    return [
        {"Code": w.code, "Message": w.message}
        for w in pipelines.region_warnings(row, caller.region)
    ]
