"""Dashboard pages and fragments through the real app, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import time_machine

from app.db.repositories import FireRow
from tests.support.records import insert_runs
from tests.web.conftest import START, create_task, csrf_of, form_token


async def test_root_redirects_to_the_dashboard_and_every_page_renders(web: httpx.AsyncClient) -> None:
    task = await create_task(web)
    assert (await web.get("/")).headers["location"] == "/ui"
    landed = await web.get("/", follow_redirects=True)
    assert landed.status_code == 200 and landed.url.path == "/ui/runs"
    for path in (
        "/ui/runs",
        "/ui/tasks",
        f"/ui/tasks/{task['id']}",
        f"/ui/tasks/{task['id']}/edit",
        f"/ui/tasks/{task['id']}/delete",
        "/ui/tasks/new",
        "/ui/upcoming",
        "/ui/health",
    ):
        page = await web.get(path)
        assert page.status_code == 200, (path, page.text[:500])
        assert '<main id="main"' in page.text and "<h1>" in page.text.replace("<h1 ", "<h1>")
        assert "/ui/static/vendor/htmx/htmx.min.js" in page.text


async def test_assets_and_api_docs_are_served_locally(web: httpx.AsyncClient) -> None:
    docs = await web.get("/docs")
    assert docs.status_code == 200
    assert "cdn" not in docs.text.lower()
    for asset in [*re.findall(r'(/ui/static/[^"\']+)', docs.text), "/ui/static/vendor/htmx/htmx.min.js"]:
        response = await web.get(asset)
        assert response.status_code == 200, asset
        assert len(response.content) > (500 if asset.endswith(".png") else 10_000)
    redoc = await web.get("/redoc")
    assert "/ui/static/vendor/redoc/redoc.standalone.js" in redoc.text and "fonts.googleapis" not in redoc.text


async def test_unknown_ids_get_a_404_page_not_a_500(web: httpx.AsyncClient) -> None:
    for path in ("/ui/runs/999", "/ui/tasks/999", "/ui/tasks/abc", "/ui/runs/99999999999999999999"):
        page = await web.get(path)
        assert page.status_code == 404, path
        assert "Not found" in page.text


async def _runs(db_url: str, task_id: int, count: int, **fields: object) -> list[int]:
    rows = [
        (
            FireRow(
                task_id=task_id, scheduled_for=START - timedelta(minutes=i), trigger="schedule", status="succeeded"
            ),
            dict(fields),
        )
        for i in range(count)
    ]
    return await insert_runs(db_url, rows, now=START)


async def test_tasks_list_links_each_tasks_latest_run(web: httpx.AsyncClient, db_url: str) -> None:
    busy = await create_task(web, name="busy")
    await create_task(web, name="idle")
    ids = await _runs(db_url, int(busy["id"]), 5)
    page = await web.get("/ui/tasks")
    assert f'<a href="/ui/runs/{ids[0]}"><span class="badge s-succeeded">' in page.text
    assert page.text.count('href="/ui/runs/') == 1
    assert '<span class="muted">never</span>' in page.text


async def test_run_page_links_its_task_and_runs_it_again(web: httpx.AsyncClient, db_url: str) -> None:
    task = await create_task(web, schedule={"kind": "cron", "cron": "0 9 * * *", "timezone": "Europe/Berlin"})
    at = START - timedelta(hours=1)  # a manual run now is scheduled for START
    row = FireRow(task_id=int(task["id"]), scheduled_for=at, trigger="schedule", status="failed", slot=None)
    [run_id] = await insert_runs(db_url, [(row, {"error": "boom"})], now=START)
    page = await web.get(f"/ui/runs/{run_id}")
    assert page.status_code == 200
    assert f'<a href="/ui/tasks/{task["id"]}">digest</a> (Europe/Berlin)' in page.text
    assert "2026-11-23 08:00:00 CET +01:00" in page.text and "boom" in page.text
    again = await web.post(f"/ui/runs/{run_id}/rerun", data={"csrf": csrf_of(page.text)})
    assert again.status_code == 303 and again.headers["location"].endswith("?notice=queued")
    assert again.headers["location"] != f"/ui/runs/{run_id}?notice=queued"


def _run_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<a href="/ui/runs/(\d+)">#', html)]


async def test_runs_list_pages_by_cursor_newest_first(web: httpx.AsyncClient, db_url: str) -> None:
    task = await create_task(web)
    ids = await _runs(db_url, int(task["id"]), 120, duration_ms=1500, cost_usd=0.002)
    first = await web.get("/ui/runs")
    assert _run_ids(first.text) == ids[:50]
    assert "Newer" not in first.text
    older = re.search(r'href="/ui/runs\?([^"]*before=[^"]+)"', first.text)
    assert older
    second = await web.get("/ui/runs?" + older.group(1).replace("&amp;", "&"))
    assert _run_ids(second.text) == ids[50:100]
    third_q = re.search(r'href="/ui/runs\?([^"]*before=[^"]+)"', second.text)
    assert third_q
    third = await web.get("/ui/runs?" + third_q.group(1).replace("&amp;", "&"))
    assert _run_ids(third.text) == ids[100:]
    assert "Older" not in third.text
    back = re.search(r'href="/ui/runs\?([^"]*after=[^"]+)"', third.text)
    assert back
    assert _run_ids((await web.get("/ui/runs?" + back.group(1).replace("&amp;", "&"))).text) == ids[50:100]
    assert "1.5 s" in first.text and "$0.0020" in first.text
    assert "+01:00" in first.text  # times in the task's zone (Berlin), with the offset


async def test_runs_list_filters_by_task_status_trigger_and_time(web: httpx.AsyncClient, db_url: str) -> None:
    a = await create_task(web, name="alpha")
    b = await create_task(web, name="beta")
    (ok,) = await _runs(db_url, int(a["id"]), 1)
    (missed,) = await insert_runs(
        db_url,
        [
            (
                FireRow(
                    task_id=int(b["id"]),
                    scheduled_for=START - timedelta(hours=3),
                    trigger="schedule",
                    status="missed",
                    reason="the service was down",
                ),
                {},
            )
        ],
        now=START,
    )
    (manual,) = await insert_runs(
        db_url,
        [(FireRow(task_id=int(b["id"]), scheduled_for=START, trigger="manual", status="queued"), {})],
        now=START,
    )
    assert set(_run_ids((await web.get(f"/ui/runs?task_id={b['id']}")).text)) == {missed, manual}
    page = await web.get("/ui/runs?status=missed")
    assert _run_ids(page.text) == [missed] and "the service was down" in page.text
    assert _run_ids((await web.get("/ui/runs?trigger=manual")).text) == [manual]
    window = await web.get("/ui/runs?since=2026-11-23T04:00&until=2026-11-23T07:59:30")
    assert _run_ids(window.text) == [missed]
    bad = await web.get("/ui/runs?since=yesterday-ish")
    assert bad.status_code == 200 and 'aria-invalid="true"' in bad.text and "since-error" in bad.text
    assert set(_run_ids(bad.text)) == {ok, missed, manual}


async def test_run_page_shows_steps_and_the_live_stream_ends_when_the_run_has(
    web: httpx.AsyncClient, db_url: str
) -> None:
    from app.db.engine import create_engine, create_sessionmaker
    from app.db.repositories import ExecutionRepository

    task = await create_task(web)
    (run_id,) = await _runs(db_url, int(task["id"]), 1, output="All quiet.", prompt_tokens=30, completion_tokens=12)
    engine = create_engine(db_url)
    async with create_sessionmaker(engine)() as s:
        await ExecutionRepository(s).add_steps(
            [
                {
                    "execution_id": run_id,
                    "index": i,
                    "kind": kind,
                    "name": name,
                    "input": {
                        "new_messages": [
                            {"role": "system", "content": "This run covers the period after A up to B. Focus."}
                        ]
                    }
                    if kind == "llm"
                    else {"url": "https://status.example.com"},
                    "output": {"text": "ok"},
                    "error": "HTTP 503" if kind == "tool" else None,
                    "started_at": START,
                    "latency_ms": 1234.0,
                    "prompt_tokens": 10 if kind == "llm" else None,
                    "completion_tokens": 4 if kind == "llm" else None,
                    "cost_usd": 0.0001 if kind == "llm" else None,
                    "attempt": 1,
                }
                for i, (kind, name) in enumerate([("llm", "openai/gpt-4o-mini"), ("tool", "http_request")])
            ]
        )
        await s.commit()
    await engine.dispose()
    page = await web.get(f"/ui/runs/{run_id}")
    assert page.status_code == 200
    text = page.text
    assert "All quiet." in text and "http_request" in text and "HTTP 503" in text and "1.2 s" in text
    assert "after A up to B" in text  # the prompt's time window
    assert "sse-connect" not in text  # finished: nothing to stream
    events = await web.get(f"/ui/runs/{run_id}/events")
    assert events.headers["content-type"].startswith("text/event-stream")
    assert "event: run\n" in events.text and "event: done\n" in events.text
    assert "data: " in events.text and "http_request" in events.text


async def test_forms_refuse_missing_or_foreign_tokens(web: httpx.AsyncClient) -> None:
    task = await create_task(web)
    token = await form_token(web)
    no_token = await web.post(f"/ui/tasks/{task['id']}/pause", data={})
    assert no_token.status_code == 403
    wrong = await web.post(f"/ui/tasks/{task['id']}/pause", data={"csrf": token + "x"})
    assert wrong.status_code == 403
    foreign = await web.post(
        f"/ui/tasks/{task['id']}/pause", data={"csrf": token}, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert foreign.status_code == 403
    stranger = httpx.AsyncClient(transport=web._transport, base_url="http://127.0.0.1")
    async with stranger:
        assert (await stranger.post(f"/ui/tasks/{task['id']}/pause", data={"csrf": token})).status_code == 403
    assert (await web.get(f"/api/tasks/{task['id']}")).json()["state"] == "active"


async def test_task_actions_pause_resume_run_now_and_delete(web: httpx.AsyncClient) -> None:
    task = await create_task(web)
    tid = task["id"]
    token = await form_token(web)
    paused = await web.post(f"/ui/tasks/{tid}/pause", data={"csrf": token})
    assert paused.status_code == 303 and paused.headers["location"].startswith(f"/ui/tasks/{tid}")
    assert (await web.get(f"/api/tasks/{tid}")).json()["state"] == "paused"
    page = await web.get(paused.headers["location"])
    assert "Paused." in page.text and ">Resume</button>" in page.text
    await web.post(f"/ui/tasks/{tid}/resume", data={"csrf": token})
    assert (await web.get(f"/api/tasks/{tid}")).json()["state"] == "active"
    run = await web.post(f"/ui/tasks/{tid}/run", data={"csrf": token})
    assert run.status_code == 303
    run_page = await web.get(run.headers["location"])
    assert "queued" in run_page.text and 'sse-connect="/ui/runs/' in run_page.text
    again = await web.post(f"/ui/tasks/{tid}/run", data={"csrf": token})
    assert again.status_code == 409 and "already running" in again.text
    confirm = await web.get(f"/ui/tasks/{tid}/delete")
    assert "cannot be undone" in confirm.text
    gone = await web.post(f"/ui/tasks/{tid}/delete", data={"csrf": csrf_of(confirm.text)})
    assert gone.headers["location"].startswith("/ui/tasks")
    assert (await web.get(f"/api/tasks/{tid}")).status_code == 404


async def test_bulk_pause_and_resume(web: httpx.AsyncClient) -> None:
    ids = [(await create_task(web, name=f"t{i}"))["id"] for i in range(3)]
    token = await form_token(web)
    done = await web.post(
        "/ui/tasks/bulk", data={"csrf": token, "action": "pause", "task_id": [str(ids[0]), str(ids[2])]}
    )
    assert done.status_code == 303
    states = [(await web.get(f"/api/tasks/{i}")).json()["state"] for i in ids]
    assert states == ["paused", "active", "paused"]
    await web.post("/ui/tasks/bulk", data={"csrf": token, "action": "resume", "task_id": [str(i) for i in ids]})
    assert {(await web.get(f"/api/tasks/{i}")).json()["state"] for i in ids} == {"active"}
    empty = await web.post("/ui/tasks/bulk", data={"csrf": token, "action": "pause"})
    assert empty.status_code == 400


async def test_new_task_from_plain_words_previews_then_creates(web: httpx.AsyncClient) -> None:
    token = await form_token(web, "/ui/tasks/new")
    words = {
        "csrf": token,
        "mode": "words",
        "description": "every day at 9am check the news",
        "timezone": "Europe/Berlin",
    }
    preview = await web.post("/ui/tasks/new/preview", data=words)
    assert preview.status_code == 200
    assert "09:00" in preview.text and "+01:00" in preview.text and "check the news" in preview.text.lower()
    full = await web.post("/ui/tasks/new", data={**words, "action": "preview"})
    assert full.status_code == 200 and "Preview" in full.text and "every day at 9am check the news" in full.text
    assert (await web.get("/api/tasks")).json()["total"] == 0  # nothing saved by a preview
    created = await web.post("/ui/tasks/new", data={**words, "action": "create"})
    assert created.status_code == 303, created.text
    task = (await web.get("/api/tasks")).json()["items"][0]
    assert task["schedule"]["cron"] == "0 9 * * *" and task["schedule"]["timezone"] == "Europe/Berlin"
    detail = await web.get(created.headers["location"])
    assert "Task created." in detail.text and detail.text.count("<li><time") >= 10
    assert "<code>0 9 * * *</code>" in detail.text and "Assumptions" in detail.text


async def test_new_task_errors_are_shown_beside_their_fields(web: httpx.AsyncClient) -> None:
    token = await form_token(web, "/ui/tasks/new")
    bad = await web.post(
        "/ui/tasks/new",
        data={
            "csrf": token,
            "mode": "explicit",
            "name": "x",
            "instructions": "y",
            "kind": "cron",
            "cron": "61 * * * *",
            "timezone": "Europe/Berln",
            "action": "create",
        },
    )
    assert bad.status_code == 422
    assert 'id="cron" name="cron" value="61 * * * *"' in bad.text  # the typed value is kept
    assert re.search(r'id="(cron|timezone)-error"', bad.text)
    assert 'aria-invalid="true"' in bad.text
    missing = await web.post("/ui/tasks/new", data={"csrf": token, "mode": "explicit", "action": "create"})
    assert (
        missing.status_code == 422 and 'id="name-error"' in missing.text and 'id="instructions-error"' in missing.text
    )
    past = await web.post(
        "/ui/tasks/new",
        data={
            "csrf": token,
            "mode": "explicit",
            "name": "x",
            "instructions": "y",
            "kind": "once",
            "at": "2020-01-01T09:00",
            "timezone": "UTC",
            "action": "create",
        },
    )
    assert past.status_code == 422 and 'id="at-error"' in past.text
    assert (await web.get("/api/tasks")).json()["total"] == 0


async def test_edit_changes_the_schedule_and_settings(web: httpx.AsyncClient) -> None:
    task = await create_task(web)
    page = await web.get(f"/ui/tasks/{task['id']}/edit")
    assert 'value="0 9 * * *"' in page.text
    saved = await web.post(
        f"/ui/tasks/{task['id']}/edit",
        data={
            "csrf": csrf_of(page.text),
            "name": "digest v2",
            "instructions": "Summarise.",
            "kind": "interval",
            "every": "2",
            "every_unit": "hours",
            "timezone": "Europe/Berlin",
            "missed_run_policy": "catchup",
            "max_steps": "7",
            "timeout_seconds": "60",
            "max_retries": "1",
            "tools_shown": "1",
        },
    )
    assert saved.status_code == 303, saved.text
    data = (await web.get(f"/api/tasks/{task['id']}")).json()
    assert data["name"] == "digest v2" and data["schedule"]["every_seconds"] == 7200
    assert data["missed_run_policy"] == "catchup" and data["max_steps"] == 7 and data["tools"] == []
    bad = await web.post(
        f"/ui/tasks/{task['id']}/edit",
        data={
            "csrf": csrf_of(page.text),
            "name": "",
            "instructions": "x",
            "kind": "cron",
            "cron": "0 9 * * *",
            "timezone": "Europe/Berlin",
            "max_steps": "many",
        },
    )
    assert bad.status_code == 422 and 'id="max_steps-error"' in bad.text
    assert (await web.get(f"/api/tasks/{task['id']}")).json()["name"] == "digest v2"


async def test_task_page_flags_dst_days(web: httpx.AsyncClient, frozen: time_machine.Traveller) -> None:
    frozen.move_to(datetime(2027, 3, 22, 8, 0, tzinfo=UTC))  # the clocks go forward in Berlin on 2027-03-28
    task = await create_task(web, schedule={"kind": "cron", "cron": "30 2 * * *", "timezone": "Europe/Berlin"})
    page = await web.get(f"/ui/tasks/{task['id']}")
    assert page.text.count("DST day") == 1
    assert "2027-03-28 03:00:00 CEST +02:00" in page.text  # 02:30 does not exist that day: it runs at the jump
    assert "DST day: clocks go forward 1.0 h" in page.text


async def test_task_page_answers_why_it_did_not_run(web: httpx.AsyncClient, db_url: str) -> None:
    task = await create_task(web, schedule={"kind": "cron", "cron": "30 2 * * *", "timezone": "Europe/Berlin"})
    page = await web.get(f"/ui/tasks/{task['id']}")
    assert "DST day" not in page.text  # November: no change within the next 10 days
    await insert_runs(
        db_url,
        [
            (
                FireRow(
                    task_id=int(task["id"]),
                    scheduled_for=START - timedelta(hours=5, minutes=30),
                    trigger="schedule",
                    status="missed",
                    reason="the service was not running",
                ),
                {},
            )
        ],
        now=START,
    )
    why = await web.get(f"/ui/tasks/{task['id']}?why_at=2026-11-23T02:30")
    assert "Verdict:</strong> missed" in why.text and "the service was not running" in why.text
    bad = await web.get(f"/ui/tasks/{task['id']}?why_at=soonish")
    assert 'id="why-error"' in bad.text


async def test_why_box_refuses_a_time_still_to_come(web: httpx.AsyncClient) -> None:
    task = await create_task(web)
    later = await web.get(f"/ui/tasks/{task['id']}?why_at=2026-11-30T09:00")
    assert later.status_code == 200 and 'id="why-error"' in later.text and 'id="why-answer"' not in later.text


async def test_dst_change_on_flags_both_changes() -> None:
    from datetime import date
    from zoneinfo import ZoneInfo

    from app.services.overview import dst_change_on

    berlin = ZoneInfo("Europe/Berlin")
    assert dst_change_on(date(2027, 3, 28), berlin) == timedelta(hours=1)
    assert dst_change_on(date(2026, 10, 25), berlin) == timedelta(hours=-1)
    assert dst_change_on(date(2026, 11, 23), berlin) is None


async def test_upcoming_api_and_page_show_pileups(web: httpx.AsyncClient) -> None:
    for name in ("a", "b", "c"):
        await create_task(web, name=name, schedule={"kind": "cron", "cron": "0 9 * * *", "timezone": "UTC"})
    await create_task(web, name="quarter", schedule={"kind": "cron", "cron": "*/15 * * * *", "timezone": "UTC"})
    data = (await web.get("/api/schedules/upcoming", params={"hours": 2})).json()
    assert data["total"] == 8 + 3  # 8:15 .. 10:00 every 15 minutes, and the three at 9:00
    assert data["busiest"] == [{"at": "2026-11-23T09:00:00Z", "count": 4}]
    day = (await web.get("/api/schedules/upcoming", params={"hours": 24})).json()
    assert day["total"] == 3 + 96
    assert day["busiest"][0] == {"at": "2026-11-23T09:00:00Z", "count": 4}
    assert [i["at"] for i in day["items"]] == sorted(i["at"] for i in day["items"])
    assert (await web.get("/api/schedules/upcoming", params={"hours": 0})).status_code == 422
    assert (await web.get("/api/schedules/upcoming", params={"hours": 1000})).status_code == 422
    page = await web.get("/ui/upcoming?hours=24")
    assert "4 tasks" in page.text and "busy-row" in page.text


async def test_upcoming_keeps_the_soonest_fires_when_it_truncates(web: httpx.AsyncClient) -> None:
    await create_task(web, name="minutely", schedule={"kind": "cron", "cron": "* * * * *", "timezone": "UTC"})
    await create_task(web, name="quarter", schedule={"kind": "cron", "cron": "*/15 * * * *", "timezone": "UTC"})
    everything = (await web.get("/api/schedules/upcoming", params={"hours": 2})).json()
    assert everything["total"] == 120 + 8 and not everything["truncated"]
    cut = (await web.get("/api/schedules/upcoming", params={"hours": 2, "limit": 50})).json()
    assert cut["truncated"] and cut["total"] == 50
    assert cut["items"] == everything["items"][:50]
    few = (await web.get("/api/schedules/upcoming", params={"hours": 2, "limit": 3})).json()
    assert few["truncated"] and few["items"] == everything["items"][:3]


async def test_health_counts_queue_failures_and_punctuality(web: httpx.AsyncClient, db_url: str) -> None:
    task = await create_task(web)
    tid = int(task["id"])
    rows = [
        (FireRow(task_id=tid, scheduled_for=START - timedelta(hours=h), trigger="schedule", status=status), fields)
        for h, status, fields in [
            (1, "succeeded", {"started_at": START - timedelta(hours=1), "trigger_delay_ms": 200}),
            (2, "failed", {"started_at": START - timedelta(hours=2), "trigger_delay_ms": 90_000}),
            (3, "missed", {}),
            (30, "failed", {}),
        ]
    ]
    for h, status in ((4, "queued"), (5, "running")):
        rows.append(
            (
                FireRow(
                    task_id=tid, scheduled_for=START - timedelta(hours=h), trigger="manual", status=status, slot=None
                ),
                {},
            )
        )
    await insert_runs(db_url, rows, now=START)
    page = await web.get("/ui/health")
    assert "1 queued, 1 running" in page.text
    assert "50.0%" in page.text and "1 of 2" in page.text
    assert re.search(r"Failures \(last 24 h\)</dt><dd><a[^>]*>1</a>", page.text)
    assert "disabled" in page.text


async def test_cancel_is_offered_only_when_the_services_can_cancel(
    web: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys
    import types

    task = await create_task(web)
    token = await form_token(web)
    queued = await web.post(f"/ui/tasks/{task['id']}/run", data={"csrf": token})
    run_path = queued.headers["location"].split("?")[0]
    calls: list[int] = []
    if "app.services.cancel" not in sys.modules:
        page = await web.get(run_path)
        assert ">Cancel</button>" not in page.text
        refused = await web.post(run_path + "/cancel", data={"csrf": token})
        assert refused.status_code == 409
        fake = types.ModuleType("app.services.cancel")

        async def cancel_execution(session: object, execution_id: int, *, now: object) -> None:
            calls.append(execution_id)

        fake.cancel_execution = cancel_execution  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, "app.services.cancel", fake)
    page = await web.get(run_path)
    assert ">Cancel</button>" in page.text
    done = await web.post(run_path + "/cancel", data={"csrf": token})
    assert done.status_code == 303 and "notice=cancelled" in done.headers["location"]
    if calls:
        assert calls == [int(run_path.rsplit("/", 1)[1])]


async def test_task_and_run_pages_show_the_condition(web: httpx.AsyncClient, db_url: str) -> None:
    feed = "https://feeds.example.com/releases.xml"
    task = await create_task(web, condition={"url_changed": feed})
    page = await web.get(f"/ui/tasks/{task['id']}")
    assert "Runs only if" in page.text and f"<code>{feed}</code> changed since the last check" in page.text
    row = FireRow(
        task_id=int(task["id"]), scheduled_for=START - timedelta(hours=1), trigger="schedule", status="running"
    )
    [run_id] = await insert_runs(
        db_url,
        [(row, {"status": "succeeded", "condition_result": f"content at {feed} changed since run 3"})],
        now=START,
    )
    run = await web.get(f"/ui/runs/{run_id}")
    assert "<dt>Condition</dt><dd>content at " in run.text and "changed since run 3" in run.text
