"""``POST /api/tasks/{id}/run`` with inputs and an idempotency key, over the real app on both databases."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import time_machine

from app.api.app import create_app
from app.config import Settings
from app.errors import ValidationFailed
from app.services.notifier import NullListener
from app.services.run_inputs import MAX_INPUT_BYTES, check_inputs
from tests.api.test_tasks_api import assert_error, create


@pytest.fixture
async def roomy(db_url: str, frozen: time_machine.Traveller) -> AsyncIterator[httpx.AsyncClient]:
    """A client whose request-size limit is above the inputs' limit, so the inputs' own limit answers."""
    settings = Settings(database_url=db_url, scheduler_enabled=False, max_request_bytes=4 * MAX_INPUT_BYTES)
    app = create_app(settings, listener=NullListener())
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            yield c


async def test_inputs_are_stored_on_the_run_and_shown(client: httpx.AsyncClient) -> None:
    task = await create(client)
    inputs: dict[str, Any] = {"ticket": "INC-42", "tags": ["db", "eu"], "nested": {"n": 1}}
    response = await client.post(f"/api/tasks/{task['id']}/run", json={"inputs": inputs})
    assert response.status_code == 202, response.text
    run = response.json()
    assert run["inputs"] == inputs and run["trigger"] == "manual" and run["status"] == "queued"
    detail = (await client.get(f"/api/executions/{run['id']}")).json()
    assert detail["inputs"] == inputs
    listed = (await client.get(f"/api/tasks/{task['id']}/executions")).json()
    assert listed["items"][0]["inputs"] == inputs


async def test_a_run_without_inputs_has_none(client: httpx.AsyncClient) -> None:
    task = await create(client)
    run = (await client.post(f"/api/tasks/{task['id']}/run", json={})).json()
    assert run["inputs"] is None


async def test_inputs_must_be_an_object_within_the_limit(roomy: httpx.AsyncClient) -> None:
    task = await create(roomy)
    url = f"/api/tasks/{task['id']}/run"
    assert_error(await roomy.post(url, json={"inputs": [1, 2]}), 422, "validation_error")
    assert_error(await roomy.post(url, json={"inputs": "text"}), 422, "validation_error")
    assert_error(await roomy.post(url, json={"unknown": 1}), 422, "validation_error")
    assert_error(await roomy.post(url, json={"idempotency_key": ""}), 422, "validation_error")
    big = {"blob": "x" * MAX_INPUT_BYTES}
    error = assert_error(await roomy.post(url, json={"inputs": big}), 422, "validation_error")
    assert str(MAX_INPUT_BYTES) in error["message"]
    # Nothing was recorded by the refusals; a run just under the limit is accepted.
    fits = {"blob": "x" * (MAX_INPUT_BYTES - 20)}
    response = await roomy.post(url, json={"inputs": fits})
    assert response.status_code == 202, response.text
    listed = (await roomy.get(f"/api/tasks/{task['id']}/executions")).json()
    assert listed["total"] == 1


def test_multibyte_text_counts_in_bytes() -> None:
    with pytest.raises(ValidationFailed):
        check_inputs({"s": "é" * (MAX_INPUT_BYTES // 2)})
    assert check_inputs({"s": "é" * (MAX_INPUT_BYTES // 2 - 20)}) is not None


async def test_same_idempotency_key_answers_the_first_run(client: httpx.AsyncClient) -> None:
    task = await create(client)
    url = f"/api/tasks/{task['id']}/run"
    first = (await client.post(url, json={"inputs": {"a": 1}, "idempotency_key": "deploy-77"})).json()
    again = await client.post(url, json={"inputs": {"a": 2}, "idempotency_key": "deploy-77"})
    assert again.status_code == 202
    assert again.json()["id"] == first["id"] and again.json()["inputs"] == {"a": 1}
    # Another key while the first run is queued: a task never runs twice at once.
    assert_error(await client.post(url, json={"idempotency_key": "deploy-78"}), 409, "conflict")
    # The key is per task: another task may use it.
    other = await create(client, name="other")
    elsewhere = (await client.post(f"/api/tasks/{other['id']}/run", json={"idempotency_key": "deploy-77"})).json()
    assert elsewhere["id"] != first["id"] and elsewhere["task_id"] == other["id"]


async def test_concurrent_requests_with_one_key_start_one_run(client: httpx.AsyncClient) -> None:
    task = await create(client)
    url = f"/api/tasks/{task['id']}/run"
    responses = await asyncio.gather(
        *(client.post(url, json={"idempotency_key": "burst", "inputs": {"i": i}}) for i in range(8))
    )
    assert {r.status_code for r in responses} == {202}, [r.text for r in responses]
    assert len({r.json()["id"] for r in responses}) == 1
    listed = (await client.get(f"/api/tasks/{task['id']}/executions")).json()
    assert listed["total"] == 1
