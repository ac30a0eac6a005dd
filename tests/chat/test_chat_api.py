"""POST /api/chat: each tool through the service layer, confirmation before delete, follow-ups, 503."""

from __future__ import annotations

from datetime import timedelta

import httpx
import time_machine

from app.db.repositories import FireRow
from tests.chat.conftest import StubScript, create_task, insert_runs, say, scheduler_progress
from tests.scheduler.conftest import START


async def test_create_from_words_shows_the_understood_schedule(client: httpx.AsyncClient, script: StubScript) -> None:
    words = "every weekday at 9am Berlin time, check status.example.com and summarise incidents"
    script.call(("create_task", {"description": words})).reply("Created task 1; next run Tue 09:00.")
    answer = await say(client, words)
    assert answer["reply"] == "Created task 1; next run Tue 09:00."
    (action,) = answer["actions"]
    assert action["tool"] == "create_task" and action["arguments"] == {"description": words}
    task = action["result"]["task"]
    assert task["task_id"] == 1 and task["schedule"]["cron"] == "0 9 * * 1-5"
    assert task["timezone"] == "Europe/Berlin" and task["parser"] == "rules"
    assert task["next_runs"][:2] == ["2026-11-24T09:00:00+01:00", "2026-11-25T09:00:00+01:00"]
    # The model saw the same result, ids included, before answering.
    assert script.tool_results(1)[0]["task"]["task_id"] == 1
    system = script.requests[0][0]
    assert system["role"] == "system" and "must come from a tool result in THIS turn" in system["content"]
    stored = (await client.get("/api/tasks/1")).json()
    assert stored["description"] == words


async def test_follow_up_uses_the_conversation(client: httpx.AsyncClient, script: StubScript) -> None:
    await create_task(client, "digest")
    await create_task(client, "backup database")
    script.call(("find_tasks", {"query": "the backup task"})).reply("Task 2 (backup database) is active.")
    first = await say(client, "show me the backup task")
    found = first["actions"][0]["result"]
    assert found["total"] == 1 and found["tasks"][0]["task_id"] == 2  # matched by words, not the phrase
    script.call(("pause_task", {"task_id": 2})).reply("Paused task 2.")
    second = await say(client, "pause it", first["conversation_id"])
    assert second["conversation_id"] == first["conversation_id"]
    assert second["actions"][0]["result"]["task"]["state"] == "paused"
    # The second turn replayed the first: the user's words, the tool call and its result with the id.
    replay = script.requests[2]
    assert [m["role"] for m in replay] == ["system", "user", "assistant", "tool", "assistant", "user"]
    assert '"task_id": 2' in replay[3]["content"] and replay[-1]["content"] == "pause it"
    assert (await client.get("/api/tasks/2")).json()["state"] == "paused"
    assert (await client.get("/api/tasks/1")).json()["state"] == "active"


async def test_delete_needs_confirmation_in_a_later_message(client: httpx.AsyncClient, script: StubScript) -> None:
    await create_task(client, "backup")
    # A model that tries to delete and confirm in one turn gets refused by the server.
    script.call(("delete_task", {"task_id": 1}), ("confirm_delete", {"task_id": 1})).reply("Confirm?")
    first = await say(client, "delete the backup task")
    asked, refused = (a["result"] for a in first["actions"])
    assert asked["status"] == "needs_confirmation" and asked["deleted"] is False
    assert refused["error"]["code"] == "needs_confirmation"
    assert first["pending_action"] == {
        "action": "delete_task",
        "task_id": 1,
        "task_name": "backup",
        "turn": 1,
    }
    assert (await client.get("/api/tasks/1")).status_code == 200
    script.call(("confirm_delete", {"task_id": 1})).reply("Deleted task 1.")
    second = await say(client, "yes, delete it", first["conversation_id"])
    assert second["actions"][0]["result"] == {
        "status": "deleted",
        "deleted": True,
        "task_id": 1,
        "name": "backup",
    }
    assert second["pending_action"] is None
    assert (await client.get("/api/tasks/1")).status_code == 404


