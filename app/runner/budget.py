"""Per-run limits and the running account against them.

Pure: times are monotonic seconds passed in by the caller, so the decisions are
tested with a table. Limits:

- ``max_steps``: model turns (LLM calls that returned); retries of a failed call
  do not use up steps, they are bounded by the retry policy instead;
- ``max_total_tokens``: prompt + completion tokens over the whole run;
- ``run_timeout``: wall time for the whole run (enforced by the runner with
  ``asyncio.timeout``, so it wins over a longer call timeout; here it also stops
  retry waits that would outlast the run);
- ``call_timeout``: one LLM call.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.controls.budgets import run_budget_stop
from app.runner.base import RunStatus


@dataclass(frozen=True, kw_only=True)
class Limits:
    max_steps: int
    max_total_tokens: int
    run_timeout: float
    call_timeout: float
    max_cost_usd: float | None = None  # controls: the run's cost budget; unknown costs never count as 0


@dataclass(frozen=True, kw_only=True)
class Stop:
    """Why a run must stop before its next LLM call."""

    status: RunStatus
    reason: str


@dataclass(kw_only=True)
class Budget:
    """What a run has spent so far, against its :class:`Limits`."""

    limits: Limits
    started: float  # monotonic seconds
    steps: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = 0.0  # None once any call's cost is unknown

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def remaining(self, now: float) -> float:
        return self.limits.run_timeout - (now - self.started)

    def call_timeout(self) -> float:
        """The timeout for the next LLM call (the run's own deadline cuts it shorter by cancelling)."""
        return self.limits.call_timeout

    def charge(self, *, prompt_tokens: int, completion_tokens: int, cost_usd: float | None) -> None:
        """Account for one LLM call that returned."""
        self.steps += 1
        self.prompt_tokens += prompt_tokens
        self.completion_tokens += completion_tokens
        if cost_usd is None or self.cost_usd is None:
            self.cost_usd = None
        else:
            self.cost_usd += cost_usd

    def check(self, now: float) -> Stop | None:
        """A :class:`Stop` when another LLM call would break a limit, else None."""
        lim = self.limits
        if self.remaining(now) <= 0:
            return Stop(status="timed_out", reason=f"run timed out after {lim.run_timeout:g}s")
        if self.steps >= lim.max_steps:
            return Stop(
                status="failed",
                reason=f"step limit reached: {self.steps} LLM calls (max_steps={lim.max_steps}) "
                "and the model still wanted to call tools",
            )
        if self.total_tokens >= lim.max_total_tokens:
            return Stop(
                status="failed",
                reason=f"token budget exhausted: {self.total_tokens} tokens used "
                f"(max_total_tokens={lim.max_total_tokens})",
            )
        over = run_budget_stop(total_tokens=0, cost_usd=self.cost_usd, max_tokens=None, max_cost_usd=lim.max_cost_usd)
        if over is not None:
            return Stop(status="failed", reason=over)
        return None
