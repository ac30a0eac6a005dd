"""Standard 5-field cron expressions with Vixie/Debian cron meaning, and their fire times.

Meaning (as in Vixie cron, which Debian's cron is):

- fields: minute 0-59, hour 0-23, day-of-month 1-31, month 1-12 or jan-dec,
  day-of-week 0-7 or sun-sat where 0 and 7 are Sunday; ``*``, ``a-b``, lists,
  steps ``*/n``, ``a-b/n`` and ``a/n`` (from a to the field's maximum);
  macros ``@yearly @annually @monthly @weekly @daily @midnight @hourly``.
- a field is "unrestricted" when its text starts with ``*`` (Vixie's DOM_STAR /
  DOW_STAR). When both day fields are restricted a day matches if EITHER does;
  otherwise both must (the unrestricted one matches every day).

Time zones and DST, as Debian cron does it (``wild`` below means the minute or
hour field starts with ``*``):

- wall-clock times stay on the wall clock of the schedule's zone;
- a time that does not exist (spring forward): a fixed-time job runs at the
  moment the clock jumps, once; a wild job simply has no such time;
- a time that occurs twice (fall back): a fixed-time job runs at the first
  occurrence only; a wild job runs at both, since they are distinct real moments
  (so ``0 * * * *`` keeps firing every real hour).
"""

from __future__ import annotations

import calendar
from bisect import bisect_left
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from app.errors import InvalidCron

FIELDS = ("minute", "hour", "day-of-month", "month", "day-of-week")
_RANGES = {
    "minute": (0, 59),
    "hour": (0, 23),
    "day-of-month": (1, 31),
    "month": (1, 12),
    "day-of-week": (0, 7),
}
_NAMES = {
    "month": {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m},
    "day-of-week": {d: i for i, d in enumerate(["sun", "mon", "tue", "wed", "thu", "fri", "sat"])},
}
MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
# DST shifts are at most a few hours; candidates further apart than this keep their order.
_SLACK = timedelta(hours=3)
_MINUTE = timedelta(minutes=1)
_DAYS_IN_MONTH_MAX = {1: 31, 2: 29, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31, 11: 30, 12: 31}


@dataclass(frozen=True)
class CronExpression:
    text: str  # as given (macros kept)
    fields: tuple[str, ...]  # the five fields, macro expanded
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    doms: frozenset[int]
    months: tuple[int, ...]
    dows: frozenset[int]  # 0-6, Sunday 0
    dom_star: bool
    dow_star: bool
    wild: bool  # minute or hour starts with "*": keeps real time across DST

    @classmethod
    def parse(cls, text: str) -> CronExpression:
        """Parse cron text; any error raises InvalidCron naming the field and what is wrong."""
        raw = " ".join(text.split())
        expanded = raw
        if raw.startswith("@"):
            if raw.lower() == "@reboot":
                raise InvalidCron(
                    "@reboot is not supported: tasks run on a time schedule", field="expression", value=raw
                )
            if raw.lower() not in MACROS:
                raise InvalidCron(
                    f"Unknown cron macro {raw!r}; use one of {', '.join(MACROS)}",
                    field="expression",
                    value=raw,
                )
            expanded = MACROS[raw.lower()]
        parts = expanded.split(" ")
        if len(parts) != 5 or not raw:
            raise InvalidCron(
                f"Invalid cron expression {raw!r}: expected 5 fields (minute hour day-of-month month "
                f"day-of-week), got {len(parts) if raw else 0}",
                field="expression",
                value=raw,
            )
        values = [_parse_field(name, part, raw) for name, part in zip(FIELDS, parts, strict=True)]
        dows = frozenset(0 if d == 7 else d for d in values[4])
        expr = cls(
            text=raw,
            fields=tuple(parts),
            minutes=tuple(sorted(values[0])),
            hours=tuple(sorted(values[1])),
            doms=frozenset(values[2]),
            months=tuple(sorted(values[3])),
            dows=dows,
            dom_star=parts[2].startswith("*"),
            dow_star=parts[4].startswith("*"),
            wild=parts[0].startswith("*") or parts[1].startswith("*"),
        )
        expr._check_possible()
        return expr

    def _check_possible(self) -> None:
        # Only day-of-month can make an expression never fire (e.g. Feb 30), and only when it
        # alone decides the day: with a restricted day-of-week the OR rule always finds days.
        if self.dow_star or self.dom_star:
            longest = max(_DAYS_IN_MONTH_MAX[m] for m in self.months)
            if self.dom_star or min(self.doms) <= longest:
                return
            raise InvalidCron(
                f"Invalid cron expression {self.text!r}: day-of-month {self.fields[2]} never occurs in "
                f"month {self.fields[3]}, so it would never run",
                field="day-of-month",
                value=self.text,
            )

    def canonical(self) -> str:
        """The expression with day-of-week 7 written as 0, for describing in words."""
        dow = self.fields[4]
        if "7" in dow and not self.dow_star:
            dow = ",".join(str(d) for d in sorted(self.dows))
        return " ".join((*self.fields[:4], dow))

    # -- matching on the wall clock --------------------------------------------------------------
    def day_matches(self, year: int, month: int, day: int) -> bool:
        dom_ok = day in self.doms
        dow_ok = (calendar.weekday(year, month, day) + 1) % 7 in self.dows
        if self.dom_star or self.dow_star:
            return dom_ok and dow_ok
        return dom_ok or dow_ok

    def next_local(self, after: datetime) -> datetime:
        """The first matching naive wall-clock minute strictly after ``after`` (naive)."""
        t = after.replace(second=0, microsecond=0) + _MINUTE
        for _ in range(20_000):
            if t.month not in self.months:
                i = bisect_left(self.months, t.month)
                t = (
                    datetime(t.year, self.months[i], 1)
                    if i < len(self.months)
                    else datetime(t.year + 1, self.months[0], 1)
                )
                continue
            if not self.day_matches(t.year, t.month, t.day):
                t = datetime(t.year, t.month, t.day) + timedelta(days=1)
                continue
            if t.hour not in self.hours:
                i = bisect_left(self.hours, t.hour)
                if i == len(self.hours):
                    t = datetime(t.year, t.month, t.day) + timedelta(days=1)
                else:
                    t = t.replace(hour=self.hours[i], minute=0)
                continue
            if t.minute not in self.minutes:
                i = bisect_left(self.minutes, t.minute)
                if i == len(self.minutes):
                    t = t.replace(minute=0) + timedelta(hours=1)
                else:
                    t = t.replace(minute=self.minutes[i])
                continue
            return t
        raise InvalidCron(
            f"cron expression {self.text!r} has no fire time within years",
            field="expression",
            value=self.text,
        )

    # -- real instants ---------------------------------------------------------------------------
    def next_fire(self, after: datetime, tz: ZoneInfo) -> datetime:
        """The first fire strictly after the aware instant ``after``, in UTC, DST handled as Debian cron."""
        after = after.astimezone(UTC)
        wall = after.astimezone(tz)
        offset = wall.utcoffset()
        local = self.next_local(wall.replace(tzinfo=None))
        assert offset is not None  # a ZoneInfo always has an offset for aware times
        candidate = (local - offset).replace(tzinfo=UTC)
        if _steady(tz, after, candidate, offset):
            return candidate
        return self._next_fire_near_transition(after, tz)

    def _next_fire_near_transition(self, after: datetime, tz: ZoneInfo) -> datetime:
        start = after.astimezone(tz).replace(tzinfo=None) - _SLACK
        best: datetime | None = None
        best_local: datetime | None = None
        local = start
        for _ in range(100_000):
            local = self.next_local(local)
            if best_local is not None and local > best_local + _SLACK:
                break
            for instant in self._instants(local, tz):
                if instant > after and (best is None or instant < best):
                    best, best_local = instant, local
        assert best is not None
        return best

    def _instants(self, local: datetime, tz: ZoneInfo) -> list[datetime]:
        first = local.replace(tzinfo=tz, fold=0).astimezone(UTC)
        second = local.replace(tzinfo=tz, fold=1).astimezone(UTC)
        exists = first.astimezone(tz).replace(tzinfo=None) == local
        if not exists:
            return [] if self.wild else [_jump_instant(local, tz, min(first, second), max(first, second))]
        if first == second or self.wild:
            return sorted({first, second})
        return [min(first, second)]


