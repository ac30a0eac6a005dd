"""The chat's tools for controls: the same definitions as MCP, under their chat names."""

from __future__ import annotations

import httpx

from tests.chat.conftest import StubScript, create_task, say


async def test_chat_sets_controls_pauses_with_a_note_and_sets_a_key(
    client: httpx.AsyncClient, script: StubScript
) -> None:
    await create_task(client, "digest")
    script.call(
        ("update_task", {"task_id": 1, "overlap_policy": "cancel_other", "max_cost_usd_per_day": 1.5}),
        ("update_task", {"task_id": 1, "jitter_seconds": -3}),
        ("pause_task", {"task_id": 1, "note": "budget review"}),
        ("set_concurrency_key", {"key": "reports", "max_running": 1}),
        ("list_concurrency_keys", {}),
    ).reply("Done.")
    answer = await say(client, "don't let the digest overlap, cap it at $1.50 a day, and pause it for review")
    changed, refused, paused, key, keys = (a["result"] for a in answer["actions"])
    assert changed["task"]["controls"]["overlap_policy"] == "cancel_other"
    assert changed["task"]["controls"]["max_cost_usd_per_day"] == 1.5
    assert refused["error"]["code"] == "invalid_arguments" and "jitter_seconds" in refused["error"]["message"]
    assert paused["task"]["pause_note"] == "budget review"
    assert key["key"]["max_running"] == 1 and keys["keys"][0]["key"] == "reports"
    stored = (await client.get("/api/tasks/1")).json()
    assert stored["overlap_policy"] == "cancel_other" and stored["max_cost_usd_per_day"] == 1.5
    assert stored["jitter_seconds"] == 0 and stored["state"] == "paused" and stored["pause_note"] == "budget review"
    assert (await client.get("/api/concurrency-keys/reports")).json()["max_running"] == 1
    offered = {t["function"]["name"] for t in script.stub.requests[0]["tools"]}
    assert {"pause_task", "set_concurrency_key", "list_model_prices", "set_model_price"} <= offered
    assert "cancel_schedule" not in offered  # MCP only
