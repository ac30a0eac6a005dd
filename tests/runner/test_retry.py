"""The retry policy as a table: error kind, attempt, randomness and time left -> decision."""

from __future__ import annotations

import pytest

from app.llm.base import LLMError, LLMNotConfigured, LLMPermanentError, LLMTransientError
from app.runner.retry import RetryDecision, RetryPolicy

POLICY = RetryPolicy(max_retries=3, base_delay=1.0, multiplier=2.0, max_delay=5.0, jitter=0.5)
T = LLMTransientError("429")
P = LLMPermanentError("401")


@pytest.mark.parametrize(
    ("error", "attempt", "rand", "remaining", "expected"),
    [
        (T, 1, 1.0, None, RetryDecision(retry=True, delay=1.0, reason="transient error")),
        (T, 1, 0.0, None, RetryDecision(retry=True, delay=0.5, reason="transient error")),
        (T, 2, 0.5, None, RetryDecision(retry=True, delay=1.5, reason="transient error")),
        (T, 3, 1.0, None, RetryDecision(retry=True, delay=4.0, reason="transient error")),
        (T, 4, 1.0, None, RetryDecision(retry=False, reason="gave up after 4 attempt(s)")),
        (T, 1, 1.0, 0.9, RetryDecision(retry=False, reason="no time left in the run for another attempt")),
        (T, 1, 1.0, 1.1, RetryDecision(retry=True, delay=1.0, reason="transient error")),
        (P, 1, 0.5, None, RetryDecision(retry=False, reason="permanent error")),
        (LLMNotConfigured("x"), 1, 0.5, None, RetryDecision(retry=False, reason="permanent error")),
        (LLMError("unknown kind"), 1, 0.5, None, RetryDecision(retry=False, reason="permanent error")),
    ],
)
def test_decide(error: LLMError, attempt: int, rand: float, remaining: float | None, expected: RetryDecision) -> None:
    assert POLICY.decide(error, attempt=attempt, rand=rand, remaining=remaining) == expected


@pytest.mark.parametrize(
    ("attempt", "rand", "delay"),
    [
        (1, 1.0, 1.0),
        (2, 1.0, 2.0),
        (3, 1.0, 4.0),
        (4, 1.0, 5.0),
        (10, 1.0, 5.0),
        (10, 0.0, 2.5),
        (1, 7.0, 1.0),
    ],
)
def test_backoff_is_exponential_capped_and_jittered(attempt: int, rand: float, delay: float) -> None:
    assert POLICY.backoff(attempt, rand) == pytest.approx(delay)


def test_no_retries_means_one_attempt() -> None:
    assert not RetryPolicy(max_retries=0).decide(T, attempt=1, rand=0.5, remaining=None).retry
