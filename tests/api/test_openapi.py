"""The served OpenAPI document says exactly what the service model says, plus mediamill's
documented additions: no operation, member or constraint more or less."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from mediamill import servicemodel
from mediamill.api import openapi

pytestmark = pytest.mark.django_db

README = Path(__file__).parents[2] / "README.md"


@pytest.fixture
def served(client: Client) -> dict[str, Any]:
    response = client.get("/2012-09-25/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def _operations(document: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    return {
        operation["operationId"]: (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    }


def _target(schema: dict[str, Any]) -> str:
    if "allOf" in schema:
        schema = schema["allOf"][0]
    return str(schema["$ref"]).rsplit("/", 1)[-1]


def test_every_operation_of_the_model_and_no_other(served: dict[str, Any]) -> None:
    operations = _operations(served)
    model = servicemodel.operations()
    assert set(operations) == set(model) and len(model) == 17
    for name, spec in model.items():
        method, path, operation = operations[name]
        assert (method, path) == (spec["http"]["method"], spec["http"]["requestUri"])
        statuses = {
            str(servicemodel.shape(e["shape"]).get("error", {}).get("httpStatusCode", 500))
            for e in spec["errors"]
        }
        success = str(spec["http"].get("responseCode", 200))
        assert set(operation["responses"]) == statuses | {success}, name
        located = {m.name: m for m in servicemodel.input_members(name) if m.location != "body"}
        parameters = {p["name"]: p for p in operation.get("parameters", ())}
        assert set(parameters) == set(located), name
        for member in located.values():
            where = {"uri": "path", "querystring": "query"}[member.location]
            assert parameters[member.name]["in"] == where
            assert _target(parameters[member.name]["schema"]) == member.shape
        has_body = any(m.location == "body" for m in servicemodel.input_members(name))
        assert ("requestBody" in operation) == has_body, name
        assert bool(operation.get("deprecated")) == bool(spec.get("deprecated"))


def test_every_member_and_constraint_of_the_model(served: dict[str, Any]) -> None:
    schemas = served["components"]["schemas"]
    added = set()
    for name, schema in schemas.items():
        if name == "ErrorResponse":  # the protocol's error body, not a shape
            assert schema["properties"] == {"message": {"type": "string"}}
            continue
        spec = servicemodel.shape(name)
        if spec["type"] == "structure":
            members = {m: s for m, s in spec["members"].items() if "location" not in s}
            properties = schema["properties"]
            added |= {(name, m) for m in set(properties) - set(members)}
            assert set(members) <= set(properties), name
            for member, member_spec in members.items():
                if (name, member) in openapi.LOOSENED:
                    continue
                assert _target(properties[member]) == member_spec["shape"], (name, member)
            required = [m for m in spec.get("required", ()) if m in members]
            assert schema.get("required", []) == required
        elif spec["type"] == "string":
            assert schema["type"] == "string"
            assert schema.get("minLength") == spec.get("min")
            assert schema.get("maxLength") == spec.get("max")
            if "pattern" in spec:
                assert schema["pattern"] == openapi.ascii_pattern(spec["pattern"])
            else:
                assert "pattern" not in schema
        elif spec["type"] == "list":
            assert _target(schema["items"]) == spec["member"]["shape"]
            assert (schema.get("minItems"), schema.get("maxItems")) == (
                spec.get("min"),
                spec.get("max"),
            )
        elif spec["type"] == "map":
            assert _target(schema["additionalProperties"]) == spec["value"]["shape"]
            assert schema.get("maxProperties") == spec.get("max")
        else:
            assert schema["type"] == "integer"
    # Every shape an operation reaches is there (exceptions have no body members).
    reached = {
        spec[part]["shape"]
        for spec in servicemodel.operations().values()
        for part in ("input", "output")
        if part in spec
    }
    for shape in reached:
        located_only = all("location" in m for m in servicemodel.shape(shape)["members"].values())
        assert shape in schemas or located_only, shape
    # Nothing else was added than what is documented.
    assert (
        added
        == {("Job", "Progress")}
        == {(shape, member) for shape, members in openapi.ADDITIONS.items() for member in members}
    )
    assert "`Progress`" in README.read_text()


def test_patterns_are_the_models_with_ascii_classes() -> None:
    assert openapi.ascii_pattern(servicemodel.shape("Id")["pattern"]) == (
        "^[0-9]{13}-[A-Za-z0-9_]{6}$"
    )
