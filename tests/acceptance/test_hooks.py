"""Event hooks (docs/triggers.md, "Event hooks"): signatures, tokens, replays, clock skew, rotation,
rate limits, delivery ids, and a recorded reason for every refusal."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import httpx

from app.clock import ManualClock
from tests.acceptance.conftest import assert_error, assert_refused, create_task, hmac_signature, signed_headers

NO_KEY = {"Authorization": ""}  # deliveries carry no API key


async def hooked(api: httpx.AsyncClient, name: str = "on alert", **hook: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    task = await create_task(api, name, overlap_policy="allow")
    response = await api.post(f"/api/tasks/{task['id']}/hook", json=hook or None)
    assert response.status_code in (200, 201), response.text
    return task, response.json()


async def deliver(api: httpx.AsyncClient, hook: dict[str, Any], body: bytes, headers: dict[str, str]) -> httpx.Response:
    # Drop the client's API key: a delivery proves itself.
    async with httpx.AsyncClient(transport=api._transport, base_url="http://test") as bare:
        return await bare.post(f"/api/hooks/{hook['hook_id']}", content=body, headers=headers)


async def deliveries(api: httpx.AsyncClient, task_id: int) -> list[dict[str, Any]]:
    shown = await api.get(f"/api/tasks/{task_id}/hook")
    assert shown.status_code == 200, shown.text
    return shown.json()["deliveries"]  # type: ignore[no-any-return]


async def runs(api: httpx.AsyncClient, task_id: int) -> list[dict[str, Any]]:
    return (await api.get(f"/api/tasks/{task_id}/executions")).json()["items"]  # type: ignore[no-any-return]


async def test_a_signed_delivery_starts_an_event_run_with_the_body_as_inputs(
    api: httpx.AsyncClient, clock: ManualClock
) -> None:
    task, hook = await hooked(api)
    assert hook["url"].endswith(f"/api/hooks/{hook['hook_id']}") and hook["secret"]
    body = json.dumps({"alert": "disk full", "host": "db1"}).encode()
    accepted = await deliver(api, hook, body, signed_headers(hook["secret"], body, clock.now()))
    assert accepted.status_code == 202, accepted.text
    assert accepted.json()["status"] == "accepted"
    run = (await api.get(f"/api/executions/{accepted.json()['execution_id']}")).json()
    assert (run["trigger"], run["task_id"], run["inputs"]) == (
        "event",
        task["id"],
        {"alert": "disk full", "host": "db1"},
    )
    # The secret is never shown again.
    shown = (await api.get(f"/api/tasks/{task['id']}/hook")).text
    assert hook["secret"] not in shown
    # A key is not enough to deliver without proof, and no key is needed with proof.
    assert_error(await api.post(hook["url"], json={"a": 1}), 401, "unauthorized")


async def test_signature_failures_are_refused_recorded_and_run_nothing(
    api: httpx.AsyncClient, clock: ManualClock
) -> None:
    task, hook = await hooked(api)
    secret = hook["secret"]
    body = b'{"a": 1}'
    good = signed_headers(secret, body, clock.now())
    ts = good["X-Taskrunner-Timestamp"]
    cases: list[tuple[str, bytes, dict[str, str]]] = [
        ("wrong secret", body, signed_headers(secret + "x", body, clock.now())),
        ("wrong body", b'{"a": 2}', good),
        ("no headers", body, {"Content-Type": "application/json"}),
        ("no timestamp", body, {"X-Taskrunner-Signature": good["X-Taskrunner-Signature"]}),
        ("no signature", body, {"X-Taskrunner-Timestamp": ts}),
        ("bare hex", body, {**good, "X-Taskrunner-Signature": good["X-Taskrunner-Signature"].removeprefix("sha256=")}),
        ("other scheme", body, {**good, "X-Taskrunner-Signature": "md5=" + "0" * 32}),
        ("not hex", body, {**good, "X-Taskrunner-Signature": "sha256=zz"}),
        ("empty", body, {**good, "X-Taskrunner-Signature": ""}),
        ("timestamp text", body, {**good, "X-Taskrunner-Timestamp": "soon"}),
        ("timestamp float", body, {**good, "X-Taskrunner-Timestamp": ts + ".5"}),
        ("timestamp huge", body, {**good, "X-Taskrunner-Timestamp": "9" * 40}),
        ("timestamp negative", body, {**good, "X-Taskrunner-Timestamp": "-" + ts}),
        ("timestamp of another signature", body, {**good, "X-Taskrunner-Timestamp": str(int(ts) + 1)}),
        ("wrong token", body, {"X-Taskrunner-Token": secret[:-1]}),
        ("empty token", body, {"X-Taskrunner-Token": ""}),
    ]
    for label, sent, headers in cases:
        response = await deliver(api, hook, sent, headers)
        assert response.status_code == 401, (label, response.text)
        assert_error(response, 401, "unauthorized")
    recorded = await deliveries(api, task["id"])
    assert len(recorded) == len(cases)
    assert all(not d["accepted"] and d["reason"] and d["execution_id"] is None for d in recorded)
    assert await runs(api, task["id"]) == []


async def test_stale_and_future_timestamps_and_replays(api: httpx.AsyncClient, clock: ManualClock) -> None:
    task, hook = await hooked(api)
    body = b'{"n": 1}'
    now = clock.now()
    stale = await deliver(api, hook, body, signed_headers(hook["secret"], body, now - timedelta(seconds=301)))
    assert "stale" in assert_error(stale, 401, "unauthorized")["message"]
    future = await deliver(api, hook, body, signed_headers(hook["secret"], body, now + timedelta(seconds=301)))
    assert_error(future, 401, "unauthorized")
    # Within five minutes either way is fine.
    early = signed_headers(hook["secret"], body, now + timedelta(seconds=290))
    assert (await deliver(api, hook, body, early)).status_code == 202
    late_body = b'{"n": 2}'
    late = signed_headers(hook["secret"], late_body, now - timedelta(seconds=290))
    assert (await deliver(api, hook, late_body, late)).status_code == 202
    # The very same signed request again is a replay, also after the clock moved on a little.
    clock.advance(60)
    replay = await deliver(api, hook, body, early)
    assert "replay" in assert_error(replay, 409, "conflict")["message"]
    assert len(await runs(api, task["id"])) == 2
    reasons = [d["reason"] for d in await deliveries(api, task["id"])]
    assert sum(1 for r in reasons if r and "replay" in r) == 1
    assert sum(1 for r in reasons if r and "stale" in r) == 2


async def test_token_auth_and_delivery_ids(api: httpx.AsyncClient, clock: ManualClock) -> None:
    task, hook = await hooked(api)
    token = {"X-Taskrunner-Token": hook["secret"], "Content-Type": "application/json"}
    first = await deliver(api, hook, b'{"n": 1}', {**token, "X-Taskrunner-Delivery": "d-1"})
    assert first.status_code == 202, first.text
    again = await deliver(api, hook, b'{"n": 1}', {**token, "X-Taskrunner-Delivery": "d-1"})
    assert again.status_code == 200, again.text
    assert again.json()["status"] == "duplicate" and again.json()["execution_id"] == first.json()["execution_id"]
    # GitHub's header names a delivery too; a signed repeat with the same id runs nothing either.
    gh = await deliver(api, hook, b'{"n": 2}', {**token, "X-GitHub-Delivery": "gh-1"})
    assert gh.status_code == 202
    body = b'{"n": 3}'
    signed_again = await deliver(
        api, hook, body, {**signed_headers(hook["secret"], body, clock.now()), "X-GitHub-Delivery": "gh-1"}
    )
    assert signed_again.status_code == 200 and signed_again.json()["execution_id"] == gh.json()["execution_id"]
    # Token deliveries without an id each run.
    for n in (4, 5):
        assert (await deliver(api, hook, json.dumps({"n": n}).encode(), token)).status_code == 202
    assert len(await runs(api, task["id"])) == 4
    # Bad delivery ids are a clear 422, recorded.
    for bad in ("", " ", "x" * 191, "tab\there"):
        response = await deliver(api, hook, b"{}", {**token, "X-Taskrunner-Delivery": bad})
        assert_error(response, 422)
    assert len(await runs(api, task["id"])) == 4


async def test_ten_concurrent_deliveries_with_one_id_start_one_run(api: httpx.AsyncClient) -> None:
    task, hook = await hooked(api)
    token = {"X-Taskrunner-Token": hook["secret"], "X-Taskrunner-Delivery": "same", "Content-Type": "application/json"}
    answers = await asyncio.gather(*(deliver(api, hook, b'{"n": 1}', token) for _ in range(10)))
    assert all(a.status_code in (200, 202) for a in answers), [a.text for a in answers]
    assert len({a.json()["execution_id"] for a in answers}) == 1
    assert sorted(a.status_code for a in answers) == [200] * 9 + [202]
    assert len(await runs(api, task["id"])) == 1


async def test_rotation_keeps_the_old_secret_for_the_grace_period_only(
    api: httpx.AsyncClient, clock: ManualClock
) -> None:
    task, old = await hooked(api)
    rotated = await api.post(f"/api/tasks/{task['id']}/hook", json={"grace_seconds": 600})
    assert rotated.status_code in (200, 201), rotated.text
    new = rotated.json()
    assert new["hook_id"] == old["hook_id"] and new["secret"] != old["secret"]

    async def with_secret(secret: str, n: int) -> httpx.Response:
        body = json.dumps({"n": n}).encode()
        return await deliver(api, old, body, signed_headers(secret, body, clock.now()))

    async def with_token(secret: str, n: int) -> httpx.Response:
        return await deliver(api, old, json.dumps({"n": n}).encode(), {"X-Taskrunner-Token": secret})

    assert (await with_secret(old["secret"], 1)).status_code == 202
    assert (await with_token(old["secret"], 2)).status_code == 202
    assert (await with_secret(new["secret"], 3)).status_code == 202
    clock.advance(timedelta(seconds=601))
    assert_error(await with_secret(old["secret"], 4), 401, "unauthorized")
    assert_error(await with_token(old["secret"], 5), 401, "unauthorized")
    assert (await with_secret(new["secret"], 6)).status_code == 202
    assert (await with_token(new["secret"], 7)).status_code == 202
    # A second rotation ends the first secret's grace at once (only the last one is kept).
    third = (await api.post(f"/api/tasks/{task['id']}/hook", json={"grace_seconds": 0})).json()
    assert_error(await with_token(new["secret"], 8), 401, "unauthorized")
    assert (await with_token(third["secret"], 9)).status_code == 202


async def test_rate_limit_per_hook_with_recorded_refusals(api: httpx.AsyncClient, clock: ManualClock) -> None:
    task, hook = await hooked(api, rate_per_minute=2)
    _, other = await hooked(api, name="other", rate_per_minute=2)
    token = {"X-Taskrunner-Token": hook["secret"]}
    for n in range(2):
        assert (await deliver(api, hook, json.dumps({"n": n}).encode(), token)).status_code == 202
    limited = await deliver(api, hook, b'{"n": 9}', token)
    assert_error(limited, 429, "rate_limited")
    # Another hook has its own limit.
    assert (await deliver(api, other, b"{}", {"X-Taskrunner-Token": other["secret"]})).status_code == 202
    clock.advance(61)
    assert (await deliver(api, hook, b'{"n": 3}', token)).status_code == 202
    recorded = await deliveries(api, task["id"])
    refused = [d for d in recorded if not d["accepted"]]
    assert len(refused) == 1 and "rate limit" in refused[0]["reason"]
    assert len(await runs(api, task["id"])) == 3
    metrics = (await api.get("/metrics")).text
    assert "taskrunner_hook_refusals_total" in metrics and "rate" in metrics


async def test_other_refusals_are_recorded_with_their_reason(api: httpx.AsyncClient, clock: ManualClock) -> None:
    task, hook = await hooked(api)
    token = {"X-Taskrunner-Token": hook["secret"], "Content-Type": "application/json"}
    hostile_bodies = [
        b"[1, 2]",
        b'"text"',
        b"42",
        b"null",
        b"{not json",
        b"\xff\xfe\x00",
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a": ' * 5_000 + b"1" + b"}" * 5_000,
        b'{"a": NaN}',
        b'{"a": Infinity}',
        b'{"a": "\\u0000"}',
        b'{"a\\u0000": 1}',
        b'{"a": ' * 40 + b"1" + b"}" * 40,
        json.dumps({"big": "x" * 70_000}).encode(),
        b'{"n": ' + b"9" * 5000 + b"}",
    ]
    for body in hostile_bodies:
        response = await deliver(api, hook, body, token)
        assert_error(response, 422 if response.status_code != 413 else 413)
    assert await runs(api, task["id"]) == []
    recorded = await deliveries(api, task["id"])
    assert len(recorded) == len(hostile_bodies)
    assert all(not d["accepted"] and d["reason"] for d in recorded)
    # A paused task refuses, recorded.
    assert (await api.post(f"/api/tasks/{task['id']}/pause")).status_code == 200
    assert_error(await deliver(api, hook, b"{}", token), 409, "conflict")
    assert "paused" in (await deliveries(api, task["id"]))[0]["reason"]
    # An unknown or disabled hook is 404; so is a hook id no hook could have.
    assert_error(await deliver(api, {"hook_id": "hk_nope"}, b"{}", token), 404, "not_found")
    for weird in ("hk_%00", "%F0%9F%92%A9", "hk_" + "a" * 500, "..%2F..%2Fetc"):
        assert_refused(await deliver(api, {"hook_id": weird}, b"{}", token))
    assert (await api.delete(f"/api/tasks/{task['id']}/hook")).status_code == 204
    assert_error(await deliver(api, hook, b"{}", token), 404, "not_found")


async def raw_delivery(
    api: httpx.AsyncClient, hook: dict[str, Any], body: bytes, headers: list[tuple[bytes, bytes]]
) -> httpx.Response:
    """Headers sent as bytes, exactly (non-ASCII names and values included)."""
    request = httpx.Request("POST", f"http://test/api/hooks/{hook['hook_id']}", content=body, headers=headers)
    return await api._transport.handle_async_request(request)


async def test_hostile_headers_and_hook_settings_answer_4xx(api: httpx.AsyncClient, clock: ManualClock) -> None:
    task, hook = await hooked(api)
    body = b"{}"
    response = await raw_delivery(
        api, hook, body, [(b"x-taskrunner-\xc3\xa9", b"1"), (b"X-Taskrunner-Token", b"t\xe9")]
    )
    await response.aread()
    assert_error(response, 401, "unauthorized")
    latin = signed_headers(hook["secret"], body, clock.now())
    ts = latin["X-Taskrunner-Timestamp"]
    sig = latin["X-Taskrunner-Signature"].encode()
    for headers in (
        [(b"X-Taskrunner-Timestamp", ts.encode()), (b"X-Taskrunner-Signature", sig + b"\xe9")],
        [(b"X-Taskrunner-Timestamp", ts.encode() + b"\xe9"), (b"X-Taskrunner-Signature", sig)],
        [(b"X-Taskrunner-Token", hook["secret"].encode() + b"\xff")],
    ):
        response = await raw_delivery(api, hook, body, headers)
        await response.aread()
        assert_refused(response)
    unicode_digits = "".join(chr(0x0660 + int(c)) for c in ts)  # Arabic-Indic digits: not unix seconds
    sig = hmac_signature(hook["secret"], unicode_digits, body).encode()
    response = await raw_delivery(
        api, hook, body, [(b"X-Taskrunner-Timestamp", unicode_digits.encode()), (b"X-Taskrunner-Signature", sig)]
    )
    await response.aread()
    assert_error(response, 401, "unauthorized")
    assert (await runs(api, task["id"])) == []
    hostile: list[Any] = [
        {"rate_per_minute": 0},
        {"rate_per_minute": -1},
        {"rate_per_minute": 10**30},
        {"rate_per_minute": "many"},
        {"rate_per_minute": True},
        {"grace_seconds": -5},
        {"grace_seconds": 10**20},
        {"grace_seconds": 1.5e308},
        {"other": 1},
        [],
    ]
    for settings in hostile:
        assert_error(await api.post(f"/api/tasks/{task['id']}/hook", json=settings), 422)
    assert_error(await api.post("/api/tasks/999999/hook"), 404, "not_found")
    assert_error(await api.post(f"/api/tasks/{2**70}/hook"), 422)
    assert_error(await api.get("/api/tasks/999999/hook"), 404, "not_found")