async def test_a_confirmation_is_only_good_in_the_next_message(client: httpx.AsyncClient, script: StubScript) -> None:
    await create_task(client, "backup")
    script.call(("delete_task", {"task_id": 1})).reply("Sure?")
    conversation = (await say(client, "delete task 1"))["conversation_id"]
    script.reply("OK, I will not delete it.")
    assert (await say(client, "hmm, wait", conversation))["pending_action"] is None
    script.call(("confirm_delete", {"task_id": 1})).reply("Could not.")
    late = await say(client, "yes", conversation)
    assert late["actions"][0]["result"]["error"]["code"] == "no_pending_delete"
    assert (await client.get("/api/tasks/1")).status_code == 200


async def test_show_update_resume_run_and_runs(client: httpx.AsyncClient, script: StubScript) -> None:
    await create_task(client, "digest")
    script.call(
        ("show_task", {"task_id": 1}),
        ("update_task", {"task_id": 1, "cron": "30 10 * * *", "name": "late digest"}),
        ("pause_task", {"task_id": 1}),
        ("resume_task", {"task_id": 1}),
        ("run_task_now", {"task_id": 1}),
        ("run_task_now", {"task_id": 1}),
    ).call(
        ("list_runs", {"task_id": 1, "since": "today"}),
        ("show_run", {"execution_id": 1}),
        ("show_task", {"task_id": 99}),
        ("update_task", {"task_id": 1, "cron": "61 * * * *", "name": "half-applied"}),
        ("no_such_tool", {}),
    ).reply("Done.")
    answer = await say(client, "move digest to 10:30 daily, and run it now")
    results = [a["result"] for a in answer["actions"]]
    assert results[0]["task"]["name"] == "digest" and results[0]["total_runs"] == 0
    assert results[1]["task"]["name"] == "late digest" and results[1]["changed"] == ["name", "schedule"]
    assert results[1]["task"]["schedule"] == {
        "kind": "cron",
        "cron": "30 10 * * *",
        "timezone": "Europe/Berlin",
    }
    assert results[1]["task"]["next_run_at"] == "2026-11-23T10:30:00+01:00"
    assert results[2]["task"]["state"] == "paused" and results[3]["task"]["state"] == "active"
    assert results[4]["execution"] == {**results[4]["execution"], "execution_id": 1, "status": "queued"}
    assert results[5]["error"]["code"] == "conflict"
    assert results[6]["total"] == 1 and results[6]["runs"][0]["execution_id"] == 1
    assert results[7]["run"]["trigger"] == "manual" and results[7]["steps"] == []
    assert results[8]["error"] == {"code": "not_found", "message": "No task with id 99."}
    assert results[9]["error"]["code"] == "invalid_cron"
    assert results[10]["error"]["code"] == "unknown_tool"
    # The failed update changed nothing, not even the name it carried.
    task = (await client.get("/api/tasks/1")).json()
    assert task["name"] == "late digest" and task["schedule"]["cron"] == "30 10 * * *"


async def test_why_didnt_it_run_from_real_records(
    client: httpx.AsyncClient, script: StubScript, db_url: str, frozen: time_machine.Traveller
) -> None:
    frozen.move_to(START - timedelta(days=10))
    digest = await create_task(client, "digest", missed_run_policy="skip")
    paused = await create_task(client, "report")
    frozen.move_to(START - timedelta(days=5))
    await client.post(f"/api/tasks/{paused['id']}/pause")
    frozen.move_to(START)
    day = timedelta(days=1)
    ids = await insert_runs(
        db_url,
        [
            (
                FireRow(
                    task_id=1,
                    scheduled_for=START - 3 * day,
                    trigger="schedule",
                    status="failed",
                    reason="run failed",
                ),
                {"error": "HTTP 503 from status.example.com", "attempt": 2},
            ),
            (
                FireRow(
                    task_id=1,
                    scheduled_for=START - 2 * day,
                    trigger="schedule",
                    status="skipped",
                    reason="execution 1 was still running; a task never runs twice at once",
                ),
                {},
            ),
            (
                FireRow(
                    task_id=1,
                    scheduled_for=START,
                    trigger="schedule",
                    status="missed",
                    reason="the service was not running at 09:00 (down from 08:50 to 09:20)",
                ),
                {},
            ),
        ],
    )
    await scheduler_progress(db_url, digest["id"], last_fire=START, next_run=START + day)
    script.call(
        ("explain_task", {"task_id": digest["id"], "since": "today"}),
        ("explain_task", {"task_id": digest["id"], "since": "2026-11-20T00:00"}),
        ("explain_task", {"task_id": paused["id"]}),
    ).reply("It was missed (execution 3).")
    answer = await say(client, "why didn't my 9am digest run today?")
    today, week, report = (a["result"] for a in answer["actions"])
    assert today["verdict"] == "missed" and today["execution_ids"] == [ids[2]]
    assert today["findings"][0] == (
        f"Execution {ids[2]} (schedule, scheduled for Mon 2026-11-23 09:00 CET) was missed: "
        "the service was not running at 09:00 (down from 08:50 to 09:20)."
    )
    assert today["findings"][-1] == "Its next run is at Tue 2026-11-24 09:00 CET."
    assert week["execution_ids"] == ids
    assert (
        f"Execution {ids[0]} (schedule, scheduled for Fri 2026-11-20 09:00 CET) failed (attempt 2): "
        "HTTP 503 from status.example.com." in week["findings"]
    )
    assert any("was skipped: execution 1 was still running" in f for f in week["findings"])
    assert report["verdict"] == "paused" and "is paused" in report["findings"][0]


