"""Standard 5-field cron expressions with Vixie/Debian cron meaning, matched on the wall clock.

Meaning (Vixie cron's, which Debian's cron keeps):

- fields: minute 0-59, hour 0-23, day-of-month 1-31, month 1-12 or jan-dec,
  day-of-week 0-7 or sun-sat where 0 and 7 are both Sunday (7 also inside
  ranges: ``5-7``); names are case-insensitive. Items: ``*``, ``a``, ``a-b``,
  lists ``a,b``, steps ``*/n``, ``a-b/n`` and ``a/n`` (= ``a-max/n``, as cronie
  reads it); macros ``@yearly @annually @monthly @weekly @daily @midnight
  @hourly``. ``@reboot`` is rejected: tasks run on time schedules only.
- day fields: Vixie sets DOM_STAR / DOW_STAR when the field's text *starts
  with* ``*`` -- so ``*/2`` counts as unrestricted even though it skips days.
  If either flag is set a day must match both fields (the ``*`` one usually
  matches every day); if neither is set a day matches when EITHER field does.
  So ``0 9 1 * 1`` fires on the 1st and on every Monday, while ``0 9 */2 * 1``
  fires only on odd-numbered days that are Mondays.
- MIN_STAR / HR_STAR likewise mark a "wildcard" job (minute or hour text starts
  with ``*``); it decides the DST behaviour, see :mod:`app.schedules.dst`.

Fields are kept as bitmasks, so finding the next matching wall-clock minute
skips month by month, day by day (one mask per month) and hour by hour instead
of scanning minutes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo

from app.errors import InvalidCron
from app.schedules import dst

FIELDS = ("minute", "hour", "day-of-month", "month", "day-of-week")
_RANGES = {"minute": (0, 59), "hour": (0, 23), "day-of-month": (1, 31), "month": (1, 12), "day-of-week": (0, 7)}
# Spelled out rather than taken from ``calendar``, whose names follow the process locale.
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_NAMES = {
    "month": {name: i for i, name in enumerate(_MONTHS, start=1)},
    "day-of-week": {name: i for i, name in enumerate(_DAYS)},
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
_MONTH_DAYS_MAX = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
# Every date falls on every weekday within one 400-year Gregorian cycle, so a search
# longer than this (in months) means a bug, not a rare schedule.
_MAX_MONTHS = 400 * 12 + 12


@dataclass(frozen=True)
class CronExpression:
    """A parsed cron expression; build it with :meth:`parse`."""

    text: str  # as given, whitespace normalised (macros kept)
    fields: tuple[str, str, str, str, str]  # macro expanded
    minutes: frozenset[int]
    hours: frozenset[int]
    doms: frozenset[int]
    months: frozenset[int]
    dows: frozenset[int]  # 0-6, Sunday = 0 (7 folded into 0)
    dom_star: bool
    dow_star: bool
    wild: bool  # MIN_STAR or HR_STAR: keeps firing in real time across DST changes
    # next_x[v] = smallest allowed value >= v, or -1; one slot past the maximum.
    _next_minute: tuple[int, ...] = field(repr=False, compare=False)
    _next_hour: tuple[int, ...] = field(repr=False, compare=False)
    _next_month: tuple[int, ...] = field(repr=False, compare=False)
    _dom_mask: int = field(repr=False, compare=False)  # bit d set: day d allowed
    _dow_masks: tuple[int, ...] = field(repr=False, compare=False)  # by weekday of the 1st (Sunday 0)

    @classmethod
    def parse(cls, text: str) -> CronExpression:
        """Parse cron text; anything invalid raises InvalidCron naming the field and what is wrong."""
        raw = " ".join(text.split())
        expanded = raw
        if raw.startswith("@"):
            macro = raw.lower()
            if macro == "@reboot":
                raise InvalidCron(
                    "@reboot is not supported: tasks run on a time schedule, not at service start",
                    field="expression",
                    value=raw,
                )
            if macro not in MACROS:
                raise InvalidCron(
                    f"Invalid cron expression {raw!r}: unknown macro; use one of {', '.join(MACROS)}",
                    field="expression",
                    value=raw,
                )
            expanded = MACROS[macro]
        parts = expanded.split(" ") if expanded else []
        if len(parts) != 5:
            raise InvalidCron(
                f"Invalid cron expression {raw!r}: expected 5 fields (minute hour day-of-month month "
                f"day-of-week), got {len(parts)}",
                field="expression",
                value=raw,
            )
        minute, hour, dom, month, dow = (
            _parse_field(name, part, raw) for name, part in zip(FIELDS, parts, strict=True)
        )
        dows = frozenset(0 if d == 7 else d for d in dow)
        dom_mask = sum(1 << d for d in dom)
        expr = cls(
            text=raw,
            fields=(parts[0], parts[1], parts[2], parts[3], parts[4]),
            minutes=frozenset(minute),
            hours=frozenset(hour),
            doms=frozenset(dom),
            months=frozenset(month),
            dows=dows,
            dom_star=parts[2].startswith("*"),
            dow_star=parts[4].startswith("*"),
            wild=parts[0].startswith("*") or parts[1].startswith("*"),
            _next_minute=_next_table(minute, 60),
            _next_hour=_next_table(hour, 24),
            _next_month=_next_table(month, 13),
            _dom_mask=dom_mask,
            _dow_masks=tuple(sum(1 << d for d in range(1, 32) if (first + d - 1) % 7 in dows) for first in range(7)),
        )
        expr._check_can_fire()
        return expr

    def _check_can_fire(self) -> None:
        # Only day-of-month can make an expression never fire (Feb 30), and only when it must
        # hold on its own: with both day fields restricted, the day-of-week side still fires.
        if self.dom_star or not self.dow_star:
            return
        if min(self.doms) <= max(_MONTH_DAYS_MAX[m] for m in self.months):
            return
        raise InvalidCron(
            f"Invalid cron expression {self.text!r}: day-of-month {self.fields[2]} never occurs in "
            f"month {self.fields[3]}, so it would never run",
            field="day-of-month",
            value=self.text,
        )

    def matches(self, local: datetime) -> bool:
        """Whether the wall-clock minute ``local`` (naive, seconds ignored) matches."""
        if local.minute not in self.minutes or local.hour not in self.hours:
            return False
        return bool(self._day_mask(local.year, local.month) >> local.day & 1)

    def _day_mask(self, year: int, month: int) -> int:
        """Bit d set when day d of the month matches both day fields (Vixie's AND/OR rule)."""
        if month not in self.months:
            return 0
        first = (date(year, month, 1).weekday() + 1) % 7  # Sunday = 0
        if self.dom_star or self.dow_star:
            mask = self._dom_mask & self._dow_masks[first]
        else:
            mask = self._dom_mask | self._dow_masks[first]
        return mask & ((2 << _days_in(year, month)) - 2)

    def next_local(self, after: datetime) -> datetime:
        """The first matching wall-clock minute strictly after the naive ``after``."""
        year, month, day, hour, minute = after.year, after.month, after.day, after.hour, after.minute + 1
        for _ in range(_MAX_MONTHS):
            found = self._next_month[month] if month <= 12 else -1
            if found != month:  # carry into the next allowed month (maybe next year)
                if found == -1:
                    year, found = year + 1, self._next_month[1]
                month, day, hour, minute = found, 1, 0, 0
            days = self._day_mask(year, month) >> day
            if not days:
                month, day, hour, minute = month + 1, 1, 0, 0
                continue
            skip = (days & -days).bit_length() - 1
            if skip:
                day, hour, minute = day + skip, 0, 0
            found = self._next_hour[hour]
            if found == -1:
                day, hour, minute = day + 1, 0, 0
                continue
            if found != hour:
                hour, minute = found, 0
            found = self._next_minute[minute]
            if found == -1:
                hour, minute = hour + 1, 0
                continue
            return datetime(year, month, day, hour, found)  # naive on purpose: a wall-clock time
        raise InvalidCron(
            f"Invalid cron expression {self.text!r}: it never fires",
            field="expression",
            value=self.text,
        )

    def next_fire(self, after: datetime, tz: tzinfo = UTC) -> datetime:
        """The first fire strictly after the aware instant ``after``, in UTC, with Debian cron's DST rules."""
        return dst.next_instant(self.next_local, self.wild, after, tz)

    def canonical(self) -> str:
        """The expression with the day-of-week field rewritten from its set (7 and steps spelled out)."""
        dow = self.fields[4]
        if dow != "*":
            dow = _dow_text(self.dows)
        return " ".join((*self.fields[:4], dow))


def _days_in(year: int, month: int) -> int:
    if month == 2 and not (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
        return 28
    return _MONTH_DAYS_MAX[month]


def _next_table(values: set[int], size: int) -> tuple[int, ...]:
    table = [-1] * (size + 1)
    upcoming = -1
    for v in range(size, -1, -1):
        if v in values:
            upcoming = v
        table[v] = upcoming
    return tuple(table)


def _dow_text(dows: frozenset[int]) -> str:
    """Days as cron text, Sunday last after Saturday (``5-7``, ``6,7``), runs of 3+ as ranges."""
    days = sorted(dows)
    if 0 in dows and 6 in dows and 1 not in dows:
        days = sorted(7 if d == 0 else d for d in days)
    parts: list[str] = []
    i = 0
    while i < len(days):
        j = i
        while j + 1 < len(days) and days[j + 1] == days[j] + 1:
            j += 1
        parts.append(f"{days[i]}-{days[j]}" if j - i >= 2 else ",".join(map(str, days[i : j + 1])))
        i = j + 1
    return ",".join(parts)


def _parse_field(name: str, text: str, expr: str) -> set[int]:
    low, high = _RANGES[name]
    names = _NAMES.get(name, {})

    def bad(why: str) -> InvalidCron:
        return InvalidCron(f"Invalid cron expression {expr!r}: {name} {why}", field=name, value=expr)

    def number(token: str) -> int:
        if token.lower() in names:
            return names[token.lower()]
        if not (token.isascii() and token.isdigit()):
            kind = "a number or a name" if names else "a number"
            raise bad(f"value {token!r} is not {kind}")
        value = int(token)
        if not low <= value <= high:
            raise bad(f"value {value} is out of range {low}-{high}")
        return value

    out: set[int] = set()
    for item in text.split(","):
        base, slash, step_text = item.partition("/")
        step = 1
        if slash:
            if not (step_text.isascii() and step_text.isdigit()) or int(step_text) == 0:
                raise bad(f"step {step_text!r} in {item!r} must be a whole number of at least 1")
            step = int(step_text)
        if base == "*":
            start, end = low, high
        elif "-" in base:
            first, _, last = base.partition("-")
            start, end = number(first), number(last)
            if start > end:
                raise bad(f"range {base!r} runs backwards")
        else:
            start = number(base)
            end = high if slash else start  # "a/n" means "a-max/n"
        out.update(range(start, end + 1, step))
    return out


__all__ = ["FIELDS", "MACROS", "CronExpression"]
