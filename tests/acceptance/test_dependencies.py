"""Chains of tasks (docs/triggers.md, "Dependencies"), on a live server with the stub LLM."""

from __future__ import annotations

from typing import Any

import httpx

from tests.acceptance.conftest import Live, assert_error, create_task, task_body


def create(http: httpx.Client, name: str, **extra: Any) -> dict[str, Any]:
    response = http.post("/api/tasks", json=task_body(name, max_retries=0, **extra))
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def runs_of(http: httpx.Client, task_id: int) -> list[dict[str, Any]]:
    return http.get(f"/api/tasks/{task_id}/executions").json()["items"]  # type: ignore[no-any-return]


def test_a_chain_of_three_carries_each_output_to_the_next(live: Live) -> None:
    for text in ("prices: 41 EUR", "summary: prices up", "mail sent"):
        live.stub.push_text(text)
    with live.http() as http:
        a = create(http, "fetch")
        b = create(http, "summarise", after={"task_id": a["id"], "on": "succeeded"})
        c = create(http, "mail", after={"tasks": [{"task_id": b["id"]}]})
        assert b["after"]["tasks"][0]["task_id"] == a["id"] and b["after"]["mode"] == "all"
        started = http.post(f"/api/tasks/{a['id']}/run", json={"inputs": {"region": "EU"}})
        assert started.status_code == 202, started.text
        run_a = live.wait_run(http, started.json()["id"])
        assert run_a["status"] == "succeeded" and run_a["inputs"] == {"region": "EU"}
        run_b = live.wait_run(http, live.wait_for(lambda: runs_of(http, b["id"]), what="B's run")[0]["id"])
        run_c = live.wait_run(http, live.wait_for(lambda: runs_of(http, c["id"]), what="C's run")[0]["id"])
    assert (run_b["trigger"], run_b["status"], run_b["upstream_execution_id"]) == (
        "dependency",
        "succeeded",
        run_a["id"],
    )
    upstream = run_b["inputs"]["upstream"]
    assert upstream["task_id"] == a["id"] and upstream["task_name"] == "fetch"
    assert upstream["execution_id"] == run_a["id"] and upstream["status"] == "succeeded"
    assert upstream["output"] == "prices: 41 EUR" and upstream["error"] is None
    assert (run_c["trigger"], run_c["status"], run_c["upstream_execution_id"]) == (
        "dependency",
        "succeeded",
        run_b["id"],
    )
    assert run_c["inputs"]["upstream"]["output"] == "summary: prices up"
    prompts = [str(r["messages"]) for r in live.stub.requests]
    assert len(prompts) == 3
    assert "Do summarise." in prompts[1] and "prices: 41 EUR" in prompts[1]
    assert "summary: prices up" in prompts[2] and "prices: 41 EUR" not in prompts[2]


def test_on_failed_runs_only_after_a_failure(live: Live) -> None:
    with live.http() as http:
        a = create(http, "flaky")
        alarm = create(http, "alarm", after={"task_id": a["id"], "on": "failed"})
        live.stub.push_text("all good")
        ok = live.wait_run(http, http.post(f"/api/tasks/{a['id']}/run").json()["id"])
        assert ok["status"] == "succeeded"
        live.stub.push_error(400)
        live.stub.push_text("alarm raised")
        bad = live.wait_run(http, http.post(f"/api/tasks/{a['id']}/run").json()["id"])
        assert bad["status"] == "failed", bad
        runs = live.wait_for(lambda: runs_of(http, alarm["id"]), what="the alarm's run")
        run = live.wait_run(http, runs[0]["id"])
        assert len(runs_of(http, alarm["id"])) == 1
    assert run["upstream_execution_id"] == bad["id"] and run["status"] == "succeeded"
    assert run["inputs"]["upstream"]["status"] == "failed" and run["inputs"]["upstream"]["error"]


async def test_cycles_are_refused_naming_the_cycle(api: httpx.AsyncClient) -> None:
    a = await create_task(api, "fetch")
    b = await create_task(api, "report", after={"task_id": a["id"]})
    c = await create_task(api, "mail", after={"task_id": b["id"]})
    closing = await api.patch(f"/api/tasks/{a['id']}", json={"after": {"task_id": c["id"]}})
    error = assert_error(closing, 422, "dependency_cycle")
    for task in (a, b, c):
        assert f"task {task['id']} '{task['name']}'" in error["message"], error
    itself = await api.patch(f"/api/tasks/{a['id']}", json={"after": {"task_id": a["id"]}})
    assert_error(itself, 422, "dependency_cycle")
    unknown = await api.post("/api/tasks", json=task_body("x", after={"task_id": 999_999}))
    assert_error(unknown, 422)
    # Nothing changed by the refusals.
    assert (await api.get(f"/api/tasks/{a['id']}")).json()["after"] is None


async def test_deleting_an_upstream_is_refused_unless_forced(api: httpx.AsyncClient) -> None:
    a = await create_task(api, "fetch")
    other = await create_task(api, "other")
    b = await create_task(api, "report", after={"tasks": [{"task_id": a["id"]}, {"task_id": other["id"]}]})
    refused = assert_error(await api.delete(f"/api/tasks/{a['id']}"), 409, "has_dependents")
    assert "report" in refused["message"]
    assert (await api.get(f"/api/tasks/{a['id']}")).status_code == 200
    forced = await api.delete(f"/api/tasks/{a['id']}", params={"force": "true"})
    assert forced.status_code in (200, 204), forced.text
    assert (await api.get(f"/api/tasks/{a['id']}")).status_code == 404
    after = (await api.get(f"/api/tasks/{b['id']}")).json()["after"]
    assert [t["task_id"] for t in after["tasks"]] == [other["id"]]
