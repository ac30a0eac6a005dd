"""The controls in the dashboard: the task form's Controls section, the task page, pause notes, Run now with
inputs, the runs filter and run page, and /ui/controls (concurrency keys and model prices); both databases."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import httpx

from app.db.repositories import FireRow
from tests.support.records import insert_runs
from tests.web.conftest import START, create_task, csrf_of, form_token

CONTROLS_FORM = {
    "controls_shown": "1",
    "overlap_policy": "buffer_one",
    "concurrency_key": "slack",
    "jitter_seconds": "300",
    "max_cost_usd_per_run": "0.5",
    "max_tokens_per_run": "20000",
    "max_cost_usd_per_day": "2",
    "max_cost_usd_per_month": "30",
    "pause_on_budget": "on",
    "pause_after_failures": "3",
    "max_delay_seconds": "60",
    "max_duration_seconds": "600",
}
CONTROLS_STORED = {
    "overlap_policy": "buffer_one",
    "concurrency_key": "slack",
    "jitter_seconds": 300,
    "max_cost_usd_per_run": 0.5,
    "max_tokens_per_run": 20000,
    "max_cost_usd_per_day": 2.0,
    "max_cost_usd_per_month": 30.0,
    "pause_on_budget": True,
    "pause_after_failures": 3,
    "max_delay_seconds": 60,
    "max_duration_seconds": 600,
}
OFF = {
    "overlap_policy": "skip",
    "concurrency_key": None,
    "jitter_seconds": 0,
    "max_cost_usd_per_run": None,
    "max_tokens_per_run": None,
    "max_cost_usd_per_day": None,
    "max_cost_usd_per_month": None,
    "pause_on_budget": False,
    "pause_after_failures": None,
    "max_delay_seconds": None,
    "max_duration_seconds": None,
}
EDIT_BASE = {
    "name": "digest",
    "instructions": "Summarise the news.",
    "kind": "cron",
    "cron": "0 9 * * *",
    "timezone": "Europe/Berlin",
}


async def stored_controls(web: httpx.AsyncClient, task_id: int) -> dict[str, Any]:
    data = (await web.get(f"/api/tasks/{task_id}")).json()
    return {k: data[k] for k in CONTROLS_STORED}


async def test_new_task_form_sets_every_control(web: httpx.AsyncClient) -> None:
    token = await form_token(web, "/ui/tasks/new")
    page = await web.get("/ui/tasks/new")
    assert "<summary>Controls</summary>" in page.text and 'name="controls_shown"' in page.text
    created = await web.post(
        "/ui/tasks/new",
        data={"csrf": token, "mode": "explicit", "action": "create", **EDIT_BASE, **CONTROLS_FORM},
    )
    assert created.status_code == 303, created.text
    task_id = int(created.headers["location"].split("?")[0].rsplit("/", 1)[1])
    assert await stored_controls(web, task_id) == CONTROLS_STORED
    plain = await web.post(
        "/ui/tasks/new",
        data={"csrf": token, "mode": "explicit", "action": "create", **EDIT_BASE, "controls_shown": "1"},
    )
    assert plain.status_code == 303
    other = int(plain.headers["location"].split("?")[0].rsplit("/", 1)[1])
    assert await stored_controls(web, other) == OFF


async def test_edit_sets_shows_and_clears_the_controls(web: httpx.AsyncClient) -> None:
    task = await create_task(web)
    tid = int(task["id"])
    edit = await web.get(f"/ui/tasks/{tid}/edit")
    assert 'id="controls"' in edit.text and 'id="overlap_policy"' in edit.text
    assert '<details class="options" id="controls">' in edit.text  # nothing set: folded
    saved = await web.post(f"/ui/tasks/{tid}/edit", data={"csrf": csrf_of(edit.text), **EDIT_BASE, **CONTROLS_FORM})
    assert saved.status_code == 303, saved.text
    assert await stored_controls(web, tid) == CONTROLS_STORED

    again = await web.get(f"/ui/tasks/{tid}/edit")
    assert '<details class="options" id="controls" open>' in again.text
    assert '<option value="buffer_one" selected>' in again.text
    assert 'id="concurrency_key" name="concurrency_key" value="slack"' in again.text
    assert 'name="max_cost_usd_per_day" type="number" inputmode="decimal" min="0" step="any" value="2.0"' in again.text
    assert 'name="pause_on_budget" checked' in again.text

    page = await web.get(f"/ui/tasks/{tid}")
    controls = page.text[page.text.index('id="controls-h"') : page.text.index('id="why-h"')]
    assert "(buffer_one)" in controls and '<a href="/ui/controls">slack</a>' in controls
    assert "300 s" in controls and "$0.5000" in controls and "20,000 tokens" in controls
    assert "$0 of $2.00" in controls and "$0 of $30.00" in controls
    assert "skip the fire and pause the task" in controls and "after 3 failed runs in a row" in controls
    assert "start within 60 s of its time; finish within 600 s" in controls
    assert "(jitter)" in page.text  # the next fires show when each starts

    # A form without the Controls section changes none of them.
    kept = await web.post(f"/ui/tasks/{tid}/edit", data={"csrf": csrf_of(edit.text), **EDIT_BASE, "name": "renamed"})
    assert kept.status_code == 303 and await stored_controls(web, tid) == CONTROLS_STORED

    cleared = {name: "" for name in CONTROLS_FORM if name not in ("controls_shown", "pause_on_budget")}
    off = await web.post(
        f"/ui/tasks/{tid}/edit",
        data={"csrf": csrf_of(edit.text), **EDIT_BASE, "controls_shown": "1", **cleared},
    )
    assert off.status_code == 303, off.text
    assert await stored_controls(web, tid) == OFF
    page = await web.get(f"/ui/tasks/{tid}")
    assert "(jitter)" not in page.text and "(no daily limit)" in page.text


async def test_bad_controls_are_shown_beside_their_fields_and_nothing_is_saved(web: httpx.AsyncClient) -> None:
    task = await create_task(web, concurrency_key="slack")
    tid = int(task["id"])
    token = await form_token(web, f"/ui/tasks/{tid}/edit")
    before = (await web.get(f"/api/tasks/{tid}")).json()
    for field, value in (
        ("jitter_seconds", "-1"),
        ("jitter_seconds", "86401"),
        ("concurrency_key", "no spaces"),
        ("overlap_policy", "sometimes"),
        ("max_cost_usd_per_day", "-0.5"),
        ("max_cost_usd_per_day", "lots"),
        ("max_cost_usd_per_month", "inf"),
        ("max_tokens_per_run", "0"),
        ("pause_after_failures", "1.5"),
        ("max_duration_seconds", "0"),
    ):
        bad = await web.post(
            f"/ui/tasks/{tid}/edit",
            data={"csrf": token, **EDIT_BASE, "name": "renamed", **CONTROLS_FORM, field: value},
        )
        assert bad.status_code == 422, (field, value)
        assert f'id="{field}-error"' in bad.text, (field, value, re.findall(r'id="([a-z_]+)-error"', bad.text))
        assert f'id="{field}" name="{field}"' in bad.text
        assert '<details class="options" id="controls" open>' in bad.text
    assert (await web.get(f"/api/tasks/{tid}")).json() == before
    new = await web.post(
        "/ui/tasks/new",
        data={
            "csrf": token,
            "mode": "explicit",
            "action": "create",
            **EDIT_BASE,
            **CONTROLS_FORM,
            "jitter_seconds": "x",
        },
    )
    assert new.status_code == 422 and 'id="jitter_seconds-error"' in new.text
    assert (await web.get("/api/tasks")).json()["total"] == 1


async def test_pause_with_a_note_shows_it_escaped_until_resumed(web: httpx.AsyncClient) -> None:
    task = await create_task(web)
    tid = int(task["id"])
    token = await form_token(web, f"/ui/tasks/{tid}")
    too_long = await web.post(f"/ui/tasks/{tid}/pause", data={"csrf": token, "note": "x" * 501})
    assert too_long.status_code == 422 and 'id="note-error"' in too_long.text
    assert 'aria-invalid="true"' in too_long.text and ("x" * 501) in too_long.text  # what was typed is kept
    assert (await web.get(f"/api/tasks/{tid}")).json()["state"] == "active"

    paused = await web.post(f"/ui/tasks/{tid}/pause", data={"csrf": token, "note": "vendor <b>outage</b>"})
    assert paused.status_code == 303
    data = (await web.get(f"/api/tasks/{tid}")).json()
    assert data["state"] == "paused" and data["pause_note"] == "vendor <b>outage</b>"
    page = await web.get(f"/ui/tasks/{tid}")
    assert "<strong>Paused:</strong> vendor &lt;b&gt;outage&lt;/b&gt;" in page.text
    assert "<b>outage</b>" not in page.text
    await web.post(f"/ui/tasks/{tid}/resume", data={"csrf": token})
    page = await web.get(f"/ui/tasks/{tid}")
    assert "outage" not in page.text and (await web.get(f"/api/tasks/{tid}")).json()["pause_note"] is None
    plain = await web.post(f"/ui/tasks/{tid}/pause", data={"csrf": token})
    assert plain.status_code == 303 and (await web.get(f"/api/tasks/{tid}")).json()["pause_note"] is None


async def test_run_now_with_inputs_and_an_idempotency_key(web: httpx.AsyncClient) -> None:
    task = await create_task(web)
    tid = int(task["id"])
    token = await form_token(web, f"/ui/tasks/{tid}")
    for inputs, key, field in (
        ("{not json", "", "inputs"),
        ("[1, 2]", "", "inputs"),
        ('{"a": "\\u0000"}', "", "inputs"),
        ('{"a": "' + "x" * 70_000 + '"}', "", "inputs"),
        ('{"a": 1}', "k" * 201, "idempotency_key"),
    ):
        bad = await web.post(f"/ui/tasks/{tid}/run", data={"csrf": token, "inputs": inputs, "idempotency_key": key})
        assert bad.status_code == 422, (inputs[:20], key[:5])
        assert f'id="{field}-error"' in bad.text and "<details open>" in bad.text
    assert (await web.get("/api/executions")).json()["total"] == 0

    body = {"csrf": token, "inputs": '{"ticket": "<INC-42>"}', "idempotency_key": "deploy-77"}
    first = await web.post(f"/ui/tasks/{tid}/run", data=body)
    assert first.status_code == 303
    run_path = first.headers["location"].split("?")[0]
    again = await web.post(f"/ui/tasks/{tid}/run", data=body)
    assert again.status_code == 303 and again.headers["location"].split("?")[0] == run_path  # the same run
    other = await web.post(f"/ui/tasks/{tid}/run", data={**body, "idempotency_key": "deploy-78"})
    assert other.status_code == 409 and 'id="run-error"' in other.text and "already running" in other.text
    runs = (await web.get("/api/executions")).json()
    assert runs["total"] == 1 and runs["items"][0]["inputs"] == {"ticket": "<INC-42>"}
    page = await web.get(run_path)
    assert "<h2>Inputs</h2>" in page.text and "&lt;INC-42&gt;" in page.text and "<INC-42>" not in page.text


async def test_runs_filter_offers_waiting_and_every_trigger_and_the_run_page_shows_controls(
    web: httpx.AsyncClient, db_url: str
) -> None:
    task = await create_task(web)
    tid = int(task["id"])
    at = START - timedelta(hours=3)
    (first,) = await insert_runs(
        db_url,
        [
            (
                FireRow(
                    task_id=tid,
                    scheduled_for=at,
                    trigger="schedule",
                    status="interrupted",
                    slot=None,
                    due_at=at + timedelta(seconds=42),
                ),
                {
                    "sla_breach": "started 95s late (max_delay_seconds=60)",
                    "started_at": at + timedelta(seconds=137),
                    "cost_usd": 0.75,
                },
            )
        ],
        now=at,
    )
    retry_row = FireRow(
        task_id=tid, scheduled_for=at + timedelta(minutes=1), trigger="retry", status="failed", slot=None
    )
    (retry,) = await insert_runs(db_url, [(retry_row, {"attempt": 2, "retry_of": first})], now=at)
    waiting_row = FireRow(
        task_id=tid, scheduled_for=at - timedelta(days=1), trigger="backfill", status="waiting", slot=None
    )
    (waiting,) = await insert_runs(db_url, [(waiting_row, {})], now=at)

    runs = await web.get("/ui/runs")
    for option in ("waiting", "backfill", "event", "retry", "catchup"):
        assert f'<option value="{option}"' in runs.text, option
    assert re.findall(r'<a href="/ui/runs/(\d+)">#', (await web.get("/ui/runs?status=waiting")).text) == [str(waiting)]
    assert re.findall(r'<a href="/ui/runs/(\d+)">#', (await web.get("/ui/runs?trigger=backfill")).text) == [
        str(waiting)
    ]
    assert re.findall(r'<a href="/ui/runs/(\d+)">#', (await web.get("/ui/runs?trigger=retry")).text) == [str(retry)]

    page = await web.get(f"/ui/runs/{first}")
    assert "started 95s late (max_delay_seconds=60)" in page.text and "SLA breach" in page.text
    assert "<dt>Due at</dt>" in page.text and "2026-11-23 06:00:42 CET +01:00" in page.text
    assert f'<dt>Retried as</dt><dd><a href="/ui/runs/{retry}">#{retry}</a>' in page.text
    assert "<dt>Retry of</dt>" not in page.text and "<h2>Inputs</h2>" not in page.text
    again = await web.get(f"/ui/runs/{retry}")
    assert f'<dt>Retry of</dt><dd><a href="/ui/runs/{first}">#{first}</a>' in again.text and "attempt 2" in again.text
    assert "<dt>Due at</dt>" not in again.text and "SLA breach" not in again.text

    # The task page counts the breach and what the run cost today.
    task_page = await web.get(f"/ui/tasks/{tid}")
    assert f'<a href="/ui/runs/{first}">#{first}</a> started 95s late' in task_page.text
    assert "1 in the last 3 records" in task_page.text
    assert "$0.7500 <span" in task_page.text  # spent today (Berlin), no daily limit set


async def test_controls_page_sets_and_removes_keys_and_prices(web: httpx.AsyncClient) -> None:
    await create_task(web, concurrency_key="slack")
    page = await web.get("/ui/controls")
    assert page.status_code == 200 and "No concurrency keys have a limit." in page.text
    assert 'href="/ui/controls" aria-current="page"' in page.text
    token = csrf_of(page.text)

    made = await web.post("/ui/controls/keys", data={"csrf": token, "key": "slack", "max_running": "2"})
    assert made.status_code == 303
    assert (await web.get("/api/concurrency-keys/slack")).json()["max_running"] == 2
    listed = await web.get("/ui/controls")
    assert re.search(r"<td><code>slack</code></td><td>2</td><td>0</td><td>0</td><td>1</td>", listed.text)
    for key, limit, field in (
        ("no spaces", "1", "key"),
        ("<script>", "1", "key"),
        ("", "1", "key"),
        ("slack", "-1", "max_running"),
        ("slack", "many", "max_running"),
        ("slack", "", "max_running"),
    ):
        bad = await web.post("/ui/controls/keys", data={"csrf": token, "key": key, "max_running": limit})
        assert bad.status_code == 422 and f'id="{field}-error"' in bad.text, (key, limit)
        assert "<script>" not in bad.text.split("<main", 1)[1]
    assert (await web.get("/api/concurrency-keys")).json()["total"] == 1
    assert (await web.get("/api/concurrency-keys/slack")).json()["max_running"] == 2
    gone = await web.post("/ui/controls/keys/delete", data={"csrf": token, "key": "slack"})
    assert gone.status_code == 303 and (await web.get("/api/concurrency-keys")).json()["total"] == 0
    assert (await web.post("/ui/controls/keys/delete", data={"csrf": token, "key": "slack"})).status_code == 404

    price = {"csrf": token, "model": "local/<b>llama</b>", "input_price": "0.1", "output_price": "0.2"}
    assert (await web.post("/ui/controls/prices", data=price)).status_code == 303
    stored = (await web.get("/api/model-prices")).json()["items"]
    assert [(p["model"], p["input_per_million"], p["output_per_million"]) for p in stored] == [
        ("local/<b>llama</b>", 0.1, 0.2)
    ]
    shown = await web.get("/ui/controls")
    assert "<code>local/&lt;b&gt;llama&lt;/b&gt;</code>" in shown.text and "<b>llama</b>" not in shown.text
    for field, value in (("input_price", "-1"), ("output_price", "free"), ("input_price", "nan"), ("model", "")):
        bad = await web.post("/ui/controls/prices", data={**price, field: value})
        assert bad.status_code == 422 and f'id="{field}-error"' in bad.text, (field, value)
    removed = await web.post("/ui/controls/prices/delete", data={"csrf": token, "model": "local/<b>llama</b>"})
    assert removed.status_code == 303 and (await web.get("/api/model-prices")).json()["total"] == 0
    refused = await web.post("/ui/controls/keys", data={"key": "x", "max_running": "1"})
    assert refused.status_code == 403  # no form token
