"""Dependencies: a task runs after others' runs end; queued once, by the closing run or the leader's sweep."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from app.clock import SystemClock
from app.db.models import Execution
from app.db.repositories import ExecutionRepository, FireRow
from app.runner.base import RunOutcome, RunRequest, StepSink
from app.scheduler.dependencies import DependencyQueue
from app.services.inputs import TaskUpdate
from tests.scheduler.conftest import Harness

FAR = {"kind": "cron", "cron": "0 0 1 1 *", "timezone": "UTC"}  # never due during a test


class ByName:
    """Ends each run as its task's name says: a name starting 'fail' fails; the output names the run."""

    def __init__(self) -> None:
        self.requests: list[RunRequest] = []

    async def run(self, request: RunRequest, *, on_step: StepSink | None = None) -> RunOutcome:
        self.requests.append(request)
        if request.task_name.startswith("fail"):
            return RunOutcome(status="failed", error=f"{request.task_name} broke", reason="scripted failure")
        return RunOutcome(status="succeeded", output=f"output of {request.task_name} run {request.execution_id}")


@pytest.fixture
def by_name(harness: Harness) -> ByName:
    runner = ByName()
    harness.runner = runner  # type: ignore[assignment]
    return runner


async def runs_of(harness: Harness, task_id: int) -> list[Execution]:
    async with harness.sessions() as s:
        stmt = select(Execution).where(Execution.task_id == task_id).order_by(Execution.id)
        return list((await s.execute(stmt)).scalars())


async def start_run(harness: Harness, task_id: int) -> int:
    run = await harness.call(lambda svc: svc.run_now(task_id))
    return int(run.id)


async def tick(harness: Harness) -> None:
    """Move time on a second (so ends are told apart) and let everything queued run."""
    harness.traveller.shift(timedelta(seconds=1))
    assert harness.core is not None
    await harness.core.drain()


async def test_on_failed_and_on_finished(harness: Harness, by_name: ByName) -> None:
    await harness.start()
    ok = await harness.create(name="ok", schedule=FAR)
    bad = await harness.create(name="fail-job", schedule=FAR)
    on_failed = await harness.create(name="alert", schedule=FAR, after={"task_id": bad, "on": "failed"})
    on_ok_failed = await harness.create(name="never", schedule=FAR, after={"task_id": ok, "on": "failed"})
    on_finished = await harness.create(name="tidy", schedule=FAR, after={"task_id": ok, "on": "finished"})
    on_success = await harness.create(name="no", schedule=FAR, after={"task_id": bad, "on": "succeeded"})
    bad_run = await start_run(harness, bad)
    await tick(harness)
    ok_run = await start_run(harness, ok)
    await tick(harness)
    (alert,) = await runs_of(harness, on_failed)
    assert (alert.trigger, alert.status, alert.upstream_execution_id) == ("dependency", "succeeded", bad_run)
    assert alert.inputs is not None and alert.inputs["upstream"]["status"] == "failed"
    assert alert.inputs["upstream"]["error"] == "fail-job broke"
    (tidy,) = await runs_of(harness, on_finished)
    assert tidy.upstream_execution_id == ok_run
    assert await runs_of(harness, on_ok_failed) == [] and await runs_of(harness, on_success) == []


