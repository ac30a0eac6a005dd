"""The deterministic "why did (not) it run" explanation, from a task's state and records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.db.models import Execution, Task
from app.services.explain import explain_task

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
