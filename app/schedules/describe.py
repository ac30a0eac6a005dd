"""Schedules in words: cron through the cron-descriptor library, the rest by hand."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from cron_descriptor import ExpressionDescriptor, Options

if TYPE_CHECKING:
    from app.schedules.cron import CronExpression


@lru_cache(maxsize=2048)
def _cron_words(canonical: str) -> str:
    options = Options()
    options.use_24hour_time_format = True
    options.day_of_week_start_index_zero = True
    return str(ExpressionDescriptor(canonical, options).get_description())


def describe_cron(expr: CronExpression, tz: str) -> str:
    return f"{_cron_words(expr.canonical())} ({tz})"


def describe_once(at: datetime, tz: ZoneInfo) -> str:
    local = at.astimezone(tz)
    return f"Once, at {local:%Y-%m-%d %H:%M} ({tz.key})"


def describe_interval(seconds: int, tz: str) -> str:
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0:
            n = seconds // size
            return f"Every {unit}" if n == 1 else f"Every {n} {unit}s"
    return "Every second" if seconds == 1 else f"Every {seconds} seconds"