async def test_all_waits_for_every_upstream_and_any_runs_on_each(harness: Harness, by_name: ByName) -> None:
    await harness.start()
    a = await harness.create(name="a", schedule=FAR)
    b = await harness.create(name="b", schedule=FAR)
    both = {"tasks": [{"task_id": a}, {"task_id": b}]}
    every = await harness.create(name="all", schedule=FAR, after={**both, "mode": "all"})
    each = await harness.create(name="any", schedule=FAR, after={**both, "mode": "any"})

    a1 = await start_run(harness, a)
    await tick(harness)
    assert await runs_of(harness, every) == [], "all: b has not run yet"
    assert [r.upstream_execution_id for r in await runs_of(harness, each)] == [a1]
    a2 = await start_run(harness, a)  # a again: all still waits for b
    await tick(harness)
    assert await runs_of(harness, every) == []
    b1 = await start_run(harness, b)
    await tick(harness)
    (first,) = await runs_of(harness, every)
    assert first.upstream_execution_id == b1, "the end that completed the set"
    assert first.inputs is not None
    assert [u["execution_id"] for u in first.inputs["upstreams"]] == [a1, b1], "each upstream's first end counts"
    assert [r.upstream_execution_id for r in await runs_of(harness, each)] == [a1, a2, b1]

    b2 = await start_run(harness, b)  # a set starts afresh: b alone is not enough
    await tick(harness)
    assert len(await runs_of(harness, every)) == 1
    a3 = await start_run(harness, a)
    await tick(harness)
    second = (await runs_of(harness, every))[-1]
    assert (second.upstream_execution_id, len(await runs_of(harness, every))) == (a3, 2)
    assert second.inputs is not None
    assert [u["execution_id"] for u in second.inputs["upstreams"]] == [a3, b2]


async def test_the_sweep_queues_what_a_crash_lost_and_never_twice(harness: Harness, by_name: ByName) -> None:
    await harness.start()
    up = await harness.create(name="up", schedule=FAR)
    down = await harness.create(name="down", schedule=FAR, after={"task_id": up})
    every = await harness.create(name="all", schedule=FAR, after={"tasks": [{"task_id": up}], "mode": "all"})
    # An upstream run closed by a process that died before queueing its dependents.
    now = datetime.now(UTC)
    async with harness.sessions() as s, s.begin():
        ((lost, _t, _at),) = await ExecutionRepository(s).insert_fires(
            [FireRow(task_id=up, scheduled_for=now, trigger="manual", status="succeeded")], now=now
        )
        await s.execute(update(Execution).where(Execution.id == lost).values(output="made before the crash"))
    await tick(harness)
    assert await runs_of(harness, down) == []
    assert harness.core is not None
    # The closing hook (late) and the sweep find it at once; then the sweep again.
    hook, _ = await asyncio.gather(harness.core.dependencies.after_end(lost), harness.core.sweep_dependencies())
    harness.core.executor.submit(list(hook.queued))  # what the run's processor does with them
    await harness.core.sweep_dependencies()
    await harness.core.drain()
    for task_id in (down, every):
        (run,) = await runs_of(harness, task_id)
        assert (run.upstream_execution_id, run.status) == (lost, "succeeded")
        assert run.inputs is not None and run.inputs["upstream"]["output"] == "made before the crash"
    # Two queues in different processes agree too: the record is unique per (task, upstream run).
    other = DependencyQueue(harness.sessions, harness.core.dependencies._clock)
    assert (await other.after_end(lost)).queued == () and (await other.sweep()).queued == ()
    assert len(await runs_of(harness, down)) == 1


async def test_a_paused_dependent_is_recorded_skipped_and_does_not_run(harness: Harness, by_name: ByName) -> None:
    await harness.start()
    up = await harness.create(name="up", schedule=FAR)
    down = await harness.create(name="down", schedule=FAR, after={"task_id": up}, enabled=False)
    up_run = await start_run(harness, up)
    await tick(harness)
    (record,) = await runs_of(harness, down)
    assert (record.status, record.upstream_execution_id) == ("skipped", up_run)
    assert record.reason is not None and "paused" in record.reason
    assert [r.task_name for r in by_name.requests] == ["up"]
    assert harness.core is not None
    await harness.core.sweep_dependencies()  # its end is used up: the sweep leaves it alone
    assert len(await runs_of(harness, down)) == 1


