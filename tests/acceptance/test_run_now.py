"""Run now with inputs and an idempotency key (docs/triggers.md, "Run now, with inputs")."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import httpx

from app.clock import ManualClock
from tests.acceptance.conftest import AUTH, Live, assert_error, assert_refused, create_task


async def test_inputs_are_stored_on_the_run_and_answered(api: httpx.AsyncClient) -> None:
    task = await create_task(api, "triage")
    inputs = {"ticket": "INC-42", "nested": {"list": [1, 2.5, None, True, "é"]}, "": "empty key"}
    started = await api.post(f"/api/tasks/{task['id']}/run", json={"inputs": inputs})
    assert started.status_code == 202, started.text
    run = started.json()
    assert (run["trigger"], run["status"], run["inputs"]) == ("manual", "queued", inputs)
    assert (await api.get(f"/api/executions/{run['id']}")).json()["inputs"] == inputs
    listed = (await api.get(f"/api/tasks/{task['id']}/executions")).json()["items"]
    assert listed[0]["inputs"] == inputs
    # No body at all, and an empty object, are both fine.
    await api.post(f"/api/executions/{run['id']}/cancel")
    bare = await api.post(f"/api/tasks/{task['id']}/run")
    assert bare.status_code == 202 and bare.json()["inputs"] is None


async def test_idempotency_key_answers_the_first_run_for_24_hours(api: httpx.AsyncClient, clock: ManualClock) -> None:
    task = await create_task(api, "deploy")
    first = await api.post(f"/api/tasks/{task['id']}/run", json={"idempotency_key": "deploy-77", "inputs": {"v": 1}})
    assert first.status_code == 202
    again = await api.post(f"/api/tasks/{task['id']}/run", json={"idempotency_key": "deploy-77", "inputs": {"v": 2}})
    assert again.status_code == 202 and again.json()["id"] == first.json()["id"]
    assert again.json()["inputs"] == {"v": 1}
    # A different key while the first is queued: the task never runs twice at once.
    assert_error(await api.post(f"/api/tasks/{task['id']}/run", json={"idempotency_key": "other"}), 409, "conflict")
    # The same key on another task is another run.
    other = await create_task(api, "other")
    elsewhere = await api.post(f"/api/tasks/{other['id']}/run", json={"idempotency_key": "deploy-77"})
    assert elsewhere.status_code == 202 and elsewhere.json()["id"] != first.json()["id"]
    # After 24 hours the key is given up.
    await api.post(f"/api/executions/{first.json()['id']}/cancel")
    clock.advance(timedelta(hours=24, seconds=1))
    later = await api.post(f"/api/tasks/{task['id']}/run", json={"idempotency_key": "deploy-77"})
    assert later.status_code == 202 and later.json()["id"] != first.json()["id"]


def test_ten_concurrent_requests_with_one_key_make_one_run(live: Live) -> None:
    with live.http() as http:
        created = http.post(
            "/api/tasks",
            json={"name": "burst", "instructions": "x", "schedule": {"kind": "cron", "cron": "0 0 1 1 *"}},
        )
        task_id = created.json()["id"]
        live.stub.push_text("done")

    async def burst() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=live.url, headers=AUTH, timeout=30) as client:
            body = {"idempotency_key": "once", "inputs": {"n": 1}}
            return await asyncio.gather(*(client.post(f"/api/tasks/{task_id}/run", json=body) for _ in range(10)))

    answers = asyncio.run(burst())
    assert [a.status_code for a in answers] == [202] * 10, [a.text for a in answers]
    assert len({a.json()["id"] for a in answers}) == 1
    with live.http() as http:
        run = live.wait_run(http, answers[0].json()["id"])
        assert run["status"] == "succeeded", (run["error"], run["reason"])
        assert http.get(f"/api/tasks/{task_id}/executions").json()["total"] == 1
    assert len(live.stub.requests) == 1


async def test_bad_inputs_and_keys_are_clear_4xx_and_store_nothing(api: httpx.AsyncClient) -> None:
    task = await create_task(api, "triage")
    url = f"/api/tasks/{task['id']}/run"
    too_big = await api.post(url, json={"inputs": {"blob": "x" * (64 * 1024)}})
    error = assert_refused(too_big)
    assert too_big.status_code in (413, 422) and "65536" in error["message"]
    # Exactly at the limit is fine: 64 KiB as compact UTF-8 JSON.
    overhead = len(json.dumps({"blob": ""}, separators=(",", ":")))
    at_limit = await api.post(url, json={"inputs": {"blob": "x" * (64 * 1024 - overhead)}})
    assert at_limit.status_code == 202, at_limit.text
    await api.post(f"/api/executions/{at_limit.json()['id']}/cancel")
    multibyte = await api.post(url, json={"inputs": {"blob": "é" * (33 * 1024)}})  # 66 KiB as UTF-8
    assert_refused(multibyte)
    hostile: list[Any] = [
        {"inputs": [1, 2]},
        {"inputs": "text"},
        {"inputs": 42},
        {"inputs": True},
        {"inputs": {"a": "nul \u0000 here"}},
        {"inputs": {"nul\u0000key": 1}},
        {"inputs": {"deep": json.loads("[" * 40 + "]" * 40)}},
        {"idempotency_key": ""},
        {"idempotency_key": "k" * 201},
        {"idempotency_key": 5},
        {"idempotency_key": "nul\u0000"},
        {"unknown": 1},
        [],
        "run",
    ]
    for body in hostile:
        assert_refused(await api.post(url, json=body))
    raw: list[bytes] = [
        b'{"inputs": {"a": NaN}}',
        b'{"inputs": {"a": Infinity}}',
        b'{"inputs": {"a": -Infinity}}',
        b'{"inputs": ' + b"[" * 900 + b"]" * 900 + b"}",
        b'{"inputs": ' + b'{"a":' * 900 + b"1" + b"}" * 900 + b"}",
        b'{"inputs": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        b'{"inputs": {"n": ' + b"9" * 5000 + b"}}",
        b'{"inputs": {"a": "\\ud800"}}',
        b"\xff\xfe",
        b"{",
    ]
    for content in raw:
        response = await api.post(url, content=content, headers={"Content-Type": "application/json"})
        assert_refused(response)
    listed = (await api.get(f"/api/tasks/{task['id']}/executions")).json()
    assert listed["total"] == 1  # the one at the limit, cancelled
    assert_error(await api.post("/api/tasks/999999/run"), 404, "not_found")
    for weird in (str(2**64), "-1", "0", "1e3", "abc", "%00"):
        assert_refused(await api.post(f"/api/tasks/{weird}/run"))


async def test_a_huge_integer_in_inputs_round_trips(api: httpx.AsyncClient) -> None:
    task = await create_task(api, "numbers")
    inputs = {"big": 2**200, "neg": -(2**70), "float": 1.5e300}
    started = await api.post(
        f"/api/tasks/{task['id']}/run",
        content=json.dumps({"inputs": inputs}).encode(),
        headers={"Content-Type": "application/json"},
    )
    if started.status_code == 202:
        assert (await api.get(f"/api/executions/{started.json()['id']}")).json()["inputs"] == inputs
    else:
        assert_refused(started)
