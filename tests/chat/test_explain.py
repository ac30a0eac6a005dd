"""The deterministic "why did (not) it run" explanation, from a task's state and records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.db.models import Execution, Task
from app.services.explain import UpstreamRun, explain_task

NOW = datetime(2026, 11, 23, 8, 30, tzinfo=UTC)  # 09:30 in Berlin
NINE = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # 09:00 in Berlin
SINCE = NOW - timedelta(hours=24)


def task(state: str = "active", **kw: object) -> Task:
    fields: dict[str, object] = {
        "id": 7,
        "name": "digest",
        "state": state,
        "timezone": "Europe/Berlin",
        "missed_run_policy": "skip",
        "next_run_at": datetime(2026, 11, 24, 8, 0, tzinfo=UTC) if state == "active" else None,
        "created_at": NOW - timedelta(days=30),
        "updated_at": NOW - timedelta(days=2),
    }
    fields.update(kw)
    return Task(**fields)


def record(id: int, status: str, **kw: object) -> Execution:
    fields: dict[str, object] = {
        "id": id,
        "task_id": 7,
        "trigger": "schedule",
        "status": status,
        "scheduled_for": NINE,
        "attempt": 1,
        "reason": None,
        "error": None,
        "finished_at": None,
        "duration_ms": None,
    }
    fields.update(kw)
    return Execution(**fields)


def test_paused() -> None:
    result = explain_task(task("paused"), [], since=SINCE, until=NOW)
    assert result.verdict == "paused"
    assert result.findings[0].startswith("Task 7 (digest) is paused (last changed Sat 2026-11-21 09:30 CET)")
    assert result.next_run_at is None and result.execution_ids == ()


def test_missed_during_downtime() -> None:
    missed = record(11, "missed", reason="the service was not running (down 08:55-09:20)")
    result = explain_task(task(), [missed], since=SINCE, until=NOW)
    assert result.verdict == "missed" and result.execution_ids == (11,)
    assert (
        "Execution 11 (schedule, scheduled for Mon 2026-11-23 09:00 CET) was missed: "
        "the service was not running (down 08:55-09:20)." in result.findings
    )
    assert result.findings[-1] == "Its next run is at Tue 2026-11-24 09:00 CET."
    assert result.next_run_at is not None and result.next_run_at.isoformat() == "2026-11-24T09:00:00+01:00"


def test_skipped_for_overlap_without_a_reason_uses_the_rule() -> None:
    result = explain_task(task(), [record(12, "skipped")], since=SINCE, until=NOW)
    assert result.verdict == "skipped"
    assert "a task never runs twice at once" in result.findings[0]


def test_failure_cites_the_error_and_attempt() -> None:
    earlier = record(
        13,
        "succeeded",
        scheduled_for=NINE - timedelta(days=1),
        finished_at=NINE - timedelta(days=1) + timedelta(seconds=4),
        duration_ms=4200,
    )
    failed = record(14, "failed", error="HTTP 503 from status.example.com", attempt=2)
    result = explain_task(task(), [failed, earlier], since=SINCE - timedelta(days=1), until=NOW)
    assert result.verdict == "failed" and result.execution_ids == (13, 14)
    assert (
        "Execution 13 (schedule, scheduled for Sun 2026-11-22 09:00 CET) succeeded at Sun 2026-11-22 "
        "09:00 CET in 4.2 s." in result.findings
    )
    assert (
        "Execution 14 (schedule, scheduled for Mon 2026-11-23 09:00 CET) failed (attempt 2): "
        "HTTP 503 from status.example.com." in result.findings
    )


def test_unrecorded_and_nothing_due_and_created_recently() -> None:
    result = explain_task(task(), [], since=SINCE, until=NOW, unrecorded_fires=[NINE])
    assert result.verdict == "unrecorded"
    assert "No run is recorded for the fire due at Mon 2026-11-23 09:00 CET" in result.findings[0]
    fresh = task(created_at=NOW - timedelta(minutes=10))
    quiet = explain_task(fresh, [], since=SINCE, until=NOW)
    assert quiet.verdict == "nothing_due"
    assert quiet.findings[0] == "Task 7 (digest) was created at Mon 2026-11-23 09:20 CET, within this period."
    assert "had no run due between Sun 2026-11-22 09:30 CET and Mon 2026-11-23 09:30 CET" in quiet.findings[1]


def test_completed_one_time_task() -> None:
    result = explain_task(task("completed"), [], since=SINCE, until=NOW)
    assert result.verdict == "completed" and "one-time task" in result.findings[0]


FEED = "https://feeds.example.com/releases.xml"


def test_a_fire_skipped_by_its_condition_says_what_the_check_found() -> None:
    found = f"content at {FEED} unchanged since run 11"
    skipped = record(12, "skipped", reason=f"condition not met: {found}", condition_result=found)
    result = explain_task(task(condition={"url_changed": FEED}), [skipped], since=SINCE, until=NOW)
    assert result.verdict == "skipped" and result.execution_ids == (12,)
    assert result.findings[0] == (
        f"Task 7 (digest) runs only if the content at {FEED} changed since the last check (its run condition, "
        "checked before each scheduled run); a fire whose condition is not met, or cannot be checked, is recorded "
        "as skipped with what the check found."
    )
    assert result.findings[1] == (
        f"Execution 12 (schedule, scheduled for Mon 2026-11-23 09:00 CET) was skipped: condition not met: {found}."
    )
    # Not the overlap rule that a skip without a reason gets.
    assert not any("never runs twice" in f for f in result.findings)
    unreachable = record(13, "skipped", reason="condition could not be checked: unreachable: connection refused")
    checked = explain_task(task(condition={"http_ok": FEED}), [unreachable], since=SINCE, until=NOW)
    assert checked.findings[0].startswith(f"Task 7 (digest) runs only if {FEED} answers 2xx")
    assert checked.findings[1].endswith("was skipped: condition could not be checked: unreachable: connection refused.")


def test_a_met_condition_is_part_of_why_it_ran() -> None:
    found = f"content at {FEED} changed since run 11"
    ran = record(14, "succeeded", condition_result=found, finished_at=NINE + timedelta(seconds=3), duration_ms=3000)
    result = explain_task(task(condition={"url_changed": FEED}), [ran], since=SINCE, until=NOW)
    assert result.verdict == "succeeded"
    assert f"succeeded at Mon 2026-11-23 09:00 CET in 3.0 s (condition met: {found})." in result.findings[1]


def test_a_dependency_run_names_the_upstream_run_it_ran_after() -> None:
    after = {"mode": "all", "tasks": [{"task_id": 3, "on": "succeeded"}, {"task_id": 4, "on": "finished"}]}
    ran = record(15, "succeeded", trigger="dependency", upstream_execution_id=40, finished_at=NINE, duration_ms=1000)
    orphan = record(16, "failed", trigger="dependency", upstream_execution_id=41, error="boom")
    upstream = {40: UpstreamRun(execution_id=40, task_id=3, task_name="fetch", status="succeeded")}
    result = explain_task(
        task(after=after),
        [ran, orphan],
        since=SINCE,
        until=NOW,
        upstream_runs=upstream,
        task_names={3: "fetch", 4: "build"},
    )
    assert result.findings[0] == (
        "Task 7 (digest) also runs after task 3 (fetch) succeeded, task 4 (build) finished: once all of them "
        "have ended so (trigger 'dependency'), unless it is paused."
    )
    assert result.findings[1].startswith(
        "Execution 15 (dependency: after run 40 of task 3 (fetch) succeeded, scheduled for Mon 2026-11-23 09:00 CET) "
        "succeeded"
    )
    # The upstream run is gone (pruned): the record still says which run it was.
    assert result.findings[2] == (
        "Execution 16 (dependency: after run 41, scheduled for Mon 2026-11-23 09:00 CET) failed: boom."
    )