async def test_a_dependency_run_meeting_a_running_one_follows_the_overlap_policy(
    harness: Harness, by_name: ByName
) -> None:
    await harness.start()
    up = await harness.create(name="up", schedule=FAR)
    skip = await harness.create(name="skip", schedule=FAR, after={"task_id": up})
    buffer = await harness.create(name="buffer", schedule=FAR, after={"task_id": up}, overlap_policy="buffer_one")
    # Each dependent has a run going (on some worker).
    now = datetime.now(UTC) - timedelta(minutes=5)
    async with harness.sessions() as s, s.begin():
        await ExecutionRepository(s).insert_fires(
            [FireRow(task_id=t, scheduled_for=now, trigger="manual", status="running") for t in (skip, buffer)],
            now=now,
        )
    assert harness.core is not None
    up_run = await start_run(harness, up)
    await harness.core.drain()
    skipped = [r for r in await runs_of(harness, skip) if r.upstream_execution_id == up_run]
    assert [(r.status, r.trigger) for r in skipped] == [("skipped", "dependency")]
    assert skipped[0].reason is not None and "still going" in skipped[0].reason
    buffered = [r for r in await runs_of(harness, buffer) if r.upstream_execution_id == up_run]
    assert [r.trigger for r in buffered] == ["dependency"] and buffered[0].status != "skipped"


async def test_changing_after_and_force_delete_detach(harness: Harness, by_name: ByName) -> None:
    await harness.start()
    a = await harness.create(name="a", schedule=FAR)
    b = await harness.create(name="b", schedule=FAR)
    down = await harness.create(name="down", schedule=FAR, after={"tasks": [{"task_id": a}, {"task_id": b}]})
    view = await harness.call(lambda svc: svc.delete(a, force=True))
    assert view is None
    task = await harness.call(lambda svc: svc.get(down))
    assert task.after is not None and [u.task_id for u in task.after.tasks] == [b]
    b1 = await start_run(harness, b)
    await tick(harness)
    assert [r.upstream_execution_id for r in await runs_of(harness, down)] == [b1], "b alone completes the set now"
    await harness.call(lambda svc: svc.update(down, TaskUpdate.model_validate({"after": None})))
    await start_run(harness, b)
    await tick(harness)
    assert len(await runs_of(harness, down)) == 1


def _payload(request: dict[str, Any]) -> str:
    return str(request["messages"])


async def test_upstream_output_is_clipped_to_the_inputs_limit(harness: Harness) -> None:
    class Loud(ByName):
        async def run(self, request: RunRequest, *, on_step: StepSink | None = None) -> RunOutcome:
            self.requests.append(request)
            return RunOutcome(status="succeeded", output="é" * 200_000 if request.task_name == "up" else "ok")

    runner = Loud()
    harness.runner = runner  # type: ignore[assignment]
    await harness.start()
    up = await harness.create(name="up", schedule=FAR)
    down = await harness.create(name="down", schedule=FAR, after={"task_id": up})
    await start_run(harness, up)
    await tick(harness)
    (run,) = await runs_of(harness, down)
    from app.clip import MAX_INPUT_BYTES, encoded_size

    assert run.inputs is not None and encoded_size(run.inputs) <= MAX_INPUT_BYTES
    assert "truncated" in run.inputs["upstream"]["output"]
    assert runner.requests[-1].inputs == run.inputs


async def test_explain_names_the_upstream_run(harness: Harness, by_name: ByName) -> None:
    from app.services.executions import ExecutionService

    await harness.start()
    up = await harness.create(name="fetch", schedule=FAR)
    down = await harness.create(name="report", schedule=FAR, after={"task_id": up, "on": "finished"})
    up_run = await start_run(harness, up)
    await tick(harness)
    (run,) = await runs_of(harness, down)
    async with harness.sessions() as s:
        explained = await ExecutionService(s).explain(down)
    text = "\n".join(explained.findings)
    assert f"also runs after task {up} (fetch) finished" in text
    assert f"Execution {run.id} (dependency: after run {up_run} of task {up} (fetch) succeeded" in text
    assert explained.verdict == "succeeded"