async def test_totals_of_runs_tokens_and_cost(client: httpx.AsyncClient, script: StubScript, db_url: str) -> None:
    await create_task(client, "news summary")
    await create_task(client, "other")
    hour = timedelta(hours=1)
    done = {"status": "succeeded", "prompt_tokens": 1000, "completion_tokens": 200, "cost_usd": 0.01}
    await insert_runs(
        db_url,
        [
            (FireRow(task_id=1, scheduled_for=START - 30 * hour, trigger="schedule", status="running"), done),
            (
                FireRow(task_id=1, scheduled_for=START - 6 * hour, trigger="schedule", status="running"),
                {**done, "cost_usd": None},
            ),
            (FireRow(task_id=1, scheduled_for=START - 5 * hour, trigger="schedule", status="missed"), {}),
            (
                FireRow(task_id=1, scheduled_for=START - 9 * 24 * hour, trigger="schedule", status="running"),
                done,
            ),
            (FireRow(task_id=2, scheduled_for=START - hour, trigger="schedule", status="running"), done),
        ],
    )
    script.call(("run_totals", {"task_id": 1, "since": "7 days"}), ("run_totals", {})).reply("$0.01.")
    answer = await say(client, "how much did the news summary cost this week?")
    one, everything = (a["result"] for a in answer["actions"])
    assert one["runs"] == 3 and one["by_status"] == {"missed": 1, "succeeded": 2}
    assert one["prompt_tokens"] == 2000 and one["completion_tokens"] == 400
    assert one["cost_usd"] == 0.01 and one["runs_with_known_cost"] == 1 and one["runs_that_executed"] == 2
    assert one["period"] == {"since": "2026-11-16T09:00:00+01:00", "until": "2026-11-23T09:00:00+01:00"}
    assert everything["runs"] == 4 and everything["cost_usd"] == 0.02


async def test_llm_down_is_503_and_changes_nothing(client: httpx.AsyncClient, script: StubScript) -> None:
    await create_task(client, "backup")
    script.call(("pause_task", {"task_id": 1})).fail()
    response = await client.post("/api/chat", json={"message": "pause the backup"})
    assert response.status_code == 503, response.text
    assert response.json()["error"]["code"] == "llm_unavailable"
    assert (await client.get("/api/tasks/1")).json()["state"] == "active"
    assert (await client.get("/api/chat/conversations")).json()["total"] == 0
    # An existing conversation keeps only its earlier turns.
    script.reply("Hello.")
    conversation = (await say(client, "hi"))["conversation_id"]
    script.call(("pause_task", {"task_id": 1})).fail()
    failed = await client.post("/api/chat", json={"message": "pause it", "conversation_id": conversation})
    assert failed.status_code == 503
    stored = (await client.get(f"/api/chat/conversations/{conversation}")).json()
    assert stored["turns"] == 1 and [m["role"] for m in stored["messages"]] == ["user", "assistant"]
    assert (await client.get("/api/tasks/1")).json()["state"] == "active"


