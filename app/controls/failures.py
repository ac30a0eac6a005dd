"""Pausing a task after repeated failures, and the notes that say why a task is paused."""

from __future__ import annotations

from collections.abc import Sequence

# Finished statuses that count as a failed run; skips and cancellations neither break nor extend a streak.
FAILED = frozenset({"failed", "timed_out", "interrupted"})
NEUTRAL = frozenset({"skipped", "missed", "cancelled", "queued", "running"})


def failure_streak(statuses_newest_first: Sequence[str]) -> int:
    """How many runs failed in a row, counting back from the newest finished run."""
    streak = 0
    for status in statuses_newest_first:
        if status in NEUTRAL:
            continue
        if status in FAILED:
            streak += 1
        else:
            break
    return streak


def should_pause(pause_after_failures: int | None, streak: int) -> bool:
    """Whether a streak of ``streak`` failures reaches the task's ``pause_after_failures``."""
    return pause_after_failures is not None and pause_after_failures > 0 and streak >= pause_after_failures


def failures_note(streak: int) -> str:
    return f"paused automatically after {streak} consecutive failed runs"


def budget_note(reason: str) -> str:
    return f"paused automatically: {reason}"