async def test_a_completed_one_time_task_still_runs_after_its_upstream(harness: Harness, by_name: ByName) -> None:
    await harness.start()
    up = await harness.create(name="up", schedule=FAR)
    soon = {"kind": "once", "at": "2026-11-23T08:05:00+00:00"}
    down = await harness.create(name="down", schedule=soon, after={"task_id": up})
    await harness.move_to(datetime(2026, 11, 23, 8, 5, tzinfo=UTC))
    assert (await harness.call(lambda svc: svc.get(down))).state == "completed"
    up_run = await start_run(harness, up)
    await tick(harness)
    runs = await runs_of(harness, down)
    assert [(r.trigger, r.status, r.upstream_execution_id) for r in runs] == [
        ("schedule", "succeeded", None),
        ("dependency", "succeeded", up_run),
    ]


def test_the_tools_take_after() -> None:
    from app.tools import args as A

    update = A.UpdateTask.model_validate({"task_id": 2, "after": {"task_id": 1, "on": "failed"}})
    assert update.after is not None and update.after.model_dump(mode="json") == {"task_id": 1, "on": "failed"}
    with pytest.raises(ValueError):
        A.ScheduleTask.model_validate({"description": "every day at 9", "after": {"tasks": []}})


async def test_ends_in_one_turn_share_one_look_and_each_queues_its_own(harness: Harness, by_name: ByName) -> None:
    """after_end of many runs at once: one batched look, and still each end queues exactly its dependents."""
    await harness.start()
    up = await harness.create(name="up", schedule=FAR)
    other = await harness.create(name="other", schedule=FAR)
    bad = await harness.create(name="fail-up", schedule=FAR)
    lone = await harness.create(name="lone", schedule=FAR)  # nobody waits on it
    down = await harness.create(name="down", schedule=FAR, after={"task_id": up})
    down2 = await harness.create(name="down2", schedule=FAR, after={"task_id": other})
    alert = await harness.create(name="alert", schedule=FAR, after={"task_id": bad, "on": "failed"})
    never = await harness.create(name="never", schedule=FAR, after={"task_id": up, "on": "failed"})
    now = datetime.now(UTC)
    rows = [
        FireRow(task_id=up, scheduled_for=now, trigger="manual", status="succeeded"),
        FireRow(task_id=other, scheduled_for=now, trigger="manual", status="succeeded"),
        FireRow(task_id=bad, scheduled_for=now, trigger="manual", status="failed"),
        FireRow(task_id=lone, scheduled_for=now, trigger="manual", status="succeeded"),
        FireRow(task_id=up, scheduled_for=now + timedelta(seconds=2), trigger="manual", status="queued"),  # not ended
    ]
    async with harness.sessions() as s, s.begin():
        ids = [i for i, _t, _at in await ExecutionRepository(s).insert_fires(rows, now=now)]
        await s.execute(update(Execution).where(Execution.id.in_(ids[:4])).values(finished_at=now))
    up1, other1, bad1, lone1, pending = ids
    queue = DependencyQueue(harness.sessions, SystemClock())
    looks = 0
    original = queue._ends_with_dependents

    async def counted(execution_ids: Any) -> Any:
        nonlocal looks
        looks += 1
        return await original(execution_ids)

    queue._ends = type(queue._ends)(counted)
    results = await asyncio.gather(*(queue.after_end(i) for i in (up1, other1, bad1, lone1, pending)))
    assert looks == 1
    assert [len(r.queued) for r in results] == [1, 1, 1, 0, 0]
    assert [r.upstream_execution_id for r in await runs_of(harness, down)] == [up1]
    assert [r.upstream_execution_id for r in await runs_of(harness, down2)] == [other1]
    assert [r.upstream_execution_id for r in await runs_of(harness, alert)] == [bad1]
    assert await runs_of(harness, never) == []