def _steady(tz: ZoneInfo, after: datetime, candidate: datetime, offset: timedelta) -> bool:
    """No DST change around either end: the wall-clock candidate maps to one instant."""
    return (
        all((p.astimezone(tz).utcoffset() == offset) for p in (after - _SLACK, candidate, candidate + _SLACK))
        and candidate > after
    )


def _jump_instant(local: datetime, tz: ZoneInfo, low: datetime, high: datetime) -> datetime:
    """The instant the wall clock jumps over ``local`` (between ``low`` and ``high``)."""
    lo, hi = int(low.timestamp()), int(high.timestamp())
    while lo < hi:  # first second whose wall time is past ``local``
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, tz).replace(tzinfo=None) > local:
            hi = mid
        else:
            lo = mid + 1
    return datetime.fromtimestamp(lo, UTC)


def _parse_field(name: str, text: str, expr: str) -> set[int]:
    low, high = _RANGES[name]
    names = _NAMES.get(name, {})
    out: set[int] = set()

    def bad(why: str) -> InvalidCron:
        return InvalidCron(f"Invalid cron expression {expr!r}: {name} {why}", field=name, value=expr)

    def number(token: str) -> int:
        if token.lower() in names:
            return names[token.lower()]
        if not token.isdigit():
            raise bad(f"value {token!r} is not a number" + (" or a name" if names else ""))
        value = int(token)
        if not low <= value <= high:
            raise bad(f"value {value} is out of range {low}-{high}")
        return value

    if not text:
        raise bad("is empty")
    for item in text.split(","):
        base, _, step_text = item.partition("/")
        step = 1
        if _:
            if not step_text.isdigit() or int(step_text) == 0:
                raise bad(f"step {step_text!r} must be a whole number of at least 1")
            step = int(step_text)
        if base == "*":
            start, end = low, (6 if name == "day-of-week" else high)
        elif "-" in base:
            a, _, b = base.partition("-")
            start, end = number(a), number(b)
            if start > end:
                raise bad(f"range {base!r} runs backwards")
        else:
            start = number(base)
            end = (6 if name == "day-of-week" and start < 7 else high) if step_text else start
        out.update(range(start, end + 1, step))
    if not out:
        raise bad("matches nothing")
    return out


__all__ = ["FIELDS", "MACROS", "CronExpression"]
