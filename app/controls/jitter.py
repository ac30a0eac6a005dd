"""Deterministic start offsets: per-task jitter and the global spread of round hours.

A fire's *nominal* time is what its schedule says; its *due* time is when it may
start. The offset is derived from the task id and the nominal time only, so it is
the same after a restart, in every process and in previews.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo


def stable_fraction(task_id: int, nominal: datetime) -> float:
    """A number in [0, 1) fixed by ``task_id`` and the instant ``nominal``."""
    key = f"{task_id}:{int(nominal.timestamp() * 1_000_000)}".encode()
    digest = hashlib.sha256(key).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def is_round_hour(nominal: datetime, timezone: str) -> bool:
    """Whether ``nominal`` falls on the top of an hour on the task's wall clock."""
    local = nominal.astimezone(ZoneInfo(timezone))
    return local.minute == 0 and local.second == 0 and local.microsecond == 0


def start_offset(
    task_id: int, nominal: datetime, *, jitter_seconds: int, timezone: str = "UTC", spread_seconds: int = 0
) -> timedelta:
    """How much later than ``nominal`` the fire is due.

    A task's own ``jitter_seconds`` wins; without it, a fire on a round hour is spread
    over ``spread_seconds`` (the ``SPREAD_ROUND_HOURS`` setting). Whole milliseconds,
    so the value survives every storage round trip.
    """
    window = jitter_seconds if jitter_seconds > 0 else 0
    if window == 0 and spread_seconds > 0 and is_round_hour(nominal, timezone):
        window = spread_seconds
    if window == 0:
        return timedelta(0)
    return timedelta(milliseconds=int(stable_fraction(task_id, nominal) * window * 1000))


def due_at(
    task_id: int, nominal: datetime, *, jitter_seconds: int, timezone: str = "UTC", spread_seconds: int = 0
) -> datetime:
    """The instant a fire scheduled for ``nominal`` may start."""
    return nominal + start_offset(
        task_id, nominal, jitter_seconds=jitter_seconds, timezone=timezone, spread_seconds=spread_seconds
    )
