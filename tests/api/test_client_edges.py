"""What a client sends never causes a 5xx: each input that once did, answered in our envelope."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy.exc import DBAPIError

from app.api.app import create_app
from app.api.errors import is_database_unavailable
from app.config import Settings
from app.services.notifier import NullListener
from tests.api.test_tasks_api import assert_error, create
from tests.support.live_server import free_port, serve_in_thread

HUGE = 2**70


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"/api/tasks/{HUGE}"),
        ("PATCH", f"/api/tasks/{HUGE}"),
        ("DELETE", f"/api/tasks/{HUGE}"),
        ("POST", f"/api/tasks/{HUGE}/run"),
        ("POST", f"/api/tasks/{HUGE}/pause"),
        ("GET", f"/api/tasks/{HUGE}/executions"),
        ("GET", f"/api/executions/{HUGE}"),
        ("GET", f"/api/executions?task_id={HUGE}"),
        ("GET", f"/api/tasks?offset={HUGE}"),
        ("GET", f"/api/executions?offset={HUGE}"),
        ("GET", f"/api/chat/conversations?offset={HUGE}"),
        ("DELETE", f"/api/keys/{HUGE}"),
        ("GET", f"/api/keys?offset={HUGE}"),
    ],
)
async def test_integers_beyond_64_bits_are_a_validation_error(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await client.request(method, path, json={"name": "x"} if method == "PATCH" else None)
    assert_error(response, 422, "validation_error")


async def test_the_largest_64_bit_id_is_simply_not_found(client: httpx.AsyncClient) -> None:
    assert_error(await client.get(f"/api/tasks/{2**63 - 1}"), 404, "not_found")


@pytest.mark.parametrize(
    "at",
    ["0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00", "9999-12-31T23:59:59-12:00", "9999-12-31T23:59:59"],
)
async def test_once_instants_at_the_ends_of_time_are_refused(client: httpx.AsyncClient, at: str) -> None:
    body = {"name": "x", "instructions": "x", "schedule": {"kind": "once", "at": at, "timezone": "Pacific/Kiritimati"}}
    assert_error(await client.post("/api/tasks", json=body), 422, "validation_error")
    task = await create(client)
    patched = await client.patch(f"/api/tasks/{task['id']}", json={"schedule": body["schedule"]})
    assert_error(patched, 422, "validation_error")


@pytest.mark.parametrize(
    "query",
    [
        "kind=once&at=0001-01-01T00:00:00%2B14:00",
        "kind=once&at=9999-12-31T23:59:59-12:00",
        "kind=cron&cron=0+0+1+1+*&after=9999-12-31T00:00:00%2B00:00&count=100",
        "kind=cron&cron=0+0+1+1+*&after=0001-01-01T00:00:00%2B14:00",
        "kind=interval&every_seconds=60&after=0001-01-01T00:00:00-12:00",
    ],
)
async def test_previews_at_the_ends_of_time_are_refused(client: httpx.AsyncClient, query: str) -> None:
    assert_error(await client.get(f"/api/schedules/preview?{query}"), 422, "validation_error")


@pytest.mark.parametrize(
    "query",
    [
        "since=0001-01-01T00:00:00%2B14:00",
        "until=9999-12-31T23:59:59-12:00",
        "since=0001-01-01T00:00:00-12:00&until=9999-12-31T23:59:59%2B14:00",
    ],
)
async def test_record_filters_at_the_ends_of_time_mean_everything(client: httpx.AsyncClient, query: str) -> None:
    task = await create(client)
    assert (await client.post(f"/api/tasks/{task['id']}/run")).status_code == 202
    for path in ("/api/executions", f"/api/tasks/{task['id']}/executions"):
        response = await client.get(f"{path}?{query}")
        assert response.status_code == 200, response.text
        assert response.json()["total"] == 1


async def test_nul_in_text_is_refused_and_nothing_changes(client: httpx.AsyncClient) -> None:
    every_minute = {"kind": "interval", "every_seconds": 60}
    refused = await client.post("/api/tasks", json={"name": "a\x00b", "instructions": "x", "schedule": every_minute})
    error = assert_error(refused, 422, "validation_error")
    assert "name" in error["message"]
    task = await create(client)
    for change in ({"name": "bad\x00"}, {"instructions": "\x00"}, {"notify": {"email": "a\x00@b.c"}}):
        assert_error(await client.patch(f"/api/tasks/{task['id']}", json=change), 422, "validation_error")
    assert (await client.get(f"/api/tasks/{task['id']}")).json()["name"] == task["name"]
    assert_error(await client.post("/api/schedules/parse", json={"text": "every day\x00"}), 422, "validation_error")
    assert_error(await client.post("/api/keys", json={"name": "k\x00"}), 422, "validation_error")
    searched = await client.get("/api/tasks", params={"q": "a\x00b"})
    assert_error(searched, 422, "validation_error")
    assert_error(await client.get("/api/chat/conversations/a%00b"), 422, "validation_error")


@pytest.mark.parametrize(
    "change",
    [
        {"schedule": {"kind": "interval", "every_seconds": True}},
        {"schedule": {"kind": "interval", "every_seconds": "60"}},
        {"schedule": {"kind": "interval", "every_seconds": 60.5}},
        {"max_steps": True},
        {"timeout_seconds": "30"},
        {"max_retries": False},
        {"enabled": 1},
        {"enabled": "yes"},
    ],
)
async def test_counts_and_switches_are_strict(client: httpx.AsyncClient, change: dict[str, Any]) -> None:
    task = await create(client)
    assert_error(await client.patch(f"/api/tasks/{task['id']}", json=change), 422, "validation_error")
    body = {"name": "x", "instructions": "x", "schedule": {"kind": "interval", "every_seconds": 60}, **change}
    assert_error(await client.post("/api/tasks", json=body), 422, "validation_error")


async def test_run_now_racing_delete_is_never_a_server_error(client: httpx.AsyncClient) -> None:
    tasks = [await create(client, name=f"t{i}") for i in range(15)]
    results = await asyncio.gather(
        *(
            request
            for t in tasks
            for request in (client.post(f"/api/tasks/{t['id']}/run"), client.delete(f"/api/tasks/{t['id']}"))
        )
    )
    for response in results:
        assert response.status_code in (202, 204, 404, 409), response.text
    for t in tasks:
        assert (await client.get(f"/api/tasks/{t['id']}")).status_code == 404


def test_an_unexpected_error_is_answered_in_our_envelope_without_internals(db_url: str) -> None:
    app = create_app(Settings(database_url=db_url, scheduler_enabled=False), listener=NullListener())

    async def boom() -> None:
        raise RuntimeError("secret internals /etc/passwd")

    app.add_api_route("/api/boom", boom)
    with serve_in_thread(app) as base:
        response = httpx.get(f"{base}/api/boom", timeout=10)
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "error": {"code": "internal_error", "message": "The server failed to complete the request.", "details": {}}
    }


def _unreachable_database() -> str:
    return f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/nothing"


def test_database_outage_behind_api_keys_is_503_not_500() -> None:
    settings = Settings(database_url=_unreachable_database(), scheduler_enabled=False, api_keys="k-123")
    with serve_in_thread(create_app(settings, listener=NullListener())) as base:
        response = httpx.get(f"{base}/api/tasks", headers={"Authorization": "Bearer nope"}, timeout=10)
        assert_error(response, 503, "database_unavailable")


def test_readyz_does_not_repeat_the_drivers_words() -> None:
    settings = Settings(database_url=_unreachable_database(), scheduler_enabled=False)
    with serve_in_thread(create_app(settings, listener=NullListener())) as base:
        response = httpx.get(f"{base}/readyz", timeout=10)
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["message"] == "database unreachable"
    assert "127.0.0.1" not in response.text and "refused" not in response.text.lower()


class _DriverError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"sqlstate {sqlstate}")
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("sqlstate", "unavailable"),
    [("57P03", True), ("57P01", True), ("08006", True), ("23503", False), ("22021", False)],
)
def test_a_server_shutting_down_counts_as_unavailable_not_as_a_bug(sqlstate: str, unavailable: bool) -> None:
    error = DBAPIError("SELECT 1", None, _DriverError(sqlstate))
    assert is_database_unavailable(error) is unavailable
