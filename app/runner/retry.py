"""Retry policy for LLM calls: which failures to retry, and how long to wait first.

Pure: the decision takes the error, the attempt number, the time left in the run
and a random number in [0, 1), so it is tested with a table and no clock. The
caller owns sleeping (an injectable ``sleep``) and drawing randomness.

Backoff is exponential with proportional jitter::

    delay = min(max_delay, base_delay * multiplier ** (attempt - 1))
    delay *= 1 - jitter + jitter * rand           # jitter=0.5: between 50 % and 100 %

so many runs failing together (a provider outage) do not retry in lockstep.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.llm.base import LLMError, LLMTransientError


@dataclass(frozen=True, kw_only=True)
class RetryDecision:
    retry: bool
    delay: float = 0.0
    reason: str = ""


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    """Up to ``max_retries`` retries (so ``max_retries + 1`` attempts) of transient errors."""

    max_retries: int
    base_delay: float = 1.0
    multiplier: float = 2.0
    max_delay: float = 30.0
    jitter: float = 0.5

    def backoff(self, attempt: int, rand: float) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        raw = min(self.max_delay, self.base_delay * self.multiplier ** max(0, attempt - 1))
        return raw * (1.0 - self.jitter + self.jitter * min(max(rand, 0.0), 1.0))

    def decide(self, error: LLMError, *, attempt: int, rand: float, remaining: float | None) -> RetryDecision:
        """Whether to retry after ``attempt`` failed with ``error``, given ``remaining`` run seconds."""
        if not isinstance(error, LLMTransientError):
            return RetryDecision(retry=False, reason="permanent error")
        if attempt > self.max_retries:
            return RetryDecision(retry=False, reason=f"gave up after {attempt} attempt(s)")
        delay = self.backoff(attempt, rand)
        if remaining is not None and delay >= remaining:
            return RetryDecision(retry=False, reason="no time left in the run for another attempt")
        return RetryDecision(retry=True, delay=delay, reason="transient error")
