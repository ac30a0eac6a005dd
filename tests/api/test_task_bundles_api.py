"""Export and import of task definitions over the API: round trip, idempotent by name, checked first."""

from __future__ import annotations

from typing import Any

import httpx
import yaml

CRON = {"kind": "cron", "cron": "0 9 * * 1-5", "timezone": "Europe/Berlin"}


async def _create(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    body = {"name": "digest", "instructions": "Sum up.", "schedule": CRON, **fields}
    answer = await client.post("/api/tasks", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()  # type: ignore[no-any-return]


async def test_export_then_import_is_a_no_op_and_yaml_works(client: httpx.AsyncClient) -> None:
    await _create(client, tools=["current_time"], max_steps=4)
    await _create(client, name="hourly", schedule={"kind": "interval", "every_seconds": 3600}, enabled=False)
    bundle = (await client.get("/api/tasks/export")).json()
    assert bundle["version"] == 1
    assert [t["name"] for t in bundle["tasks"]] == ["digest", "hourly"]
    assert bundle["tasks"][0] == {
        "name": "digest",
        "instructions": "Sum up.",
        "schedule": CRON,
        "missed_run_policy": "skip",
        "model": None,
        "tools": ["current_time"],
        "max_steps": 4,
        "timeout_seconds": 300,
        "max_retries": 3,
        "enabled": True,
        "notify": None,
        "condition": None,
    }
    assert bundle["tasks"][1]["enabled"] is False

    text = (await client.get("/api/tasks/export", params={"format": "yaml"})).text
    assert yaml.safe_load(text) == bundle
    again = await client.post("/api/tasks/import", content=text, headers={"content-type": "application/yaml"})
    assert again.status_code == 200, again.text
    assert again.json()["unchanged"] == 2 and again.json()["created"] == again.json()["updated"] == 0


async def test_import_creates_new_names_and_updates_only_changed_fields(client: httpx.AsyncClient) -> None:
    existing = await _create(client)
    bundle = {
        "tasks": [
            {"name": "digest", "schedule": {**CRON, "cron": "30 9 * * 1-5"}, "max_steps": 20},
            {"name": "backup check", "instructions": "Check backups.", "schedule": {"kind": "cron", "cron": "@daily"}},
        ]
    }
    dry = await client.post("/api/tasks/import", params={"dry_run": "true"}, json=bundle)
    assert dry.status_code == 200, dry.text
    assert dry.json()["items"] == [
        {"name": "digest", "action": "update", "changes": ["schedule"], "id": existing["id"]},
        {"name": "backup check", "action": "create", "changes": [], "id": None},
    ]
    assert (await client.get("/api/tasks")).json()["total"] == 1, "a dry run writes nothing"

    done = (await client.post("/api/tasks/import", json=bundle)).json()
    assert (done["created"], done["updated"], done["unchanged"]) == (1, 1, 0)
    changed = (await client.get(f"/api/tasks/{existing['id']}")).json()
    assert changed["schedule"]["cron"] == "30 9 * * 1-5" and changed["instructions"] == "Sum up."
    repeat = (await client.post("/api/tasks/import", json=bundle)).json()
    assert repeat["unchanged"] == 2


async def test_invalid_bundles_are_422_and_nothing_is_written(client: httpx.AsyncClient) -> None:
    bundle = {
        "tasks": [
            {"name": "ok", "instructions": "x", "schedule": CRON},
            {"name": "bad", "instructions": "x", "schedule": {"kind": "cron", "cron": "61 * * * *"}},
            {"name": "partial", "max_steps": 3},
        ]
    }
    answer = await client.post("/api/tasks/import", params={"dry_run": "true"}, json=bundle)
    assert answer.status_code == 422, answer.text
    problems = answer.json()["error"]["details"]["problems"]
    assert [(p["name"], p.get("code")) for p in problems] == [("bad", "invalid_cron"), ("partial", None)]
    assert (await client.get("/api/tasks")).json()["total"] == 0

    for body, media in ((b"tasks: [", "application/yaml"), (b"{", "application/json"), (b"42", "application/json")):
        broken = await client.post("/api/tasks/import", content=body, headers={"content-type": media})
        assert broken.status_code == 422, broken.text
        assert broken.json()["error"]["code"] == "validation_error"
    twice = await client.post("/api/tasks/import", json=[{"name": "a", "max_steps": 2}, {"name": "a", "max_steps": 3}])
    assert twice.status_code == 422 and "more than once" in twice.text


async def test_shared_names_are_a_conflict(client: httpx.AsyncClient) -> None:
    await _create(client)
    await _create(client)
    answer = await client.post("/api/tasks/import", json={"tasks": [{"name": "digest", "max_steps": 2}]})
    assert answer.status_code == 409
    assert answer.json()["error"]["details"] == {"names": ["digest"]}
