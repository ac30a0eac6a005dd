"""From wall-clock fire times to real instants, with Debian cron's daylight-saving rules.

A cron job is written in wall-clock time of its zone. Debian's cron (``cron.c``,
``find_jobs(doWild, doNonWild)``) splits jobs in two by the MIN_STAR/HR_STAR
flags: a job is *wildcard* when its minute or hour field starts with ``*``
(``*/15 * * * *``, ``0 * * * *``, ``0 */2 * * *``, ``*/5 9 * * *``) and
*fixed* otherwise (``30 2 * * *``, ``0 9,17 * * *`` and also ``0 1-5 * * *``,
since only a leading ``*`` counts). The rules, exactly:

- Outside a change, a wall-clock time is the one real instant it names.
- Spring forward (wall times in the gap do not exist): a fixed job due in the
  gap runs at the moment the clock jumps, once even if several of its times
  fall in the gap (Berlin ``30 2 * * *`` on 2026-03-29 runs at 03:00 CEST =
  01:00 UTC). A wildcard job has no times in the gap; it just goes on after it.
- Fall back (wall times in the repeated hour occur twice): a fixed job runs at
  the first occurrence only (Berlin ``30 2 * * *`` on 2026-10-25 runs at
  02:30 CEST = 00:30 UTC, not again at 02:30 CET). A wildcard job runs at both,
  as they are distinct real moments (``0 * * * *`` fires at 02:00 CEST and at
  02:00 CET; ``*/15 * * * *`` fires every 15 real minutes throughout).

Computing: the real time line is cut at the zone's offset changes into segments
of constant offset. The changes of a zone are found once per (zone, year) and
cached (:func:`transitions`), so a call costs a dictionary look-up and a bisect
plus one ``next_local`` per segment it crosses: the same near a change as on
an ordinary day. Within a segment the first matching wall time after the lower
bound is the answer if it still lies in the segment; past its end, a fixed
job's wall time inside a spring-forward gap fires at the jump, and otherwise
the search goes on in the next segment, whose lower bound skips (for a fixed
job) the wall times a fall back repeats. Offset changes are found by sampling
every :data:`_SAMPLE` and then bisecting to the second, which assumes two
changes of one zone are never closer than that (true of every zone in tzdata).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache

_SAMPLE = timedelta(hours=6)
_TINY = timedelta(microseconds=1)
_MAX_SEGMENTS = 10_000  # a bug guard: one call never crosses more than a handful

Transition = tuple[datetime, timedelta, timedelta]  # (instant UTC, offset before, offset after)


def next_instant(next_local: Callable[[datetime], datetime], wild: bool, after: datetime, tz: tzinfo) -> datetime:
    """The first instant strictly after the aware ``after`` (in UTC) whose wall time ``next_local`` yields."""
    if after.tzinfo is None:
        raise ValueError("after must be timezone-aware")
    after = after.astimezone(UTC)
    offset = _offset(tz, after)
    start, before = _previous(tz, after)  # the change that began this segment, and the offset before it
    cursor = after  # changes strictly after this end the current segment
    low = after + offset  # wall times strictly after this are candidates in the current segment
    for _ in range(_MAX_SEGMENTS):
        if not wild and start is not None and before is not None and before > offset:
            # Just after a fall back: a fixed job ran at the first occurrence of the repeated times.
            low = max(low, start + before - _TINY)
        wall = next_local(_naive(low))
        instant = (wall - offset).replace(tzinfo=UTC)
        change = _following(tz, cursor)
        if change is None or instant < change[0]:
            return instant
        at, _old, new = change
        if not wild and new > offset and wall < _naive(at + new):
            return at  # a fixed job due in a spring-forward gap runs when the clock jumps
        start, before, offset, cursor = at, offset, new, at
        low = at + new - _TINY
    raise RuntimeError(f"no fire found after {after.isoformat()}")  # pragma: no cover


def _naive(at: datetime) -> datetime:
    return at.replace(tzinfo=None)


def _offset(tz: tzinfo, at: datetime) -> timedelta:
    offset = at.astimezone(tz).utcoffset()
    assert offset is not None
    return offset


def _previous(tz: tzinfo, at: datetime) -> tuple[datetime | None, timedelta | None]:
    """The latest change at or before ``at`` within about a year, and the offset before it."""
    for year in (at.year, at.year - 1) if at.year > 1 else (at.year,):
        changes = transitions(tz, year)
        i = bisect.bisect_right(changes, at, key=lambda c: c[0])
        if i:
            return changes[i - 1][0], changes[i - 1][1]
    return None, None


def _following(tz: tzinfo, at: datetime) -> Transition | None:
    """The first change strictly after ``at``; a year without one is skipped, up to year 9999."""
    year = at.year
    changes = transitions(tz, year)
    i = bisect.bisect_right(changes, at, key=lambda c: c[0])
    if i < len(changes):
        return changes[i]
    # Zones without changes for years (UTC, most of Asia) look ahead a few years only: a
    # schedule that far out crosses the look-ahead boundary as a pseudo change of no effect.
    for ahead in range(year + 1, min(year + 3, 9999) + 1):
        changes = transitions(tz, ahead)
        if changes:
            return changes[0]
    if year + 3 >= 9999:
        return None
    boundary = datetime(year + 3, 1, 1, tzinfo=UTC)
    offset = _offset(tz, boundary)
    return boundary, offset, offset


@lru_cache(maxsize=8192)
def transitions(tz: tzinfo, year: int) -> tuple[Transition, ...]:
    """The offset changes of ``tz`` in the UTC year ``year``, each to the second, in order."""
    begin = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC) if year < 9999 else datetime(9999, 12, 31, 12, tzinfo=UTC)
    out: list[Transition] = []
    t, off = begin, _offset(tz, begin)
    while t < end:
        nxt = min(t + _SAMPLE, end)
        new = _offset(tz, nxt)
        if new != off:
            at = _bisect_change(tz, t, nxt, off)
            out.append((at, off, new))
            off = new
        t = nxt
    return tuple(out)


def _bisect_change(tz: tzinfo, low: datetime, high: datetime, old: timedelta) -> datetime:
    """The first second in (low, high] whose offset is not ``old``."""
    lo, hi = int(low.timestamp()), int(high.timestamp())
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _offset(tz, datetime.fromtimestamp(mid, UTC)) == old:
            lo = mid
        else:
            hi = mid
    return datetime.fromtimestamp(hi, UTC)


def jump_over(local: datetime, tz: tzinfo) -> datetime:
    """The instant the clock jumps over the wall time ``local`` that a spring forward skips."""
    first = local.replace(tzinfo=tz, fold=0).astimezone(UTC)
    second = local.replace(tzinfo=tz, fold=1).astimezone(UTC)
    lo, hi = int(min(first, second).timestamp()), int(max(first, second).timestamp())
    while lo < hi:
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, tz).replace(tzinfo=None) > local:
            hi = mid
        else:
            lo = mid + 1
    return datetime.fromtimestamp(lo, UTC)
