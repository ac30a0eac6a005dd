"""Budget decisions: per run (tokens, cost) and per period (cost per day and per month).

Pure value objects and functions, tested with tables. A task's own limit wins over
the global one (settings); ``None`` means no limit. Costs litellm does not know are
``None`` (never 0): a model's price can be set per million tokens, and a run whose
cost stays unknown is held to its token budget instead of its cost budget.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class ModelPrice:
    """US dollars per million prompt (input) and completion (output) tokens."""

    input_per_million: float
    output_per_million: float

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        return (prompt_tokens * self.input_per_million + completion_tokens * self.output_per_million) / 1_000_000


@dataclass(frozen=True, kw_only=True)
class BudgetLimits:
    """Every budget of one task, after task values and global defaults were combined."""

    max_cost_usd_per_run: float | None = None
    max_tokens_per_run: int | None = None
    max_cost_usd_per_day: float | None = None
    max_cost_usd_per_month: float | None = None
    pause_on_budget: bool = False

    @classmethod
    def combine(cls, task: BudgetLimits, default: BudgetLimits) -> BudgetLimits:
        """The task's limits, each falling back to the global one when unset."""

        def pick(name: str) -> object:
            value = getattr(task, name)
            return value if value is not None else getattr(default, name)

        return cls(
            max_cost_usd_per_run=pick("max_cost_usd_per_run"),  # type: ignore[arg-type]
            max_tokens_per_run=pick("max_tokens_per_run"),  # type: ignore[arg-type]
            max_cost_usd_per_day=pick("max_cost_usd_per_day"),  # type: ignore[arg-type]
            max_cost_usd_per_month=pick("max_cost_usd_per_month"),  # type: ignore[arg-type]
            pause_on_budget=task.pause_on_budget or default.pause_on_budget,
        )


def price_call(
    model: str, prompt_tokens: int, completion_tokens: int, reported: float | None, prices: Mapping[str, ModelPrice]
) -> float | None:
    """The cost of one LLM call: the configured price for ``model`` if any, else what litellm reported."""
    price = prices.get(model)
    if price is None:
        # Providers answer with the bare name ("gpt-x") for a configured "openai/gpt-x", and back.
        bare = model.split("/", 1)[-1]
        price = next((p for name, p in prices.items() if name.split("/", 1)[-1] == bare), None)
    if price is not None:
        return price.cost(prompt_tokens, completion_tokens)
    return reported


def run_budget_stop(
    *, total_tokens: int, cost_usd: float | None, max_tokens: int | None, max_cost_usd: float | None
) -> str | None:
    """Why a run must stop before its next LLM call, or None.

    An unknown cost (None) is never taken for zero: such a run is held to its token
    budget only.
    """
    if max_tokens is not None and total_tokens >= max_tokens:
        return f"token budget of {max_tokens} tokens per run exhausted ({total_tokens} tokens used)"
    if max_cost_usd is not None and cost_usd is not None and cost_usd >= max_cost_usd:
        return f"run budget of {money(max_cost_usd)} exhausted ({money(cost_usd)} spent)"
    return None


@dataclass(frozen=True, kw_only=True)
class PeriodSpend:
    """Known cost already spent in the current day and month (the task's time zone)."""

    day_usd: float
    month_usd: float


@dataclass(frozen=True, kw_only=True)
class PeriodDecision:
    """A fire to skip because a period budget is spent; ``scope`` says whose budget."""

    reason: str
    pause: bool


def period_budget_stop(spend: PeriodSpend, limits: BudgetLimits, *, scope: str = "task") -> PeriodDecision | None:
    """Skip the fire when the day's or month's budget is already spent, else None."""
    prefix = "" if scope == "task" else f"{scope} "
    if limits.max_cost_usd_per_day is not None and spend.day_usd >= limits.max_cost_usd_per_day:
        return PeriodDecision(
            reason=f"{prefix}daily budget of {money(limits.max_cost_usd_per_day)} spent ({money(spend.day_usd)} today)",
            pause=limits.pause_on_budget,
        )
    if limits.max_cost_usd_per_month is not None and spend.month_usd >= limits.max_cost_usd_per_month:
        return PeriodDecision(
            reason=f"{prefix}monthly budget of {money(limits.max_cost_usd_per_month)} spent "
            f"({money(spend.month_usd)} this month)",
            pause=limits.pause_on_budget,
        )
    return None


def money(value: float) -> str:
    """Dollars with cents, more digits for sub-cent amounts: ``$2.00``, ``$0.0031``."""
    return f"${value:.2f}" if value >= 0.01 or value == 0 else f"${value:.4f}"


_RUN_BUDGET_PREFIXES = ("token budget", "run budget")


def is_budget_stop(reason: str | None) -> bool:
    """Whether a run's ``reason`` says it stopped on its run budget."""
    return reason is not None and reason.startswith(_RUN_BUDGET_PREFIXES)
