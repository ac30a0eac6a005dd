"""Run limits as a table: what has been spent -> whether another LLM call may start."""

from __future__ import annotations

import pytest

from app.runner.budget import Budget, Limits, Stop

LIMITS = Limits(max_steps=3, max_total_tokens=100, run_timeout=60.0, call_timeout=10.0)


@pytest.mark.parametrize(
    ("steps", "tokens", "elapsed", "expected"),
    [
        (0, 0, 0.0, None),
        (2, 99, 59.0, None),
        (
            3,
            0,
            1.0,
            Stop(
                status="failed",
                reason="step limit reached: 3 LLM calls (max_steps=3) and the model still wanted to call tools",
            ),
        ),
        (
            1,
            100,
            1.0,
            Stop(status="failed", reason="token budget exhausted: 100 tokens used (max_total_tokens=100)"),
        ),
        (1, 0, 60.0, Stop(status="timed_out", reason="run timed out after 60s")),
        (3, 100, 61.0, Stop(status="timed_out", reason="run timed out after 60s")),  # time is checked first
    ],
)
def test_check(steps: int, tokens: int, elapsed: float, expected: Stop | None) -> None:
    budget = Budget(limits=LIMITS, started=1000.0, steps=steps, prompt_tokens=tokens)
    assert budget.check(1000.0 + elapsed) == expected


def test_charge_sums_tokens_and_cost_and_unknown_cost_stays_unknown() -> None:
    budget = Budget(limits=LIMITS, started=0.0)
    budget.charge(prompt_tokens=10, completion_tokens=5, cost_usd=0.25)
    budget.charge(prompt_tokens=1, completion_tokens=2, cost_usd=0.5)
    assert (budget.steps, budget.total_tokens, budget.cost_usd) == (2, 18, 0.75)
    budget.charge(prompt_tokens=0, completion_tokens=0, cost_usd=None)
    assert budget.cost_usd is None
    budget.charge(prompt_tokens=0, completion_tokens=0, cost_usd=1.0)
    assert budget.cost_usd is None


def test_remaining_and_call_timeout() -> None:
    budget = Budget(limits=LIMITS, started=100.0)
    assert budget.remaining(130.0) == 30.0
    assert budget.call_timeout() == 10.0
