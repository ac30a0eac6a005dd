"""`after` over HTTP: set, shown, checked (unknown tasks, itself, cycles, bad shapes), and deletes that would orphan."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

CRON = {"kind": "cron", "cron": "0 9 * * *", "timezone": "UTC"}


async def _create(client: httpx.AsyncClient, name: str, **fields: Any) -> int:
    answer = await client.post("/api/tasks", json={"name": name, "instructions": "x", "schedule": CRON, **fields})
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


async def _patch(client: httpx.AsyncClient, task_id: int, after: Any) -> httpx.Response:
    return await client.patch(f"/api/tasks/{task_id}", json={"after": after})


async def test_after_is_stored_in_its_long_form_and_shown(client: httpx.AsyncClient) -> None:
    fetch = await _create(client, "fetch")
    report = await _create(client, "report", after={"task_id": fetch, "on": "finished"})
    shown = (await client.get(f"/api/tasks/{report}")).json()
    assert shown["after"] == {"mode": "all", "tasks": [{"task_id": fetch, "on": "finished"}]}
    assert (await client.get(f"/api/tasks/{fetch}")).json()["after"] is None
    changed = await _patch(client, report, {"tasks": [{"task_id": fetch}], "mode": "any"})
    assert changed.json()["after"] == {"mode": "any", "tasks": [{"task_id": fetch, "on": "succeeded"}]}
    cleared = await _patch(client, report, None)
    assert cleared.status_code == 200 and cleared.json()["after"] is None


async def test_cycles_are_refused_with_the_cycle_named(client: httpx.AsyncClient) -> None:
    a = await _create(client, "fetch")
    b = await _create(client, "report", after={"task_id": a})
    c = await _create(client, "mail", after={"task_id": b})

    direct = await _patch(client, a, {"task_id": b})
    assert direct.status_code == 422
    error = direct.json()["error"]
    assert error["code"] == "dependency_cycle"
    assert f"task {a} 'fetch' → task {b} 'report' → task {a} 'fetch'" in error["message"]
    assert error["details"]["cycle"] == [a, b, a]

    indirect = await _patch(client, a, {"tasks": [{"task_id": c, "on": "failed"}]})
    assert indirect.status_code == 422 and indirect.json()["error"]["code"] == "dependency_cycle"
    assert indirect.json()["error"]["details"]["cycle"] == [a, b, c, a]
    assert f"task {c} 'mail'" in indirect.json()["error"]["message"]

    itself = await _patch(client, b, {"task_id": b})
    assert itself.status_code == 422 and itself.json()["error"]["code"] == "dependency_cycle"
    assert "itself" in itself.json()["error"]["message"]
    # Nothing changed: a still runs after nothing, b after a.
    assert (await client.get(f"/api/tasks/{a}")).json()["after"] is None
    assert (await client.get(f"/api/tasks/{b}")).json()["after"]["tasks"] == [{"task_id": a, "on": "succeeded"}]
    # Moving b off a makes a -> c legal (no cycle any more): c runs after b, a after c.
    assert (await _patch(client, b, None)).status_code == 200
    assert (await _patch(client, a, {"task_id": c})).status_code == 200


async def test_unknown_upstreams_are_422(client: httpx.AsyncClient) -> None:
    a = await _create(client, "a")
    answer = await client.post(
        "/api/tasks",
        json={
            "name": "b",
            "instructions": "x",
            "schedule": CRON,
            "after": {"tasks": [{"task_id": a}, {"task_id": 99}]},
        },
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["details"]["unknown"] == [99]
    assert (await client.get("/api/tasks")).json()["total"] == 1, "nothing stored"


@pytest.mark.parametrize(
    "after",
    [
        {"task_id": "3"},
        {"task_id": 0},
        {"task_id": 1, "on": "sometimes"},
        {"tasks": []},
        {"tasks": [{"task_id": 1}], "mode": "most"},
        {"tasks": [{"task_id": 1}, {"task_id": 1}]},
        {"tasks": [{"task_id": 1, "when": "x"}]},
        {"tasks": [{"task_id": 2**70}]},
        [1, 2],
        "1",
        {"tasks": [{"task_id": 1}], "extra": True},
    ],
)
async def test_malformed_after_is_a_clear_422(client: httpx.AsyncClient, after: Any) -> None:
    await _create(client, "a")
    answer = await client.post("/api/tasks", json={"name": "b", "instructions": "x", "schedule": CRON, "after": after})
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] == "validation_error"


async def test_delete_is_refused_while_tasks_run_after_it_unless_forced(client: httpx.AsyncClient) -> None:
    a = await _create(client, "fetch")
    b = await _create(client, "other")
    report = await _create(client, "report", after={"tasks": [{"task_id": a}, {"task_id": b, "on": "failed"}]})
    mail = await _create(client, "mail", after={"task_id": a})
    refused = await client.delete(f"/api/tasks/{a}")
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "has_dependents" and error["details"]["dependents"] == [report, mail]
    assert "'report'" in error["message"] and "'mail'" in error["message"]
    assert (await client.get(f"/api/tasks/{a}")).status_code == 200

    before = (await client.get(f"/api/tasks/{report}")).json()
    assert (await client.delete(f"/api/tasks/{a}", params={"force": "true"})).status_code == 204
    after = (await client.get(f"/api/tasks/{report}")).json()
    assert after["after"] == {"mode": "all", "tasks": [{"task_id": b, "on": "failed"}]}
    assert after["updated_at"] >= before["updated_at"]
    assert (await client.get(f"/api/tasks/{mail}")).json()["after"] is None
    # b can go without force now? No: report still runs after it.
    assert (await client.delete(f"/api/tasks/{b}")).status_code == 409
    # A dependent itself goes without ceremony.
    assert (await client.delete(f"/api/tasks/{report}")).status_code == 204
    assert (await client.delete(f"/api/tasks/{b}")).status_code == 204


async def test_bundles_keep_after_by_name(client: httpx.AsyncClient) -> None:
    fetch = await _create(client, "fetch")
    other = await _create(client, "other")
    await _create(client, "report", after={"tasks": [{"task_id": fetch}, {"task_id": other, "on": "failed"}]})
    bundle = (await client.get("/api/tasks/export")).json()
    report = next(t for t in bundle["tasks"] if t["name"] == "report")
    assert report["after"] == {"mode": "all", "tasks": [{"task": "fetch", "on": "succeeded"},
                                                        {"task": "other", "on": "failed"}]}  # fmt: skip
    assert "after" not in next(t for t in bundle["tasks"] if t["name"] == "fetch")
    again = (await client.post("/api/tasks/import", json=bundle)).json()
    assert again["unchanged"] == 3

    # On an empty instance, names resolve to the new ids, whatever order the tasks come in.
    for task in (await client.get("/api/tasks")).json()["items"][::-1]:
        assert (await client.delete(f"/api/tasks/{task['id']}", params={"force": "true"})).status_code == 204
    bundle["tasks"].reverse()
    done = (await client.post("/api/tasks/import", json=bundle)).json()
    assert done["created"] == 3
    ids = {t["name"]: t["id"] for t in (await client.get("/api/tasks")).json()["items"]}
    shown = (await client.get(f"/api/tasks/{ids['report']}")).json()["after"]
    assert shown["tasks"] == [{"task_id": ids["fetch"], "on": "succeeded"}, {"task_id": ids["other"], "on": "failed"}]
    assert (await client.post("/api/tasks/import", json=bundle)).json()["unchanged"] == 3

    # A changed `after` is an update; an unknown name or a cycle refuses the whole import.
    report_def = next(t for t in bundle["tasks"] if t["name"] == "report")
    report_def["after"] = {"task": "fetch", "on": "finished"}
    dry = (await client.post("/api/tasks/import", params={"dry_run": "true"}, json=bundle)).json()
    assert [i["changes"] for i in dry["items"] if i["name"] == "report"] == [["after"]]
    unknown = {"tasks": [{"name": "x", "instructions": "x", "schedule": CRON, "after": {"task": "nope"}}]}
    answer = await client.post("/api/tasks/import", json=unknown)
    assert answer.status_code == 422 and "nope" in answer.text
    cycle = {"tasks": [{"name": "fetch", "after": {"task": "report"}}]}
    answer = await client.post("/api/tasks/import", json=cycle)
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "dependency_cycle"
    assert (await client.get(f"/api/tasks/{ids['fetch']}")).json()["after"] is None
