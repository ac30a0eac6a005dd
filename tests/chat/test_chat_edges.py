"""Chat turns that used to end in 5xx: failing tools in a conversation with a timezone, and odd timezones."""

from __future__ import annotations

import httpx
import pytest

from tests.chat.conftest import StubScript, create_task


async def test_a_failing_tool_in_a_conversation_with_a_timezone_is_an_answer(
    client: httpx.AsyncClient, script: StubScript
) -> None:
    await create_task(client, "digest")
    script.reply("Hello.")
    first = await client.post("/api/chat", json={"message": "hi", "timezone": "Europe/Berlin"})
    assert first.status_code == 200
    conversation = first.json()["conversation_id"]
    script.call(
        ("update_task", {"task_id": 1, "cron": "61 * * * *"}),
        ("show_task", {"task_id": 99}),
        ("list_runs", {"since": "yesterday"}),
    ).reply("That cron is not valid.")
    # The timezone is given again (and changed) in the same turn as the failing tools.
    answer = await client.post(
        "/api/chat",
        json={"message": "run it at minute 61", "conversation_id": conversation, "timezone": "America/New_York"},
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["reply"] == "That cron is not valid."
    failed, missing, runs = (a["result"] for a in body["actions"])
    assert failed["error"]["code"] == "invalid_cron" and missing["error"]["code"] == "not_found"
    assert runs["filters"]["since"] == "2026-11-22T00:00:00-05:00"  # yesterday in New York
    stored = (await client.get(f"/api/chat/conversations/{conversation}")).json()
    assert stored["timezone"] == "America/New_York" and stored["turns"] == 2


@pytest.mark.parametrize("zone", ["America", "Europe", "../etc/passwd", "Mars/Olympus", ""])
async def test_a_timezone_that_is_not_a_zone_is_422(client: httpx.AsyncClient, script: StubScript, zone: str) -> None:
    answer = await client.post("/api/chat", json={"message": "hi", "timezone": zone})
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] in ("invalid_timezone", "validation_error")
    assert script.requests == []  # refused before the model was asked
