"""The engine against brute-force references over many seeded random expressions.

The references share only the parsed sets with the engine: they walk day by day
and minute by minute with the plain rules, so a skipping bug in the engine shows.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.errors import InvalidCron
from app.schedules import CronExpression, dst

MINUTE = timedelta(minutes=1)


def day_matches(expr: CronExpression, day: datetime) -> bool:
    if day.month not in expr.months:
        return False
    dom_ok = day.day in expr.doms
    dow_ok = day.isoweekday() % 7 in expr.dows
    return (dom_ok and dow_ok) if (expr.dom_star or expr.dow_star) else (dom_ok or dow_ok)


def wall_matches(expr: CronExpression, wall: datetime) -> bool:
    return wall.minute in expr.minutes and wall.hour in expr.hours and day_matches(expr, wall)


def reference_next_utc(expr: CronExpression, after: datetime) -> datetime:
    t = after.replace(second=0, microsecond=0) + MINUTE
    while not day_matches(expr, t):  # a whole day at a time, so rare dates stay cheap
        t = t.replace(hour=0, minute=0) + timedelta(days=1)
    while not wall_matches(expr, t):
        t += MINUTE
        while not day_matches(expr, t):
            t = t.replace(hour=0, minute=0) + timedelta(days=1)
    return t


def random_field(rng: random.Random, low: int, high: int, names: list[str] | None = None) -> str:
    def value() -> str:
        v = rng.randint(low, high)
        return names[v - low] if names and rng.random() < 0.3 else str(v)

    def item() -> str:
        kind = rng.random()
        if kind < 0.25:
            return "*"
        if kind < 0.4:
            return f"*/{rng.randint(1, high - low + 1)}"
        if kind < 0.6:
            a, b = sorted(rng.sample(range(low, high + 1), 2))
            return f"{a}-{b}" + (f"/{rng.randint(1, 5)}" if rng.random() < 0.4 else "")
        if kind < 0.7:
            return f"{rng.randint(low, high)}/{rng.randint(1, 10)}"
        return value()

    first = item()
    if first.startswith("*") or rng.random() < 0.6:
        return first
    return ",".join([first, *(item().lstrip("*") or value() for _ in range(rng.randint(1, 3)))])


MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def random_expression(rng: random.Random) -> CronExpression:
    while True:
        text = " ".join(
            [
                random_field(rng, 0, 59),
                random_field(rng, 0, 23),
                random_field(rng, 1, 31),
                random_field(rng, 1, 12, MONTHS),
                random_field(rng, 0, 7, DAYS),
            ]
        )
        try:
            return CronExpression.parse(text)
        except InvalidCron:  # random text may never fire (Feb 30); draw again
            continue


def random_instant(rng: random.Random) -> datetime:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    return start + timedelta(seconds=rng.randrange(5 * 365 * 86400))


@pytest.mark.parametrize("seed", range(8))
def test_engine_matches_brute_force_in_utc(seed):
    rng = random.Random(seed)
    for _ in range(60):
        expr = random_expression(rng)
        after = random_instant(rng)
        for _ in range(3):
            expected = reference_next_utc(expr, after)
            assert expr.next_fire(after) == expected, (expr.text, after)
            after = expected if rng.random() < 0.7 else expected + timedelta(seconds=rng.randrange(1, 90))


def reference_fires_with_dst(expr: CronExpression, tz: ZoneInfo, start: datetime, end: datetime) -> list[datetime]:
    """Debian cron's rules minute by minute in real time: wildcard jobs on every real minute whose
    wall time matches; fixed jobs on first occurrences only, and at a jump for times in its gap."""
    out: list[datetime] = []
    t = start.replace(second=0, microsecond=0) + MINUTE
    previous = (t - MINUTE).astimezone(tz).replace(tzinfo=None)
    while t <= end:
        local = t.astimezone(tz)
        wall = local.replace(tzinfo=None)
        if expr.wild:
            fire = wall_matches(expr, wall)
        else:
            skipped = []
            gap = previous + MINUTE
            while gap < wall:
                skipped.append(gap)
                gap += MINUTE
            fire = (local.fold == 0 and wall_matches(expr, wall)) or any(wall_matches(expr, s) for s in skipped)
        if fire:
            out.append(t)
        previous = wall
        t += MINUTE
    return out


TRANSITIONS = [
    ("Europe/Berlin", datetime(2026, 3, 28, 18, tzinfo=UTC)),
    ("Europe/Berlin", datetime(2026, 10, 24, 18, tzinfo=UTC)),
    ("America/New_York", datetime(2026, 3, 8, 0, tzinfo=UTC)),
    ("America/New_York", datetime(2026, 10, 31, 23, tzinfo=UTC)),
    ("Australia/Lord_Howe", datetime(2026, 4, 4, 8, tzinfo=UTC)),
    ("Australia/Lord_Howe", datetime(2026, 10, 3, 8, tzinfo=UTC)),
    ("Pacific/Chatham", datetime(2026, 9, 26, 4, tzinfo=UTC)),  # 02:45 -> 03:45
    ("Europe/Dublin", datetime(2026, 10, 24, 18, tzinfo=UTC)),  # "negative DST" in tzdata
    ("America/Santiago", datetime(2026, 4, 4, 14, tzinfo=UTC)),  # falls back at midnight
]


def dst_expression(rng: random.Random) -> CronExpression:
    # Dense in the small hours, where clocks change, with fixed and wildcard jobs alike.
    minute = rng.choice(["*", "*/7", "*/30", "0", "15", "30", "45", "0,30", "10-50/20", "59"])
    hour = rng.choice(["*", "*/2", "1", "2", "3", "1-3", "2,3", "0-4/2", "1,2"])
    day = rng.choice(["* * *", "* * 0", "* * 6", "1 * 0", "*/2 * *", "4,5 * *"])
    return CronExpression.parse(f"{minute} {hour} {day}")


@pytest.mark.parametrize(("tz_name", "start"), TRANSITIONS)
def test_engine_matches_brute_force_across_dst(tz_name, start):
    rng = random.Random(tz_name + start.isoformat())
    tz = ZoneInfo(tz_name)
    end = start + timedelta(hours=16)
    for _ in range(25):
        expr = dst_expression(rng)
        expected = reference_fires_with_dst(expr, tz, start, end)
        got: list[datetime] = []
        after = start
        while (after := expr.next_fire(after, tz)) <= end:
            got.append(after)
        assert got == expected, expr.text


@pytest.mark.parametrize(("tz_name", "start"), TRANSITIONS)
def test_engine_matches_brute_force_from_any_instant_near_dst(tz_name, start):
    rng = random.Random("any" + tz_name + start.isoformat())
    tz = ZoneInfo(tz_name)
    end = start + timedelta(hours=40)
    for _ in range(15):
        expr = dst_expression(rng)
        expected = reference_fires_with_dst(expr, tz, start - timedelta(hours=1), end)
        for _ in range(10):
            after = start + timedelta(seconds=rng.randrange(16 * 3600))
            want = next((t for t in expected if t > after), None)
            if want is not None:
                assert expr.next_fire(after, tz) == want, (expr.text, after)


def test_next_fire_near_dst_costs_as_much_as_on_an_ordinary_day():
    # The wall times looked at per call are what made the engine ~200x slower near a change.
    expr = CronExpression.parse("* * * * *")
    tz = ZoneInfo("Europe/Berlin")
    looked: list[datetime] = []

    def counting(after: datetime) -> datetime:
        looked.append(after)
        return expr.next_local(after)

    for base in (datetime(2026, 3, 29, 0, 30, tzinfo=UTC), datetime(2026, 10, 25, 0, 30, tzinfo=UTC)):
        after = base
        for _ in range(120):
            looked.clear()
            after = dst.next_instant(counting, expr.wild, after, tz)
            assert len(looked) <= 3, (after, len(looked))
