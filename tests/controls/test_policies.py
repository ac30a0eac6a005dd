"""Table tests of the pure control policies: jitter, budgets, overlap, failures, SLA."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.controls import budgets, failures, jitter, overlap, sla
from app.controls.budgets import BudgetLimits, ModelPrice, PeriodSpend
from app.controls.periods import period_starts
from app.db.repositories.controls import ClaimTarget
from app.scheduler import keyed

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_jitter_is_deterministic_bounded_and_varies() -> None:
    offsets = [jitter.start_offset(7, T0 + timedelta(hours=h), jitter_seconds=300) for h in range(200)]
    again = [jitter.start_offset(7, T0 + timedelta(hours=h), jitter_seconds=300) for h in range(200)]
    assert offsets == again
    assert all(timedelta(0) <= o < timedelta(seconds=300) for o in offsets)
    assert len(set(offsets)) > 150  # spread, not a constant
    # Another task at the same time lands elsewhere; whole milliseconds survive storage.
    assert jitter.start_offset(8, T0, jitter_seconds=300) != jitter.start_offset(7, T0, jitter_seconds=300)
    assert all(o.microseconds % 1000 == 0 for o in offsets)


@pytest.mark.parametrize(
    ("nominal", "jitter_seconds", "spread", "timezone", "spread_applies"),
    [
        (datetime(2026, 11, 23, 9, 0, tzinfo=UTC), 0, 600, "UTC", True),  # round hour
        (datetime(2026, 11, 23, 9, 15, tzinfo=UTC), 0, 600, "UTC", False),  # not a round hour
        (datetime(2026, 11, 23, 9, 0, tzinfo=UTC), 0, 0, "UTC", False),  # spread off
        (datetime(2026, 11, 23, 9, 30, tzinfo=UTC), 0, 600, "Asia/Kolkata", True),  # 15:00 in Kolkata
        (datetime(2026, 11, 23, 9, 0, tzinfo=UTC), 0, 600, "Asia/Kolkata", False),  # 14:30 there
    ],
)
def test_spread_applies_to_round_hours_on_the_task_clock(
    nominal: datetime, jitter_seconds: int, spread: int, timezone: str, spread_applies: bool
) -> None:
    offsets = {
        jitter.start_offset(task_id, nominal, jitter_seconds=jitter_seconds, timezone=timezone, spread_seconds=spread)
        for task_id in range(1, 50)
    }
    if spread_applies:
        assert len(offsets) > 40 and max(offsets) < timedelta(seconds=spread)
    else:
        assert offsets == {timedelta(0)}


def test_own_jitter_wins_over_spread() -> None:
    own = jitter.start_offset(3, T0, jitter_seconds=10, spread_seconds=3600)
    assert own < timedelta(seconds=10)


@pytest.mark.parametrize(
    ("model", "reported", "expected"),
    [
        ("ollama/llama3", None, 0.0015),  # price set for the litellm name
        ("llama3", None, 0.0015),  # or the bare name
        ("other/llama3", None, 0.0015),  # the same model through another route
        ("openai/gpt-4o-mini", 0.0002, 0.0002),  # litellm knows it: its cost
        ("unknown/model", None, None),  # unknown stays unknown, never 0
    ],
)
def test_price_call(model: str, reported: float | None, expected: float | None) -> None:
    prices = {"ollama/llama3": ModelPrice(input_per_million=1.0, output_per_million=2.0)}
    cost = budgets.price_call(model, 500, 500, reported, prices)
    assert cost == pytest.approx(expected) if expected is not None else cost is None


@pytest.mark.parametrize(
    ("tokens", "cost", "max_tokens", "max_cost", "stop"),
    [
        (100, 0.01, 1000, 1.0, None),
        (1000, 0.01, 1000, 1.0, "token budget of 1000 tokens per run exhausted (1000 tokens used)"),
        (100, 1.5, 1000, 1.0, "run budget of $1.00 exhausted ($1.50 spent)"),
        (100, None, 1000, 0.0001, None),  # unknown cost: only the token budget holds
        (5000, None, None, None, None),
    ],
)
def test_run_budget_stop(
    tokens: int, cost: float | None, max_tokens: int | None, max_cost: float | None, stop: str | None
) -> None:
    got = budgets.run_budget_stop(total_tokens=tokens, cost_usd=cost, max_tokens=max_tokens, max_cost_usd=max_cost)
    assert got == stop
    assert budgets.is_budget_stop(got) == (stop is not None)


@pytest.mark.parametrize(
    ("day", "month", "limits", "reason"),
    [
        (1.0, 5.0, BudgetLimits(max_cost_usd_per_day=2.0), None),
        (2.0, 5.0, BudgetLimits(max_cost_usd_per_day=2.0), "daily budget of $2.00 spent ($2.00 today)"),
        (0.5, 30.0, BudgetLimits(max_cost_usd_per_month=30.0), "monthly budget of $30.00 spent ($30.00 this month)"),
        (9.0, 9.0, BudgetLimits(), None),
    ],
)
def test_period_budget_stop(day: float, month: float, limits: BudgetLimits, reason: str | None) -> None:
    decision = budgets.period_budget_stop(PeriodSpend(day_usd=day, month_usd=month), limits)
    assert (decision.reason if decision else None) == reason


def test_task_limits_fall_back_to_the_service_defaults() -> None:
    task = BudgetLimits(max_cost_usd_per_run=0.5, pause_on_budget=True)
    default = BudgetLimits(max_cost_usd_per_run=2.0, max_tokens_per_run=1000)
    combined = BudgetLimits.combine(task, default)
    assert combined.max_cost_usd_per_run == 0.5
    assert combined.max_tokens_per_run == 1000
    assert combined.pause_on_budget is True


def test_money() -> None:
    assert [budgets.money(v) for v in (2, 0.0031, 0, 12.345)] == ["$2.00", "$0.0031", "$0.00", "$12.35"]


@pytest.mark.parametrize(
    ("policy", "buffered", "expected"),
    [
        ("skip", False, overlap.OverlapAction(insert=False, skip_reason=overlap.SKIP_REASON)),
        ("buffer_one", False, overlap.OverlapAction(insert=True, slot=overlap.BUFFER_SLOT)),
        ("buffer_one", True, overlap.OverlapAction(insert=False, skip_reason=overlap.BUFFER_FULL_REASON)),
        ("cancel_other", False, overlap.OverlapAction(insert=True, slot=0, cancel_active=True)),
        ("allow", False, overlap.OverlapAction(insert=True, slot=None)),
    ],
)
def test_on_overlap(policy: str, buffered: bool, expected: overlap.OverlapAction) -> None:
    assert overlap.on_overlap(policy, buffered=buffered) == expected


@pytest.mark.parametrize(
    ("statuses", "streak"),
    [
        (["failed", "failed", "succeeded", "failed"], 2),
        (["failed", "skipped", "timed_out", "cancelled", "failed"], 3),
        (["succeeded", "failed"], 0),
        ([], 0),
    ],
)
def test_failure_streak(statuses: list[str], streak: int) -> None:
    assert failures.failure_streak(statuses) == streak


@pytest.mark.parametrize(
    ("threshold", "streak", "pause"), [(3, 2, False), (3, 3, True), (None, 10, False), (1, 1, True)]
)
def test_should_pause(threshold: int | None, streak: int, pause: bool) -> None:
    assert failures.should_pause(threshold, streak) is pause


@pytest.mark.parametrize(
    ("limits", "delay_ms", "duration_ms", "found"),
    [
        (sla.SlaLimits(max_delay_seconds=60), 60_000, None, []),
        (sla.SlaLimits(max_delay_seconds=60), 95_000, None, ["started 95s late (max_delay_seconds=60)"]),
        (sla.SlaLimits(max_duration_seconds=10), 0, 12_500, ["ran 12.5s (max_duration_seconds=10)"]),
        (sla.SlaLimits(), 10**9, 10**9, []),
    ],
)
def test_sla_breaches(limits: sla.SlaLimits, delay_ms: int, duration_ms: int | None, found: list[str]) -> None:
    assert sla.breaches(limits, delay_ms=delay_ms, duration_ms=duration_ms) == found


def test_period_starts_follow_the_task_clock() -> None:
    now = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)  # already Dec 1st in Berlin
    day, month = period_starts(now, "Europe/Berlin")
    assert day == datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
    assert month == datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
    assert period_starts(now) == (datetime(2026, 11, 30, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC))


def _run(execution_id: int, task_id: int, policy: str = "skip") -> ClaimTarget:
    return ClaimTarget(
        execution_id=execution_id,
        task_id=task_id,
        status="queued",
        trigger="schedule",
        scheduled_for=T0,
        due_at=T0 + timedelta(seconds=execution_id),
        overlap_policy=policy,
        concurrency_key="llm",
    )


@pytest.mark.parametrize(
    ("head", "asked", "starts"),
    [
        ([_run(1, 1), _run(2, 2), _run(3, 3)], {1, 2, 3}, [1, 2, 3]),  # every free place filled at once
        ([_run(1, 1), _run(2, 2), _run(3, 3)], {2, 3}, []),  # the oldest is not asked here: nothing jumps it
        ([_run(1, 1), _run(2, 2), _run(3, 3)], {1, 3}, [1]),  # nor the one after a gap
        ([_run(1, 1), _run(2, 1), _run(3, 3)], {1, 2, 3}, [1]),  # one at a time per task, the rest behind it
        ([_run(1, 1, "allow"), _run(2, 1, "allow")], {1, 2}, [1, 2]),  # a parallel task's runs go together
        ([], {1}, []),  # no free place
    ],
)
def test_a_keys_next_runs_start_in_fire_order(head: list[ClaimTarget], asked: set[int], starts: list[int]) -> None:
    assert [t.execution_id for t in keyed.next_in_line(head, dict.fromkeys(asked))] == starts


def test_a_keyed_wait_says_whether_the_key_is_full() -> None:
    assert keyed.wait_reason("slack", 1, 1) == "waiting for concurrency key 'slack' (1/1 running)"
    assert keyed.wait_reason("slack", 2, 1) == "waiting behind earlier runs of concurrency key 'slack'"
