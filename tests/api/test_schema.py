"""schemathesis against the live server: for requests generated from the served OpenAPI
document, no 5xx and every response as documented (status, content type, headers, body).

Requests are signed with SigV4 like any client's. Generated IDs rarely name anything, so half
of them are pointed at objects made beforehand, to check the success shapes too.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.contrib.auth.models import User
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from tests.api_helpers import (
    Client,
    SigV4,
    new_pipeline,
    submit,
)

from mediamill.accounts.access_keys import create_key
from mediamill.api import openapi

pytestmark = pytest.mark.django_db(transaction=True)

#: Generated requests per operation; 17 operations in all.
EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


OPERATIONS = sorted(
    operation["operationId"]
    for path in openapi.document()["paths"].values()
    for operation in path.values()
)


@pytest.fixture
def api_schema(live_server: Any) -> Any:
    """The description the server serves, not the one in this process's memory."""
    return schemathesis.openapi.from_url(f"{live_server.url}/2012-09-25/openapi.json")


@pytest.fixture
def existing(et: Client) -> dict[str, str]:
    """A pipeline with a queued job, and a custom preset, for generated requests to aim at."""
    pipeline = new_pipeline(et)["Id"]
    et.update_pipeline_status(Id=pipeline, Status="Paused")
    preset = et.create_preset(
        Name="schema", Container="flac", Audio={"Codec": "flac", "SampleRate": "44100"}
    )["Preset"]["Id"]
    return {"pipelines": pipeline, "jobs": submit(et, pipeline), "presets": preset}


#: The one operation the fast lane checks (`make test-fast`); the others are `slow`.
FAST_OPERATION = "ReadJob"


@pytest.mark.parametrize(
    "operation_id",
    [pytest.param(op, marks=() if op == FAST_OPERATION else pytest.mark.slow) for op in OPERATIONS],
)
def test_api_matches_its_description(
    operation_id: str, api_schema: Any, live_server: Any, alice: User, existing: dict[str, str]
) -> None:
    auth = SigV4(*create_key(alice))

    @given(case=api_schema.find_operation_by_id(operation_id).as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: Any) -> None:
        _aim(case, existing)
        case.call_and_validate(base_url=live_server.url, auth=auth, checks=CHECKS)

    check()


def _aim(case: Any, existing: dict[str, str]) -> None:
    """Point every other generated ID at an existing object of the right kind."""
    kind = case.operation.path.split("/")[2]  # /2012-09-25/<kind>/...
    kind = {"jobsByPipeline": "pipelines"}.get(kind, kind)
    for name in ("Id", "PipelineId"):
        value = (case.path_parameters or {}).get(name)
        if value and value[-1] in "02468acegikmoqsuwyACEGIKMOQSUWY_" and kind in existing:
            case.path_parameters[name] = existing[kind]
    body = case.body
    if isinstance(body, dict) and isinstance(body.get("PipelineId"), str) and len(body) % 2:
        body["PipelineId"] = existing["pipelines"]
