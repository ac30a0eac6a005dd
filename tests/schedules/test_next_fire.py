"""Next fire times: the day rules, and Debian cron's DST behaviour, as exact UTC instants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from app.schedules import CronExpression


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, us, tzinfo=UTC)


def fires(text: str, tz: str, after: datetime, count: int) -> list[datetime]:
    expr, zone = CronExpression.parse(text), ZoneInfo(tz)
    out: list[datetime] = []
    for _ in range(count):
        after = expr.next_fire(after, zone)
        out.append(after)
    return out


@pytest.mark.parametrize(
    ("text", "after", "expected"),
    [
        # 2026-06-01 is a Monday: OR rule fires on the 1st and on Mondays.
        ("0 9 1 * 1", utc(2026, 5, 28), [utc(2026, 6, 1, 9), utc(2026, 6, 8, 9), utc(2026, 6, 15, 9)]),
        ("0 9 1 * 1", utc(2026, 6, 22, 10), [utc(2026, 6, 29, 9), utc(2026, 7, 1, 9), utc(2026, 7, 6, 9)]),
        # DOM_STAR: "*/2" ANDs with Monday, so only odd days that are Mondays.
        ("0 9 */2 * 1", utc(2026, 6, 1), [utc(2026, 6, 1, 9), utc(2026, 6, 15, 9), utc(2026, 6, 29, 9)]),
        ("0 9 * * 1-5", utc(2026, 6, 5, 9), [utc(2026, 6, 8, 9), utc(2026, 6, 9, 9), utc(2026, 6, 10, 9)]),
        ("0 9 * * mon-fri", utc(2026, 6, 5, 8, 59, 59), [utc(2026, 6, 5, 9), utc(2026, 6, 8, 9)]),
        ("0 9 * * 0", utc(2026, 6, 1), [utc(2026, 6, 7, 9), utc(2026, 6, 14, 9)]),
        ("0 9 * * 7", utc(2026, 6, 1), [utc(2026, 6, 7, 9), utc(2026, 6, 14, 9)]),
        ("0 9 * * 5-7", utc(2026, 6, 4), [utc(2026, 6, 5, 9), utc(2026, 6, 6, 9), utc(2026, 6, 7, 9)]),
        ("0 0 29 2 *", utc(2026, 1, 1), [utc(2028, 2, 29), utc(2032, 2, 29)]),
        ("0 0 29 2 *", utc(2096, 3, 1), [utc(2104, 2, 29)]),  # 2100 is not a leap year
        ("0 0 31 * *", utc(2026, 1, 31), [utc(2026, 3, 31), utc(2026, 5, 31), utc(2026, 7, 31)]),
        ("@yearly", utc(2026, 12, 31, 23, 59), [utc(2027, 1, 1), utc(2028, 1, 1)]),
        ("59 23 31 12 *", utc(2026, 12, 31, 23, 59), [utc(2027, 12, 31, 23, 59)]),
        ("*/15 * * * *", utc(2026, 6, 1, 23, 50), [utc(2026, 6, 2), utc(2026, 6, 2, 0, 15)]),
        ("* * * * *", utc(2026, 6, 1, 0, 0, 0, 1), [utc(2026, 6, 1, 0, 1), utc(2026, 6, 1, 0, 2)]),
        ("0 0 13 * 5", utc(2026, 2, 12), [utc(2026, 2, 13), utc(2026, 2, 20), utc(2026, 2, 27)]),
        ("0 0 13 * */7", utc(2026, 1, 1), [utc(2026, 9, 13), utc(2026, 12, 13)]),  # 13th AND Sunday
    ],
)
def test_next_fires_in_utc(text, after, expected):
    assert fires(text, "UTC", after, len(expected)) == expected


def test_after_is_strictly_exceeded_and_may_be_any_offset():
    expr = CronExpression.parse("0 9 * * *")
    assert expr.next_fire(utc(2026, 6, 1, 9)) == utc(2026, 6, 2, 9)
    plus_two = timezone(timedelta(hours=2))
    assert expr.next_fire(datetime(2026, 6, 1, 11, tzinfo=plus_two)) == utc(2026, 6, 2, 9)
    with pytest.raises(ValueError, match="aware"):
        expr.next_fire(datetime(2026, 6, 1))  # noqa: DTZ001 - the point of the test


BERLIN_CASES = [
    # Spring forward 2026-03-29: 02:00 CET -> 03:00 CEST at 01:00 UTC.
    ("30 2 * * *", utc(2026, 3, 28, 12), [utc(2026, 3, 29, 1), utc(2026, 3, 30, 0, 30)]),
    ("0,15,30,45 2 * * *", utc(2026, 3, 29, 0, 50), [utc(2026, 3, 29, 1), utc(2026, 3, 30, 0)]),
    ("0 2,3 * * *", utc(2026, 3, 29), [utc(2026, 3, 29, 1), utc(2026, 3, 30, 0)]),  # 02:00 and 03:00 coincide
    ("0 1-5 * * *", utc(2026, 3, 28, 23), [utc(2026, 3, 29, 0), utc(2026, 3, 29, 1), utc(2026, 3, 29, 2)]),
    ("30 2 29 3 *", utc(2026, 1, 1), [utc(2026, 3, 29, 1), utc(2027, 3, 29, 0, 30)]),
    (
        "*/30 * * * *",
        utc(2026, 3, 29, 0),
        [utc(2026, 3, 29, 0, 30), utc(2026, 3, 29, 1), utc(2026, 3, 29, 1, 30)],
    ),
    ("0 * * * *", utc(2026, 3, 28, 23, 30), [utc(2026, 3, 29, 0), utc(2026, 3, 29, 1), utc(2026, 3, 29, 2)]),
    ("30 2 * * *", utc(2026, 3, 29, 1), [utc(2026, 3, 30, 0, 30)]),  # the jump itself has passed
    ("* 2 * * *", utc(2026, 3, 28, 12), [utc(2026, 3, 30, 0)]),  # wildcard: no 02:xx that day
    # Fall back 2026-10-25: 03:00 CEST -> 02:00 CET at 01:00 UTC; 02:xx happens twice.
    ("30 2 * * *", utc(2026, 10, 24, 12), [utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)]),
    ("30 2 * * *", utc(2026, 10, 25, 1, 15), [utc(2026, 10, 26, 1, 30)]),  # after, in the repeat
    (
        "*/30 * * * *",
        utc(2026, 10, 24, 23, 45),
        [
            utc(2026, 10, 25, 0),
            utc(2026, 10, 25, 0, 30),
            utc(2026, 10, 25, 1),
            utc(2026, 10, 25, 1, 30),
            utc(2026, 10, 25, 2),
        ],
    ),
    (
        "0 * * * *",
        utc(2026, 10, 24, 23, 30),
        [utc(2026, 10, 25), utc(2026, 10, 25, 1), utc(2026, 10, 25, 2), utc(2026, 10, 25, 3)],
    ),
    ("*/30 2 * * *", utc(2026, 10, 25, 0, 45), [utc(2026, 10, 25, 1), utc(2026, 10, 25, 1, 30)]),
    ("0 1-3 * * *", utc(2026, 10, 24, 23), [utc(2026, 10, 25), utc(2026, 10, 25, 2), utc(2026, 10, 26, 0)]),
]


@pytest.mark.parametrize(("text", "after", "expected"), BERLIN_CASES)
def test_berlin_dst_as_debian_cron(text, after, expected):
    assert fires(text, "Europe/Berlin", after, len(expected)) == expected


NEW_YORK_CASES = [
    # Spring forward 2026-03-08: 02:00 EST -> 03:00 EDT at 07:00 UTC.
    ("30 2 * * *", utc(2026, 3, 7), [utc(2026, 3, 7, 7, 30), utc(2026, 3, 8, 7), utc(2026, 3, 9, 6, 30)]),
    ("*/30 * * * *", utc(2026, 3, 8, 6, 15), [utc(2026, 3, 8, 6, 30), utc(2026, 3, 8, 7), utc(2026, 3, 8, 7, 30)]),
    # Fall back 2026-11-01: 02:00 EDT -> 01:00 EST at 06:00 UTC.
    ("30 1 * * *", utc(2026, 10, 31, 12), [utc(2026, 11, 1, 5, 30), utc(2026, 11, 2, 6, 30)]),
    (
        "30 * * * *",
        utc(2026, 11, 1, 4, 45),
        [utc(2026, 11, 1, 5, 30), utc(2026, 11, 1, 6, 30), utc(2026, 11, 1, 7, 30)],
    ),
    ("0 9 * * 1-5", utc(2026, 10, 30, 14), [utc(2026, 11, 2, 14), utc(2026, 11, 3, 14)]),
]


@pytest.mark.parametrize(("text", "after", "expected"), NEW_YORK_CASES)
def test_new_york_dst_as_debian_cron(text, after, expected):
    assert fires(text, "America/New_York", after, len(expected)) == expected


LORD_HOWE_CASES = [
    # 30-minute DST. Ends 2026-04-05: 02:00 +11 -> 01:30 +10:30 at 15:00 UTC (Apr 4).
    ("45 1 * * *", utc(2026, 4, 4, 12), [utc(2026, 4, 4, 14, 45), utc(2026, 4, 5, 15, 15)]),
    ("45 * * * *", utc(2026, 4, 4, 13), [utc(2026, 4, 4, 13, 45), utc(2026, 4, 4, 14, 45), utc(2026, 4, 4, 15, 15)]),
    # Starts 2026-10-04: 02:00 +10:30 -> 02:30 +11 at 15:30 UTC (Oct 3).
    ("15 2 * * *", utc(2026, 10, 3, 12), [utc(2026, 10, 3, 15, 30), utc(2026, 10, 4, 15, 15)]),
    ("*/15 * * * *", utc(2026, 10, 3, 15, 10), [utc(2026, 10, 3, 15, 15), utc(2026, 10, 3, 15, 30)]),
]


@pytest.mark.parametrize(("text", "after", "expected"), LORD_HOWE_CASES)
def test_lord_howe_half_hour_dst(text, after, expected):
    assert fires(text, "Australia/Lord_Howe", after, len(expected)) == expected


def test_chatham_fixed_time_in_the_gap_runs_at_the_jump():
    # Chatham 2026-09-27: 02:45 +12:45 -> 03:45 +13:45 at 14:00 UTC (Sep 26).
    assert fires("0 3 * * *", "Pacific/Chatham", utc(2026, 9, 26, 12), 2) == [
        utc(2026, 9, 26, 14),
        utc(2026, 9, 27, 13, 15),
    ]
