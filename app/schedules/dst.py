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

Computing: the next matching wall time is converted with the offset in force
at ``after``; when no offset change lies within ``_SLACK`` of ``after`` or of
that result, it is the answer. Otherwise every wall time from ``after - _SLACK``
is mapped to its instants by the rules above and the earliest instant after
``after`` wins. This assumes a change shifts the clock by less than ``_SLACK``
and that changes are more than ``2 * _SLACK`` apart, true of every zone today.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, tzinfo

_SLACK = timedelta(hours=3)
_NEAR_LIMIT = 100_000  # wall times examined near one change: 3 h of minutes is ~400


def next_instant(next_local: Callable[[datetime], datetime], wild: bool, after: datetime, tz: tzinfo) -> datetime:
    """The first instant strictly after the aware ``after`` (in UTC) whose wall time ``next_local`` yields."""
    if after.tzinfo is None:
        raise ValueError("after must be timezone-aware")
    after = after.astimezone(UTC)
    wall = after.astimezone(tz)
    offset = wall.utcoffset()
    assert offset is not None
    local = next_local(wall.replace(tzinfo=None))
    candidate = (local - offset).replace(tzinfo=UTC)
    probes = (after - _SLACK, after + _SLACK, candidate - _SLACK, candidate, candidate + _SLACK)
    if all(p.astimezone(tz).utcoffset() == offset for p in probes):
        return candidate
    return _near_change(next_local, wild, after, tz)


def _near_change(next_local: Callable[[datetime], datetime], wild: bool, after: datetime, tz: tzinfo) -> datetime:
    local = after.astimezone(tz).replace(tzinfo=None) - _SLACK
    best: datetime | None = None
    best_local = local
    for _ in range(_NEAR_LIMIT):
        local = next_local(local)
        if best is not None and local > best_local + _SLACK:
            return best  # later wall times are later real instants too
        for instant in instants(local, tz, wild=wild):
            if instant > after and (best is None or instant < best):
                best, best_local = instant, local
    raise RuntimeError(f"no fire found near a clock change after {after.isoformat()}")  # pragma: no cover


def instants(local: datetime, tz: tzinfo, *, wild: bool) -> list[datetime]:
    """The real instants (UTC) at which a job due at wall time ``local`` runs, in order."""
    first = local.replace(tzinfo=tz, fold=0).astimezone(UTC)
    second = local.replace(tzinfo=tz, fold=1).astimezone(UTC)
    if first == second:
        return [first]
    if first.astimezone(tz).replace(tzinfo=None) != local:  # in a gap: the time does not exist
        return [] if wild else [_jump(local, tz, second, first)]
    return [first, second] if wild else [first]


def _jump(local: datetime, tz: tzinfo, low: datetime, high: datetime) -> datetime:
    """The instant the clock jumps over ``local``: the first second in [low, high] whose wall time is later."""
    lo, hi = int(low.timestamp()), int(high.timestamp())
    while lo < hi:
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, tz).replace(tzinfo=None) > local:
            hi = mid
        else:
            lo = mid + 1
    return datetime.fromtimestamp(lo, UTC)
