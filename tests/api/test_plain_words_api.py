"""Tasks from plain words with the LLM switched off: the rules parser answers, and says what it understood."""

from __future__ import annotations

import httpx

from tests.api.test_tasks_api import assert_error


async def test_create_from_a_description_alone(client: httpx.AsyncClient) -> None:
    words = "every weekday at 9am Berlin time, summarise yesterday's errors from https://logs.example.com"
    response = await client.post("/api/tasks", json={"description": words})
    assert response.status_code == 201, response.text
    task = response.json()
    assert task["schedule"]["kind"] == "cron"
    assert task["schedule"]["timezone"] == "Europe/Berlin"
    # Compare fire times, not spelling: Tue-Fri this week, then Monday.
    assert task["next_runs"] == [
        "2026-11-24T09:00:00+01:00",
        "2026-11-25T09:00:00+01:00",
        "2026-11-26T09:00:00+01:00",
        "2026-11-27T09:00:00+01:00",
        "2026-11-30T09:00:00+01:00",
    ]
    assert task["description"] == words
    assert task["parser"] == "rules"
    assert "logs.example.com" in task["instructions"]
    assert task["next_runs"][0] == "2026-11-24T09:00:00+01:00"
    assert task["assumptions"], "what was assumed is shown"


async def test_parse_shows_what_was_understood_and_saves_nothing(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/schedules/parse",
        json={"text": "tomorrow at 3pm remind me to renew the certificate", "timezone": "Europe/Paris"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["schedule"]["kind"] == "once"
    assert body["next_runs"] == ["2026-11-24T15:00:00+01:00"]
    assert body["parser"] == "rules"
    assert "certificate" in body["instructions"]
    assert any("Europe/Paris" in a for a in body["assumptions"])
    assert (await client.get("/api/tasks")).json()["total"] == 0


async def test_words_the_rules_cannot_read_are_a_question_when_the_llm_is_down(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/tasks", json={"description": "on the first monday of each month, do payroll"})
    assert_error(response, 422, "ambiguous_schedule")
    details = response.json()["error"]["details"]
    assert details["unplaced"] == ["first monday"]
    assert details["llm_unavailable"]
    assert (await client.get("/api/tasks")).json()["total"] == 0


async def test_no_silent_midnight(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/tasks", json={"description": "every Friday after work clean the desk"})
    assert_error(response, 422, "ambiguous_schedule")
    assert response.json()["error"]["details"]["unplaced"] == ["after work"]


async def test_parse_explains_itself(client: httpx.AsyncClient) -> None:
    text = "every weekday at 9am Berlin time, summarise incidents"
    body = (await client.post("/api/schedules/parse", json={"text": text})).json()
    assert body["schedule_words"] == ["every weekday at 9am Berlin time"]
    assert body["runs"][0]["local"] == "Tue 2026-11-24 09:00 CET (UTC+01:00)"
    assert "Read as the schedule: 'every weekday at 9am Berlin time'" in body["explanation"]


async def test_a_description_without_instructions_is_refused(client: httpx.AsyncClient) -> None:
    assert_error(await client.post("/api/tasks", json={"description": "every day at 9am"}), 422, "validation_error")
