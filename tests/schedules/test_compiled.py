"""Compiled schedules: once, interval and cron behind one interface, with descriptions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from app.errors import InvalidCron, InvalidTimezone, ScheduleInPast
from app.schedules import CronSpec, IntervalSpec, OnceSpec, compile_schedule, validate_schedule

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, us, tzinfo=UTC)


def naive(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute)  # noqa: DTZ001 - a wall-clock time on purpose


@pytest.mark.parametrize(
    ("at", "tz", "instant"),
    [
        (naive(2026, 12, 24, 18), "Europe/Paris", utc(2026, 12, 24, 17)),
        (naive(2026, 7, 1, 9), "America/New_York", utc(2026, 7, 1, 13)),
        (datetime(2026, 12, 24, 18, tzinfo=timezone(timedelta(hours=-5))), "Europe/Paris", utc(2026, 12, 24, 23)),
        # Repeated (fall back): fold=0, the first occurrence.
        (naive(2026, 10, 25, 2, 30), "Europe/Berlin", utc(2026, 10, 25, 0, 30)),
        # In the spring-forward gap: the moment the clock jumps (03:00 CEST), as a cron time there.
        (naive(2026, 3, 29, 2, 30), "Europe/Berlin", utc(2026, 3, 29, 1, 0)),
        (naive(2026, 3, 8, 2, 59), "America/New_York", utc(2026, 3, 8, 7, 0)),
    ],
)
def test_once_reads_naive_times_in_its_zone(at, tz, instant):
    now = utc(2026, 1, 1)
    compiled = validate_schedule(OnceSpec(at=at, timezone=tz), now=now)
    assert compiled.next_fire(now) == instant
    assert compiled.next_fire(instant) is None
    assert compiled.next_fires(now, 3) == [instant]


def test_once_in_the_past_is_rejected_with_both_instants():
    with pytest.raises(ScheduleInPast) as caught:
        validate_schedule(OnceSpec(at=naive(2026, 6, 1, 13), timezone="Europe/Berlin"), now=NOW)
    assert "2026-06-01T13:00:00+02:00" in caught.value.message
    assert "2026-06-01T14:00:00+02:00" in caught.value.message
    assert caught.value.details == {"at": "2026-06-01T11:00:00+00:00", "now": "2026-06-01T12:00:00+00:00"}
    with pytest.raises(ScheduleInPast):
        validate_schedule(OnceSpec(at=NOW), now=NOW)  # "now" is not in the future


def test_once_without_now_compiles_even_if_past():
    compiled = compile_schedule(OnceSpec(at=naive(2020, 1, 1)), anchor=NOW)
    assert compiled.next_fire(NOW) is None
    assert compiled.fires_between(utc(2019, 1, 1), NOW, 10) == [utc(2020, 1, 1)]


@pytest.mark.parametrize(
    ("every", "after", "expected"),
    [
        (900, NOW - timedelta(days=1), [NOW + timedelta(seconds=900), NOW + timedelta(seconds=1800)]),
        (900, NOW, [NOW + timedelta(seconds=900), NOW + timedelta(seconds=1800)]),
        (900, NOW + timedelta(seconds=899), [NOW + timedelta(seconds=900)]),
        (900, NOW + timedelta(seconds=900), [NOW + timedelta(seconds=1800)]),
        (7, NOW + timedelta(hours=1, seconds=3), [NOW + timedelta(seconds=3605), NOW + timedelta(seconds=3612)]),
    ],
)
def test_interval_counts_from_its_anchor(every, after, expected):
    compiled = compile_schedule(IntervalSpec(every_seconds=every, timezone="Europe/Berlin"), anchor=NOW)
    assert compiled.next_fires(after, len(expected)) == expected


def test_interval_is_real_time_across_dst():
    anchor = utc(2026, 10, 24, 23)
    compiled = compile_schedule(IntervalSpec(every_seconds=3600, timezone="Europe/Berlin"), anchor=anchor)
    assert compiled.next_fires(anchor, 4) == [anchor + timedelta(hours=k) for k in range(1, 5)]


def test_fires_between_is_half_open_and_bounded():
    compiled = compile_schedule(CronSpec(cron="0 * * * *"), anchor=NOW)
    assert compiled.fires_between(utc(2026, 6, 1, 9), utc(2026, 6, 1, 12), 100) == [
        utc(2026, 6, 1, 10),
        utc(2026, 6, 1, 11),
        utc(2026, 6, 1, 12),
    ]
    assert compiled.fires_between(utc(2026, 6, 1, 9), utc(2026, 6, 9), 5) == [utc(2026, 6, 1, h) for h in range(10, 15)]
    assert compiled.fires_between(NOW, NOW, 5) == []


def test_cron_fires_on_the_wall_clock_of_its_zone():
    compiled = validate_schedule(CronSpec(cron="0 9 * * 1-5", timezone="europe/berlin"), now=NOW)
    assert compiled.tz.key == "Europe/Berlin"
    assert compiled.next_fires(NOW, 3) == [utc(2026, 6, 2, 7), utc(2026, 6, 3, 7), utc(2026, 6, 4, 7)]


def test_errors_surface_from_compile():
    with pytest.raises(InvalidCron):
        compile_schedule(CronSpec(cron="0 0 30 2 *"), anchor=NOW)
    with pytest.raises(InvalidTimezone):
        compile_schedule(IntervalSpec(every_seconds=60, timezone="Berln"), anchor=NOW)
    with pytest.raises(ValueError, match="aware"):
        compile_schedule(IntervalSpec(every_seconds=60), anchor=naive(2026, 1, 1))


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        (CronSpec(cron="0 9 * * 1-5", timezone="Europe/Berlin"), "At 09:00, Monday through Friday (Europe/Berlin)"),
        (CronSpec(cron="0 9 * * 7"), "At 09:00, only on Sunday (UTC)"),
        (CronSpec(cron="0 9 * * 0,7"), "At 09:00, only on Sunday (UTC)"),
        (CronSpec(cron="0 9 * * 5-7"), "At 09:00, Friday through Sunday (UTC)"),
        (CronSpec(cron="*/15 * * * *"), "Every 15 minutes (UTC)"),
        (CronSpec(cron="@weekly"), "At 00:00, only on Sunday (UTC)"),
        (CronSpec(cron="0 9 1 * 1"), "At 09:00, on day 1 of the month, or on Monday (UTC)"),
        (
            CronSpec(cron="0 9 1,15 * mon-fri"),
            "At 09:00, on day 1 and 15 of the month, or on Monday through Friday (UTC)",
        ),
        (CronSpec(cron="0 9 */2 * 1"), "At 09:00, every 2 days, if it is Monday (UTC)"),
        (
            CronSpec(cron="0 9 1 jan,jul 1"),
            "At 09:00, on day 1 of the month, or on Monday, only in January and July (UTC)",
        ),
        (OnceSpec(at=naive(2026, 12, 24, 18), timezone="Europe/Paris"), "Once, at 2026-12-24 18:00 (Europe/Paris)"),
        (IntervalSpec(every_seconds=900), "Every 15 minutes"),
        (IntervalSpec(every_seconds=7200), "Every 2 hours"),
        (IntervalSpec(every_seconds=90), "Every 90 seconds"),
        (IntervalSpec(every_seconds=60), "Every minute"),
        (IntervalSpec(every_seconds=1), "Every second"),
        (IntervalSpec(every_seconds=172800), "Every 2 days"),
    ],
)
def test_descriptions(spec, words):
    assert compile_schedule(spec, anchor=NOW).describe() == words


@pytest.mark.parametrize(
    ("at", "tz", "cron"),
    [
        (naive(2026, 3, 29, 2, 30), "Europe/Berlin", "30 2 29 3 *"),
        (naive(2026, 3, 8, 2, 15), "America/New_York", "15 2 8 3 *"),
        (naive(2026, 10, 4, 2, 10), "Australia/Lord_Howe", "10 2 4 10 *"),
    ],
)
def test_once_in_a_spring_forward_gap_fires_when_cron_would(at, tz, cron):
    now = utc(2026, 1, 1)
    once = validate_schedule(OnceSpec(at=at, timezone=tz), now=now)
    same_time_cron = validate_schedule(CronSpec(cron=cron, timezone=tz), now=now)
    assert once.next_fire(now) == same_time_cron.next_fire(now)
    (note,) = once.notes()
    assert f"{at:%H:%M} does not exist" in note and "clock jumps" in note
    assert note in once.describe()


def test_once_outside_a_gap_has_no_notes():
    compiled = validate_schedule(OnceSpec(at=naive(2026, 3, 29, 3, 30), timezone="Europe/Berlin"), now=utc(2026, 1, 1))
    assert compiled.notes() == []
    assert compiled.describe() == "Once, at 2026-03-29 03:30 (Europe/Berlin)"
