"""Schedules in words: cron through the cron-descriptor library, the rest by hand.

cron-descriptor reads day-of-week 7 as Sunday and counts from Sunday = 0 when
told to, but it joins the two day fields by its own rule: ", or on Monday" for
a single weekday, nothing for a range ("on day 1 of the month, Monday through
Friday") and "or" even for ``*/2`` day-of-month, which Vixie cron ANDs. So the
day part is assembled here from its pieces with the joiner Vixie's rule implies.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from cron_descriptor import ExpressionDescriptor, Options

if TYPE_CHECKING:
    from app.schedules.cron import CronExpression


@lru_cache(maxsize=2048)
def _cron_words(canonical: str, dom_star: bool, dow_star: bool) -> str:
    options = Options()
    options.use_24hour_time_format = True
    options.day_of_week_start_index_zero = True
    words = ExpressionDescriptor(canonical, options)
    dom_field, dow_field = canonical.split(" ")[2], canonical.split(" ")[4]
    if dom_field == "*" or dow_field == "*":
        return str(words.get_description())
    # Both day fields are given: describe them apart and join them as cron does.
    time = str(words.get_time_of_day_description())
    dom = str(words.get_day_of_month_description()).removeprefix(", ")
    dow = str(words.get_day_of_week_description()).removeprefix(", ").removeprefix("or ")
    month = str(words.get_month_description())
    dow = dow.removeprefix("only ").removeprefix("on ")
    # Vixie ANDs the day fields when one starts with "*", and ORs them otherwise.
    days = f"{dom}, if it is {dow}" if dom_star or dow_star else f"{dom}, or on {dow}"
    text = f"{time}, {days}{month}"
    return text[:1].upper() + text[1:]


def describe_cron(expr: CronExpression, tz: str) -> str:
    """A cron expression in words with its timezone, e.g. "At 09:00, Monday through Friday (UTC)"."""
    return f"{_cron_words(expr.canonical(), expr.dom_star, expr.dow_star)} ({tz})"


def describe_once(at: datetime, tz: ZoneInfo) -> str:
    """A one-time instant in words, on the schedule's wall clock."""
    local = at.astimezone(tz)
    return f"Once, at {local:%Y-%m-%d %H:%M} ({tz.key})"


def describe_interval(seconds: int) -> str:
    """A fixed interval in words, in the largest unit that divides it evenly."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0:
            n = seconds // size
            return f"Every {unit}" if n == 1 else f"Every {n} {unit}s"
    return "Every second" if seconds == 1 else f"Every {seconds} seconds"
