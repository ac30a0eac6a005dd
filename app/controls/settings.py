"""Service-wide control settings, as a value handed to the scheduler (never read at import)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.controls.budgets import BudgetLimits

DEFAULT_MAX_TOKENS_PER_RUN = 100_000


@dataclass(frozen=True, kw_only=True)
class ControlSettings:
    """``spread_seconds``: the ``SPREAD_ROUND_HOURS`` window; ``run_defaults``: per-run limits for
    tasks that set none; ``service``: day and month budgets for all tasks together."""

    spread_seconds: int = 0
    run_defaults: BudgetLimits = field(
        default_factory=lambda: BudgetLimits(max_tokens_per_run=DEFAULT_MAX_TOKENS_PER_RUN)
    )
    service: BudgetLimits = field(default_factory=BudgetLimits)

    @classmethod
    def from_settings(cls, settings: Any) -> ControlSettings:
        """From :class:`app.config.Settings` (typed loosely so this module stays below config)."""
        return cls(
            spread_seconds=settings.spread_round_hours,
            run_defaults=BudgetLimits(
                max_cost_usd_per_run=settings.max_cost_usd_per_run,
                max_tokens_per_run=settings.max_tokens_per_run,
            ),
            service=BudgetLimits(
                max_cost_usd_per_day=settings.max_cost_usd_per_day,
                max_cost_usd_per_month=settings.max_cost_usd_per_month,
            ),
        )
