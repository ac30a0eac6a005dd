"""Schedule-engine benchmark: time per ``next_fire`` call, against APScheduler 3's CronTrigger.

Run: ``.venv/bin/python bench/bench_schedules.py [--samples 2000]``

For each expression, ``next_fire`` is timed from many seeded random instants over
2026-2027 (DST changes included) in its zone; the same instants are given to an
APScheduler 3 ``CronTrigger`` with equivalent fields (``get_next_fire_time``).
Expressions whose day fields would be ORed are left out: CronTrigger ANDs them.
Prints median and p99 in microseconds per call, and the median ratio.

A second table times ``next_fire`` from instants within three hours of a DST
change against the same expressions on ordinary days (the same run, the same
zones), and the recovery of an every-minute task across a change (all fires in
the six hours around it), to show the engine costs the same there.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.schedules import CronExpression

# (expression, zone, APScheduler fields: minute hour day month day_of_week)
CASES: list[tuple[str, str, tuple[str, str, str, str, str]]] = [
    ("*/15 * * * *", "UTC", ("*/15", "*", "*", "*", "*")),
    ("0 9 * * 1-5", "Europe/Berlin", ("0", "9", "*", "*", "mon-fri")),
    ("30 2 * * *", "Europe/Berlin", ("30", "2", "*", "*", "*")),
    ("0 * * * *", "America/New_York", ("0", "*", "*", "*", "*")),
    ("5 4 * * sun", "UTC", ("5", "4", "*", "*", "sun")),
    ("0 0 1 1 *", "Asia/Tokyo", ("0", "0", "1", "1", "*")),
    ("0 0 29 2 *", "UTC", ("0", "0", "29", "2", "*")),
    ("15,45 8-18/2 1-15 */3 *", "Europe/London", ("15,45", "8-18/2", "1-15", "*/3", "*")),
]


def time_calls(call: Callable[[datetime], object], instants: list[datetime]) -> list[float]:
    """Microseconds per call, one sample per instant."""
    out = []
    for at in instants:
        start = time.perf_counter_ns()
        call(at)
        out.append((time.perf_counter_ns() - start) / 1000)
    return out


def p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100)[98]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=2000)
    args = parser.parse_args()
    rng = random.Random(42)
    base = datetime(2026, 1, 1, tzinfo=UTC)
    instants = [base + timedelta(seconds=rng.randrange(2 * 365 * 86400)) for _ in range(args.samples)]

    print(f"{'expression':<26}{'zone':<18}{'ours med':>9}{'p99':>8}{'APS med':>9}{'p99':>8}{'APS/ours':>10}")
    ours_all: list[float] = []
    aps_all: list[float] = []
    for text, zone, (minute, hour, day, month, dow) in CASES:
        tz = ZoneInfo(zone)
        expr = CronExpression.parse(text)
        trigger = CronTrigger(minute=minute, hour=hour, day=day, month=month, day_of_week=dow, timezone=tz)
        for at in instants[:50]:  # warm caches on both sides
            expr.next_fire(at, tz)
            trigger.get_next_fire_time(None, at)
        ours = time_calls(partial(expr.next_fire, tz=tz), instants)
        aps = time_calls(partial(trigger.get_next_fire_time, None), instants)
        ours_all += ours
        aps_all += aps
        ours_med, aps_med = statistics.median(ours), statistics.median(aps)
        print(
            f"{text:<26}{zone:<18}{ours_med:>9.1f}{p99(ours):>8.1f}{aps_med:>9.1f}{p99(aps):>8.1f}"
            f"{aps_med / ours_med:>9.1f}x"
        )
    ours_med, aps_med = statistics.median(ours_all), statistics.median(aps_all)
    print(
        f"{'all':<44}{ours_med:>9.1f}{p99(ours_all):>8.1f}{aps_med:>9.1f}{p99(aps_all):>8.1f}"
        f"{aps_med / ours_med:>9.1f}x"
    )
    print("(microseconds per next-fire call; APS = APScheduler 3 CronTrigger.get_next_fire_time)")
    near_dst(args.samples)


DST_CASES = [
    ("* * * * *", "Europe/Berlin"),
    ("*/15 * * * *", "America/New_York"),
    ("30 2 * * *", "Europe/Berlin"),
    ("0 * * * *", "Australia/Lord_Howe"),
]
CHANGES = {
    "Europe/Berlin": [datetime(2026, 3, 29, 1, tzinfo=UTC), datetime(2026, 10, 25, 1, tzinfo=UTC)],
    "America/New_York": [datetime(2026, 3, 8, 7, tzinfo=UTC), datetime(2026, 11, 1, 6, tzinfo=UTC)],
    "Australia/Lord_Howe": [datetime(2026, 4, 4, 15, tzinfo=UTC), datetime(2026, 10, 3, 15, 30, tzinfo=UTC)],
}


def near_dst(samples: int) -> None:
    """next_fire within 3 h of a DST change vs on ordinary days, and recovering across a change."""
    rng = random.Random(7)
    print()
    print(f"{'expression':<26}{'zone':<22}{'near med':>9}{'p99':>8}{'ordinary':>9}{'p99':>8}{'near/ord':>10}")
    for text, zone in DST_CASES:
        tz = ZoneInfo(zone)
        expr = CronExpression.parse(text)
        changes = CHANGES[zone]
        near = [rng.choice(changes) + timedelta(seconds=rng.randrange(-3 * 3600, 3 * 3600)) for _ in range(samples)]
        ordinary = [t + timedelta(days=rng.choice((-20, -10, 10, 20))) for t in near]
        for at in near[:50] + ordinary[:50]:
            expr.next_fire(at, tz)
        n = time_calls(partial(expr.next_fire, tz=tz), near)
        o = time_calls(partial(expr.next_fire, tz=tz), ordinary)
        n_med, o_med = statistics.median(n), statistics.median(o)
        print(f"{text:<26}{zone:<22}{n_med:>9.1f}{p99(n):>8.1f}{o_med:>9.1f}{p99(o):>8.1f}{n_med / o_med:>9.2f}x")
    print("(microseconds per next-fire call; near = within 3 h of a change)")
    expr, tz = CronExpression.parse("* * * * *"), ZoneInfo("Europe/Berlin")
    for label, start in (
        ("across a change", datetime(2026, 3, 28, 22, tzinfo=UTC)),
        ("ordinary", datetime(2026, 3, 18, 22, tzinfo=UTC)),
    ):
        runs = []
        for _ in range(5):
            t0 = time.perf_counter()
            after, count = start, 0
            while (after := expr.next_fire(after, tz)) <= start + timedelta(hours=6):
                count += 1
            runs.append((time.perf_counter() - t0) * 1000)
        print(f"recovering 6 h of an every-minute task {label}: {count} fires, median {statistics.median(runs):.1f} ms")


if __name__ == "__main__":
    main()
