"""Inbound event hooks: signatures, stale timestamps, replays, tokens, rotation, rate limits, and auth."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
import time_machine
from prometheus_client import REGISTRY as PROM

from app.api.app import create_app
from app.config import Settings
from app.services.hooks import sign
from app.services.notifier import NullListener
from app.vocabulary import HookRefusal
from tests.api.test_tasks_api import assert_error, create
from tests.scheduler.conftest import START

KEY = "k-hooks-test"


@pytest.fixture
async def keyed(db_url: str, frozen: time_machine.Traveller) -> AsyncIterator[httpx.AsyncClient]:
    """The real app with API keys required; the client sends none unless told."""
    settings = Settings(database_url=db_url, scheduler_enabled=False, api_keys=KEY)
    app = create_app(settings, listener=NullListener())
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            yield c


AUTH = {"Authorization": f"Bearer {KEY}"}


def signed(secret: str, payload: dict[str, Any], *, at: float | None = None) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload).encode()
    timestamp = str(int(at if at is not None else START.timestamp()))
    return body, {
        "X-Taskrunner-Timestamp": timestamp,
        "X-Taskrunner-Signature": sign(secret, timestamp, body),
        "Content-Type": "application/json",
    }


async def enable(client: httpx.AsyncClient, task_id: int, **body: Any) -> dict[str, Any]:
    response = await client.post(f"/api/tasks/{task_id}/hook", json=body or None, headers=AUTH)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def new_task(client: httpx.AsyncClient, name: str = "digest") -> dict[str, Any]:
    response = await client.post(
        "/api/tasks",
        json={"name": name, "instructions": "triage", "schedule": {"kind": "cron", "cron": "0 9 * * *"}},
        headers=AUTH,
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def deliveries(client: httpx.AsyncClient, task_id: int) -> list[dict[str, Any]]:
    hook = (await client.get(f"/api/tasks/{task_id}/hook", headers=AUTH)).json()
    return hook["deliveries"]  # type: ignore[no-any-return]


async def test_a_signed_event_starts_a_run_without_an_api_key_and_replays_are_refused(
    keyed: httpx.AsyncClient,
) -> None:
    task = await new_task(keyed)
    hook = await enable(keyed, task["id"])
    assert hook["secret"].startswith("whs_") and hook["url"] == f"/api/hooks/{hook['hook_id']}"
    body, headers = signed(hook["secret"], {"alert": "disk full", "host": "db1"})
    response = await keyed.post(hook["url"], content=body, headers=headers)
    assert response.status_code == 202, response.text
    execution_id = response.json()["execution_id"]
    run = (await keyed.get(f"/api/executions/{execution_id}", headers=AUTH)).json()
    assert run["trigger"] == "event" and run["inputs"] == {"alert": "disk full", "host": "db1"}
    # The very same request again is a replay.
    replay = await keyed.post(hook["url"], content=body, headers=headers)
    assert "replay" in assert_error(replay, 409, "conflict")["message"]
    # The secret is never shown again.
    shown = (await keyed.get(f"/api/tasks/{task['id']}/hook", headers=AUTH)).json()
    assert hook["secret"] not in json.dumps(shown) and "secret" not in shown
    assert [(d["accepted"], d["reason"]) for d in shown["deliveries"]] == [
        (False, "replay: this signature was already accepted"),
        (True, None),
    ]


async def test_bad_stale_and_missing_signatures_are_refused_and_recorded(keyed: httpx.AsyncClient) -> None:
    task = await new_task(keyed)
    hook = await enable(keyed, task["id"])
    body, headers = signed(hook["secret"], {"a": 1})
    tampered = body.replace(b"1", b"2")
    assert (
        "bad signature"
        in assert_error(await keyed.post(hook["url"], content=tampered, headers=headers), 401, "unauthorized")[
            "message"
        ]
    )
    old_body, old_headers = signed(hook["secret"], {"a": 1}, at=START.timestamp() - 301)
    assert (
        "stale"
        in assert_error(await keyed.post(hook["url"], content=old_body, headers=old_headers), 401, "unauthorized")[
            "message"
        ]
    )
    wrong, wrong_headers = signed("whs_not-the-secret", {"a": 1})
    assert_error(await keyed.post(hook["url"], content=wrong, headers=wrong_headers), 401, "unauthorized")
    assert (
        "missing signature"
        in assert_error(await keyed.post(hook["url"], json={"a": 1}), 401, "unauthorized")["message"]
    )
    assert_error(
        await keyed.post(hook["url"], content=body, headers={**headers, "X-Taskrunner-Timestamp": "soon"}),
        401,
        "unauthorized",
    )
    recorded = await deliveries(keyed, task["id"])
    assert len(recorded) == 5 and not any(d["accepted"] for d in recorded)
    listed = (await keyed.get(f"/api/tasks/{task['id']}/executions", headers=AUTH)).json()
    assert listed["total"] == 0


async def test_token_rotation_grace_and_rate_limit(keyed: httpx.AsyncClient, frozen: time_machine.Traveller) -> None:
    task = await new_task(keyed)
    first = await enable(keyed, task["id"], rate_per_minute=1)
    token = {"X-Taskrunner-Token": first["secret"]}
    accepted = await keyed.post(first["url"], json={"n": 1}, headers=token)
    assert accepted.status_code == 202, accepted.text
    # A second event within the minute is over the rate limit.
    assert_error(await keyed.post(first["url"], json={"n": 2}, headers=token), 429, "rate_limited")
    frozen.shift(timedelta(minutes=2))
    # The task is still running its first event's run: refused and recorded.
    busy = assert_error(await keyed.post(first["url"], json={"n": 3}, headers=token), 409, "conflict")
    assert "already running" in busy["message"]
    rotated = await enable(keyed, task["id"], grace_seconds=3600)
    assert rotated["hook_id"] == first["hook_id"] and rotated["secret"] != first["secret"]
    assert rotated["previous_secret_valid_until"] is not None
    # The old secret still authenticates within the grace period (refused only because the task is busy).
    assert_error(await keyed.post(first["url"], json={"n": 4}, headers=token), 409, "conflict")
    frozen.shift(timedelta(hours=2))
    assert (
        "bad token"
        in assert_error(await keyed.post(first["url"], json={"n": 5}, headers=token), 401, "unauthorized")["message"]
    )
    reasons = [d["reason"] for d in await deliveries(keyed, task["id"])]
    assert reasons[0] == "bad token" and any(r and "rate limit" in r for r in reasons)


async def test_only_the_delivery_route_is_open(keyed: httpx.AsyncClient) -> None:
    task = await new_task(keyed)
    hook = await enable(keyed, task["id"])
    assert_error(await keyed.get(hook["url"]), 401, "unauthorized")
    assert_error(await keyed.get(f"/api/tasks/{task['id']}/hook"), 401, "unauthorized")
    assert_error(await keyed.post(f"/api/tasks/{task['id']}/hook"), 401, "unauthorized")
    assert_error(await keyed.post(f"/api/tasks/{task['id']}/run"), 401, "unauthorized")
    assert_error(await keyed.post("/api/hooks/hk_unknown", json={}), 404, "not_found")
    assert_error(await keyed.post("/api/hooks/hk_x/extra", json={}), 401, "unauthorized")
    # A disabled hook is gone.
    assert (await keyed.delete(f"/api/tasks/{task['id']}/hook", headers=AUTH)).status_code == 204
    body, headers = signed(hook["secret"], {"a": 1})
    assert_error(await keyed.post(hook["url"], content=body, headers=headers), 404, "not_found")


async def test_body_must_be_a_json_object(client: httpx.AsyncClient) -> None:
    task = await create(client)
    hook = (await client.post(f"/api/tasks/{task['id']}/hook")).json()
    token = {"X-Taskrunner-Token": hook["secret"]}
    assert_error(await client.post(hook["url"], content=b"[1]", headers=token), 422, "validation_error")
    assert_error(await client.post(hook["url"], content=b"not json", headers=token), 422, "validation_error")
    paused = await client.post(f"/api/tasks/{task['id']}/pause")
    assert paused.status_code == 200
    assert "paused" in assert_error(await client.post(hook["url"], json={}, headers=token), 409, "conflict")["message"]


# -- delivery ids: the replay guard for token senders ---------------------------------


async def test_a_repeated_delivery_id_answers_the_first_run_and_runs_nothing(
    keyed: httpx.AsyncClient, frozen: time_machine.Traveller
) -> None:
    task = await new_task(keyed)
    hook = await enable(keyed, task["id"])
    token = {"X-Taskrunner-Token": hook["secret"]}
    first = await keyed.post(hook["url"], json={"n": 1}, headers={**token, "X-Taskrunner-Delivery": "d-1"})
    assert first.status_code == 202 and first.json()["status"] == "accepted", first.text
    run_id = first.json()["execution_id"]
    # The same delivery again (another body even): 200 with the first run, nothing queued.
    again = await keyed.post(hook["url"], json={"n": 2}, headers={**token, "X-Taskrunner-Delivery": "d-1"})
    assert again.status_code == 200, again.text
    assert again.json()["execution_id"] == run_id and again.json()["status"] == "duplicate"
    # GitHub's header names a delivery as well (the first header found wins).
    github = await keyed.post(hook["url"], json={}, headers={**token, "X-GitHub-Delivery": "d-1"})
    assert github.status_code == 200 and github.json()["execution_id"] == run_id
    listed = (await keyed.get(f"/api/tasks/{task['id']}/executions", headers=AUTH)).json()
    assert listed["total"] == 1 and listed["items"][0]["inputs"] == {"n": 1}
    recorded = await deliveries(keyed, task["id"])
    assert [(d["accepted"], d["execution_id"]) for d in recorded] == [(True, run_id)] * 3
    assert recorded[0]["reason"].startswith("repeated delivery 'd-1'") and recorded[-1]["reason"] is None
    # Another delivery id is another event (refused here only because the first run is still queued).
    other = await keyed.post(hook["url"], json={}, headers={**token, "Idempotency-Key": "d-2"})
    assert "already running" in assert_error(other, 409, "conflict")["message"]
    # After 24 hours the id may start a run again.
    assert (await keyed.post(f"/api/executions/{run_id}/cancel", headers=AUTH)).status_code == 200
    frozen.shift(timedelta(hours=24, seconds=1))
    later = await keyed.post(hook["url"], json={}, headers={**token, "X-Taskrunner-Delivery": "d-1"})
    assert later.status_code == 202, later.text
    assert later.json()["execution_id"] != run_id


async def test_concurrent_deliveries_with_one_id_start_one_run(keyed: httpx.AsyncClient) -> None:
    task = await new_task(keyed)
    hook = await enable(keyed, task["id"])
    headers = {"X-Taskrunner-Token": hook["secret"], "X-Taskrunner-Delivery": "burst-1"}
    responses = await asyncio.gather(*(keyed.post(hook["url"], json={"i": i}, headers=headers) for i in range(8)))
    assert sorted(r.status_code for r in responses) == [200] * 7 + [202], [r.text for r in responses]
    assert len({r.json()["execution_id"] for r in responses}) == 1
    listed = (await keyed.get(f"/api/tasks/{task['id']}/executions", headers=AUTH)).json()
    assert listed["total"] == 1
    recorded = await deliveries(keyed, task["id"])
    assert len(recorded) == 8 and sum(d["reason"] is None for d in recorded) == 1


async def test_signed_deliveries_resent_with_a_new_signature_are_deduped_too(keyed: httpx.AsyncClient) -> None:
    task = await new_task(keyed)
    hook = await enable(keyed, task["id"])
    body, headers = signed(hook["secret"], {"a": 1})
    first = await keyed.post(hook["url"], content=body, headers={**headers, "X-GitHub-Delivery": "gh-9"})
    assert first.status_code == 202, first.text
    resent_body, resent = signed(hook["secret"], {"a": 1}, at=START.timestamp() + 30)
    again = await keyed.post(hook["url"], content=resent_body, headers={**resent, "X-GitHub-Delivery": "gh-9"})
    assert again.status_code == 200 and again.json()["execution_id"] == first.json()["execution_id"]


async def test_a_bad_delivery_id_is_refused_and_counted(keyed: httpx.AsyncClient) -> None:
    task = await new_task(keyed)
    hook = await enable(keyed, task["id"])
    before = {r: refusals(r) for r in ("bad_delivery_id", "bad_token", "not_found")}
    token = {"X-Taskrunner-Token": hook["secret"]}
    for bad in ("x" * 191, "   "):
        refused = await keyed.post(hook["url"], json={}, headers={**token, "X-Taskrunner-Delivery": bad})
        assert "delivery id" in assert_error(refused, 422, "validation_error")["message"]
    assert_error(await keyed.post(hook["url"], json={}, headers={"X-Taskrunner-Token": "nope"}), 401, "unauthorized")
    assert_error(await keyed.post("/api/hooks/hk_unknown", json={}), 404, "not_found")
    assert refusals("bad_delivery_id") == before["bad_delivery_id"] + 2
    assert refusals("bad_token") == before["bad_token"] + 1
    assert refusals("not_found") == before["not_found"] + 1
    listed = (await keyed.get(f"/api/tasks/{task['id']}/executions", headers=AUTH)).json()
    assert listed["total"] == 0
    metrics_text = (await keyed.get("/metrics", headers=AUTH)).text
    for reason in HookRefusal:  # every reason is a series from the start
        assert f'taskrunner_hook_refusals_total{{reason="{reason}"}}' in metrics_text


def refusals(reason: str) -> float:
    return PROM.get_sample_value("taskrunner_hook_refusals_total", {"reason": reason}) or 0.0
