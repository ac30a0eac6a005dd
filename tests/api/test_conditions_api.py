"""Run conditions over the API: checked shapes (422 with a code), shown on the task, kept in bundles."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import time_machine

from app.api.app import create_app
from app.config import Settings
from app.services.notifier import NullListener

CRON = {"kind": "cron", "cron": "0 9 * * 1-5", "timezone": "Europe/Berlin"}
FEED = "https://feeds.example.com/releases.xml"


def body(**fields: Any) -> dict[str, Any]:
    return {"name": "watch", "instructions": "Summarise what changed.", "schedule": CRON, **fields}


async def test_a_condition_is_stored_and_shown_and_null_removes_it(client: httpx.AsyncClient) -> None:
    created = await client.post("/api/tasks", json=body(condition={"url_changed": FEED}))
    assert created.status_code == 201, created.text
    task = created.json()
    assert task["condition"] == {"url_changed": FEED}
    assert (await client.get(f"/api/tasks/{task['id']}")).json()["condition"] == {"url_changed": FEED}
    changed = await client.patch(f"/api/tasks/{task['id']}", json={"condition": {"http_ok": "http://example.com/up"}})
    assert changed.status_code == 200, changed.text
    assert changed.json()["condition"] == {"http_ok": "http://example.com/up"}
    untouched = await client.patch(f"/api/tasks/{task['id']}", json={"max_steps": 5})
    assert untouched.json()["condition"] == {"http_ok": "http://example.com/up"}
    removed = await client.patch(f"/api/tasks/{task['id']}", json={"condition": None})
    assert removed.status_code == 200 and removed.json()["condition"] is None
    plain = await client.post("/api/tasks", json=body(name="plain"))
    assert plain.json()["condition"] is None


@pytest.mark.parametrize(
    "condition",
    [
        {},
        {"url_changed": FEED, "http_ok": FEED},
        {"url_changed": None},
        {"if_changed": FEED},
        {"url_changed": "ftp://example.com/file"},
        {"url_changed": "file:///etc/passwd"},
        {"http_ok": "example.com/up"},
        {"http_ok": "http:///no-host"},
        {"http_ok": "https://example.com/" + "a" * 2000},
        {"http_ok": ""},
        {"http_ok": 42},
        {"http_ok": ["https://example.com"]},
        "https://example.com",
        ["url_changed", FEED],
    ],
)
async def test_bad_conditions_are_422_and_nothing_is_stored(client: httpx.AsyncClient, condition: Any) -> None:
    answer = await client.post("/api/tasks", json=body(condition=condition))
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["code"] == "validation_error" and "condition" in str(error["details"])
    assert (await client.get("/api/tasks")).json()["total"] == 0
    task = (await client.post("/api/tasks", json=body(condition={"http_ok": FEED}))).json()
    patched = await client.patch(f"/api/tasks/{task['id']}", json={"condition": condition})
    assert patched.status_code == 422, patched.text
    assert (await client.get(f"/api/tasks/{task['id']}")).json()["condition"] == {"http_ok": FEED}


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8080/health", "http://10.0.0.5/feed", "http://169.254.169.254/latest/", "http://[::1]/x"],
)
async def test_an_ip_the_guard_refuses_is_422_at_once(client: httpx.AsyncClient, url: str) -> None:
    answer = await client.post("/api/tasks", json=body(condition={"http_ok": url}))
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["code"] == "condition_refused"
    assert "HTTP_TOOL_ALLOW_HOSTS" in error["message"] and error["details"] == {"url": url}
    assert (await client.get("/api/tasks")).json()["total"] == 0


@pytest.fixture
async def allowing_client(db_url: str, frozen: time_machine.Traveller) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(database_url=db_url, scheduler_enabled=False, http_tool_allow_hosts="127.0.0.1")
    app = create_app(settings, listener=NullListener())
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
            yield c


async def test_an_allowed_ip_is_accepted(allowing_client: httpx.AsyncClient) -> None:
    allowed = await allowing_client.post("/api/tasks", json=body(condition={"http_ok": "http://127.0.0.1:8080/"}))
    assert allowed.status_code == 201, allowed.text
    other = await allowing_client.post("/api/tasks", json=body(condition={"http_ok": "http://10.0.0.5/"}))
    assert other.status_code == 422 and other.json()["error"]["code"] == "condition_refused"


async def test_bundles_keep_the_condition(client: httpx.AsyncClient) -> None:
    await client.post("/api/tasks", json=body(condition={"url_changed": FEED}))
    bundle = (await client.get("/api/tasks/export")).json()
    assert bundle["tasks"][0]["condition"] == {"url_changed": FEED}
    again = (await client.post("/api/tasks/import", json=bundle)).json()
    assert again["unchanged"] == 1, again
    bundle["tasks"][0]["condition"] = {"http_ok": FEED}
    bundle["tasks"].append({**bundle["tasks"][0], "name": "copy"})
    done = (await client.post("/api/tasks/import", json=bundle)).json()
    assert (done["created"], done["updated"]) == (1, 1), done
    assert done["items"][0]["changes"] == ["condition"]
    tasks = (await client.get("/api/tasks")).json()["items"]
    assert [t["condition"] for t in tasks] == [{"http_ok": FEED}, {"http_ok": FEED}]
    bad = await client.post("/api/tasks/import", json={"tasks": [{"name": "watch", "condition": {"http_ok": "x"}}]})
    assert bad.status_code == 422
