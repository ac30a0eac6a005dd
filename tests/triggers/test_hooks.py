"""Inbound event hooks: signatures, stale timestamps, replays, tokens, rotation, rate limits, and auth."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
import time_machine

from app.api.app import create_app
from app.config import Settings
from app.services.hooks import sign
from app.services.notifier import NullListener
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