async def test_conversations_are_stored_and_listed(client: httpx.AsyncClient, script: StubScript) -> None:
    await create_task(client, "digest")
    script.call(("find_tasks", {})).reply("You have task 1 (digest).")
    first = await say(client, "what tasks do I have?")
    script.reply("Hi.")
    await say(client, "hello")
    listing = (await client.get("/api/chat/conversations", params={"limit": 1})).json()
    assert listing["total"] == 2 and listing["limit"] == 1 and len(listing["items"]) == 1
    detail = (await client.get(f"/api/chat/conversations/{first['conversation_id']}")).json()
    assert detail["title"] == "what tasks do I have?" and detail["turns"] == 1
    roles = [m["role"] for m in detail["messages"]]
    assert roles == ["user", "assistant", "tool", "assistant"]
    assert detail["messages"][1]["tool_calls"][0]["function"]["name"] == "find_tasks"
    assert detail["messages"][2]["name"] == "find_tasks" and '"task_id": 1' in detail["messages"][2]["content"]
    assert detail["messages"][3]["content"] == "You have task 1 (digest)."
    missing = await client.get("/api/chat/conversations/nope")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    unknown = await client.post("/api/chat", json={"message": "hi", "conversation_id": "nope"})
    assert unknown.status_code == 404
    assert (await client.post("/api/chat", json={"message": ""})).status_code == 422


async def test_why_it_ran_after_another_task_and_why_its_condition_skipped_it(
    client: httpx.AsyncClient, script: StubScript, db_url: str
) -> None:
    feed = "https://feeds.example.com/releases.xml"
    fetch = await create_task(client, "fetch")
    report = await create_task(client, "report", after={"task_id": fetch["id"], "on": "succeeded"})
    watcher = await create_task(client, "watcher", condition={"url_changed": feed})
    at = START - timedelta(minutes=30)
    (up,) = await insert_runs(
        db_url, [(FireRow(task_id=fetch["id"], scheduled_for=at, trigger="schedule", status="succeeded"), {})]
    )
    down, first, skipped = await insert_runs(
        db_url,
        [
            (
                FireRow(
                    task_id=report["id"],
                    scheduled_for=at + timedelta(minutes=1),
                    trigger="dependency",
                    status="succeeded",
                ),
                {"upstream_execution_id": up},
            ),
            (
                FireRow(
                    task_id=watcher["id"], scheduled_for=at - timedelta(hours=1), trigger="schedule", status="succeeded"
                ),
                {"condition_result": "first check of the content"},
            ),
            (
                FireRow(
                    task_id=watcher["id"],
                    scheduled_for=at,
                    trigger="schedule",
                    status="skipped",
                    reason=f"condition not met: content at {feed} unchanged since run 3",
                ),
                {"condition_result": f"content at {feed} unchanged since run 3"},
            ),
        ],
    )

    script.call(("explain_task", {"task_id": report["id"], "since": "today"})).reply(f"It ran after run {up}.")
    why_ran = (await say(client, "why did the report run this morning?"))["actions"][0]["result"]
    assert why_ran["verdict"] == "succeeded" and why_ran["execution_ids"] == [down]
    assert any(f"also runs after task {fetch['id']} (fetch) succeeded" in f for f in why_ran["findings"])
    assert any(
        f.startswith(f"Execution {down} (dependency: after run {up} of task {fetch['id']} (fetch) succeeded")
        for f in why_ran["findings"]
    ), why_ran["findings"]

    script.call(("explain_task", {"task_id": watcher["id"], "at": at.isoformat()})).reply("Nothing changed.")
    why_not = (await say(client, "why didn't the watcher run at 8:30?"))["actions"][0]["result"]
    assert why_not["verdict"] == "skipped" and skipped in why_not["execution_ids"] and first in why_not["execution_ids"]
    assert any(f"runs only if the content at {feed} changed since the last check" in f for f in why_not["findings"])
    assert any(
        f"Execution {skipped} (schedule, " in f and f"was skipped: condition not met: content at {feed} unchanged" in f
        for f in why_not["findings"]
    ), why_not["findings"]
