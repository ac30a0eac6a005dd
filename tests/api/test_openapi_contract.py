"""The published contract: docs/openapi.json matches the code, and the document keeps its rules."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.api.contract import ERROR_SCHEMA, ErrorResponse
from app.api.openapi_document import render

DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
REF = f"#/components/schemas/{ERROR_SCHEMA}"


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(render())
    return document


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, item in spec["paths"].items() for method, op in item.items()]


def test_checked_in_document_matches_the_code() -> None:
    assert DOCUMENT.read_text() == render(), "docs/openapi.json is stale: run scripts/openapi and commit it"


def test_operation_ids_are_unique_camel_case_with_words(spec: dict[str, Any]) -> None:
    ids = [op["operationId"] for _p, _m, op in _operations(spec)]
    assert len(ids) == len(set(ids))
    for path, _method, op in _operations(spec):
        assert re.fullmatch(r"[a-z]+(?:[A-Z][a-z0-9]*)*", op["operationId"]), op["operationId"]
        assert op["summary"] and op["description"], path
        assert op["tags"], path
    assert {"createTask", "listTasks", "runTask", "listExecutions", "getExecution"} <= set(ids)


def test_every_error_uses_the_envelope_and_fastapi_detail_shape_is_gone(spec: dict[str, Any]) -> None:
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    assert spec["components"]["schemas"][ERROR_SCHEMA]["required"] == ["error"]
    for path, method, op in _operations(spec):
        for status, response in op["responses"].items():
            if int(status) >= 400:
                assert response["content"]["application/json"]["schema"] == {"$ref": REF}, (path, method, status)


def test_errors_are_documented_where_they_can_occur(spec: dict[str, Any]) -> None:
    ops = {op["operationId"]: op for _p, _m, op in _operations(spec)}
    assert {"401", "413", "422", "503"} <= set(ops["createTask"]["responses"])
    assert {"401", "404", "409", "503"} <= set(ops["runTask"]["responses"])
    assert "409" in ops["pauseTask"]["responses"]
    assert "404" in ops["getExecution"]["responses"]
    assert set(ops["getLiveness"]["responses"]) == {"200"}
    assert ops["getLiveness"]["security"] == []
    assert "503" in ops["getReadiness"]["responses"]


def test_bearer_scheme_tags_and_examples(spec: dict[str, Any]) -> None:
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": spec["components"]["securitySchemes"]["bearerAuth"]["description"],
    }
    assert spec["security"] == [{"bearerAuth": []}]
    tags = {t["name"]: t["description"] for t in spec["tags"]}
    assert {"tasks", "executions", "schedules", "chat", "keys", "health"} <= set(tags)
    create = next(op for _p, _m, op in _operations(spec) if op["operationId"] == "createTask")
    assert set(create["requestBody"]["content"]["application/json"]["examples"]) == {"precise", "plain_words"}
    assert create["responses"]["201"]["content"]["application/json"]["example"]["name"] == "Incident digest"


async def test_error_answers_match_the_documented_envelope(client: httpx.AsyncClient) -> None:
    answers = [
        await client.post("/api/tasks", json={"name": "x"}),
        await client.get("/api/tasks/999999"),
        await client.get("/api/tasks", params={"limit": 0}),
        await client.post("/api/tasks", content=b"x" * 70_000, headers={"content-type": "application/json"}),
    ]
    assert [a.status_code for a in answers] == [422, 404, 422, 413]
    for answer in answers:
        ErrorResponse.model_validate(answer.json(), strict=True)
