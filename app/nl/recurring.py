"""Recurring phrases as 5-field cron or an interval: days of the week and month, dates, clock times, windows.

Only what standard cron says exactly is produced. Restricting both the day of
the month and the day of the week is refused, since cron then fires on days
matching EITHER ("0 9 1-7 * 1" is not "the first Monday").
"""

from __future__ import annotations

import re

from app.nl.clauses import DAY_NAMES, DAY_RANGE, DAY_SPLIT, DOM_SPLIT, Refuse
from app.nl.once import unit_seconds
from app.nl.times import ClockTime, number, parse_time
from app.schedules.spec import CronSpec, IntervalSpec

_MAX_INTERVAL = 366 * 86400
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH_DAYS = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def hourly_or_interval(
    hourly_at: list[re.Match[str]], interval: list[re.Match[str]], tz: str, assumptions: list[str]
) -> tuple[CronSpec | IntervalSpec, bool]:
    """ "hourly" (at a minute) as cron, "every N units" as an interval; and whether it is clock-free."""
    if hourly_at:
        m = hourly_at[0]
        minute = 0 if m.group("top") else int(m.group("m") or m.group("m2"))
        if minute > 59:
            raise Refuse
        return CronSpec(cron=f"{minute} * * * *", timezone=tz), False
    if not interval:
        assumptions.append("'hourly' read as at minute 0 of every hour")
        return CronSpec(cron="0 * * * *", timezone=tz), False
    seconds = _interval_seconds(interval[0])
    if not 1 <= seconds <= _MAX_INTERVAL:
        raise Refuse
    if seconds >= 86400:
        assumptions.append("counted from when the task is created (or resumed), not from a clock time")
    return IntervalSpec(every_seconds=seconds, timezone=tz), True


def cron_text(
    dom: list[re.Match[str]],
    freq: list[re.Match[str]],
    days: list[re.Match[str]],
    annual: list[re.Match[str]],
    times: list[ClockTime],
    assumptions: list[str],
    excluded: list[re.Match[str]] | None = None,
) -> str:
    """The cron expression for day-of-month / frequency / day-of-week / yearly-date clauses and clock times."""
    f = freq[0] if freq else None
    doms, months, dows = _day_fields(dom, f, days, annual, assumptions, excluded or [])
    if f and f.group("twice"):
        wanted = 2 if f.group("k") is None else number(f.group("k"))
        if len(times) != wanted:
            raise Refuse
    if not times:
        # Never a silent midnight: "every monday", "daily" say no time of day.
        said = [m.group(0) for m in [*dom, *freq, *days, *annual]]
        raise Refuse(*(said or ["no time of day"]))
    minutes = {t.minute for t in times}
    if len(minutes) != 1:
        raise Refuse(*(f"{t.hour:02d}:{t.minute:02d}" for t in times))  # 9:00 and 17:30 need two cron lines
    hours = ",".join(str(h) for h in sorted({t.hour for t in times}))
    return f"{minutes.pop()} {hours} {doms} {months} {dows}"


def window_cron(
    window: re.Match[str],
    interval: list[re.Match[str]],
    hourly: list[re.Match[str]],
    dom: list[re.Match[str]],
    freq: list[re.Match[str]],
    days: list[re.Match[str]],
    assumptions: list[str],
    excluded: list[re.Match[str]] | None = None,
) -> str:
    """ "every 2 hours between 9 and 17" as "0 9-17/2 * * *": only when one cron line fires exactly then."""
    f = freq[0] if freq else None
    if len(interval + hourly) != 1 or (f and not f.group("daily")) or (f and (f.group("dpart") or f.group("nightly"))):
        raise Refuse
    first, last = parse_time(window.group("a")), parse_time(window.group("b"))
    if first is None or last is None or (last.hour, last.minute) <= (first.hour, first.minute):
        raise Refuse  # an unreadable end, or a window across midnight
    seconds = _interval_seconds(interval[0]) if interval else 3600
    if seconds % 3600 == 0 and seconds < 86400 and first.minute == last.minute:
        step = seconds // 3600
        minute, hours = str(first.minute), f"{first.hour}-{last.hour}" + (f"/{step}" if step > 1 else "")
    elif seconds % 60 == 0 and seconds < 3600 and 3600 % seconds == 0 and first.minute == 0:
        step = seconds // 60
        if last.minute != 60 - step:
            raise Refuse  # 09:00-17:00 every 30 min ends with a lone 17:00: not one cron line
        minute = f"*/{step}"
        hours = str(first.hour) if first.hour == last.hour else f"{first.hour}-{last.hour}"
    else:
        raise Refuse
    for t in (first, last):
        if t.assumption:
            assumptions.append(t.assumption)
    assumptions.append(
        f"'{window.group(0)}' read as from {first.hour:02d}:{first.minute:02d} to "
        f"{last.hour:02d}:{last.minute:02d}, both included"
    )
    doms, months, dows = _day_fields(dom, f, days, [], assumptions, excluded or [])
    return f"{minute} {hours} {doms} {months} {dows}"


def day_fields(
    dom: list[re.Match[str]],
    freq: list[re.Match[str]],
    days: list[re.Match[str]],
    excluded: list[re.Match[str]],
    assumptions: list[str],
) -> tuple[str, str, str]:
    """Day-of-month, month and day-of-week cron fields for schedules within the day ("every hour on weekdays")."""
    f = freq[0] if freq else None
    if f and not f.group("daily"):
        raise Refuse(f.group(0))
    return _day_fields(dom, f, days, [], assumptions, excluded)


def _day_fields(
    dom: list[re.Match[str]],
    f: re.Match[str] | None,
    days: list[re.Match[str]],
    annual: list[re.Match[str]],
    assumptions: list[str],
    excluded: list[re.Match[str]],
) -> tuple[str, str, str]:
    """Day-of-month, month and day-of-week cron fields."""
    if annual:
        if dom or days or f or excluded:
            raise Refuse
        return _yearly_date(annual[0])
    weekly = bool(f and f.group("weekly"))
    monthly = bool(f and f.group("monthly"))
    quarterly = bool(f and f.group("quarterly"))
    dows = _days_of_week(days[0], weekly, assumptions) if days else None
    if excluded:
        if dom or weekly or monthly or quarterly or (dows is None and not (f and f.group("daily"))):
            raise Refuse(excluded[0].group(0).strip(" ,"))
        base = set(range(7)) if dows is None else {int(d) for d in _expand(dows)}
        minus = {d for atom in DAY_SPLIT.split(_range_list(excluded[0].group("list"))) for d in _day_number(atom)}
        left = sorted(base - minus)
        if not left or left == sorted(base):
            raise Refuse(excluded[0].group(0).strip(" ,"))  # excludes nothing, or everything
        dows = cron_list(left)
    doms = _days_of_month(dom[0], monthly or quarterly, assumptions) if dom else None
    if dows is not None and doms is not None:
        raise Refuse  # cron would fire on either; never what "the 1st Monday" means
    if (weekly and dows is None) or ((monthly or quarterly) and dows is not None) or (f and f.group("daily") and doms):
        raise Refuse
    if f and f.group("daily") and days:
        raise Refuse(f.group(0), days[0].group(0))  # "from monday, every day": which days?
    if quarterly and dom and dom[0].group("suffix"):
        raise Refuse  # "quarterly on the 1st of every month"
    if (monthly or quarterly) and doms is None:
        doms = "1"
        which = " of every month" if monthly else ""
        assumptions.append(f"'{f.group(0) if f else 'monthly'}' read as on the 1st{which}")
    months = "*"
    if quarterly:
        months = "1,4,7,10"
        assumptions.append("quarters read as starting in January: runs in January, April, July and October")
    return doms or "*", months, dows or "*"


def _expand(field: str) -> list[int]:
    out: list[int] = []
    for part in field.split(","):
        a, _, b = part.partition("-")
        out.extend(range(int(a), int(b or a) + 1))
    return out


def _range_list(text: str) -> str:
    """ "sat-sun" and "saturday to sunday" in an exclusion as a list of single days."""
    parts: list[str] = []
    for piece in DAY_SPLIT.split(text):
        ends = DAY_RANGE.split(piece)
        if len(ends) == 2:
            (a,), (b,) = _single(ends[0]), _single(ends[1])
            parts.extend(DAY_NAMES[(d % 7)] for d in _wrap((a - 1) % 7, (b - 1) % 7))
        else:
            parts.append(piece)
    return ", ".join(parts)


def _yearly_date(m: re.Match[str]) -> tuple[str, str, str]:
    if m.group("y"):
        raise Refuse  # "every year on march 1st 2027"
    month = _MONTHS.index((m.group("m1") or m.group("m2"))[:3].lower()) + 1
    day = int(m.group("d1") or m.group("d2"))
    if not 1 <= day <= _MONTH_DAYS[month] or (month, day) == (2, 29):
        raise Refuse  # "every 31st of april"; 29 February fires only in leap years: let the LLM ask
    return str(day), str(month), "*"


def _interval_seconds(m: re.Match[str]) -> int:
    if m.group("half"):
        return 1800
    if m.group("quarter"):
        return 900
    if m.group("u1"):
        return unit_seconds(m.group("u1"))
    return number(m.group("n")) * unit_seconds(m.group("u"))


def _day_number(atom: str) -> list[int]:
    word = atom.lower().rstrip(".").replace(" ", "").replace("-", "")
    if word.startswith(("weekday", "business", "working", "workday")):
        return [1, 2, 3, 4, 5]
    if word.startswith("weekend"):
        return [6, 0]
    for i, name in enumerate(DAY_NAMES):
        if name.startswith(word[:3]):
            return [(i + 1) % 7]  # cron counts Sunday as 0
    raise Refuse


def _days_of_week(m: re.Match[str], weekly: bool, assumptions: list[str]) -> str:
    lead = (m.group("lead") or "").lower()
    text = m.group("list")
    plural = any(w.lower().endswith("s") and not w.lower().endswith(("tues", "thurs")) for w in text.split())
    plural = plural or bool(m.group("dpart") and m.group(0).lower().endswith("s"))  # "monday mornings"
    work = re.search(r"(?:business|working|work)\s?days?", text, re.IGNORECASE)
    if work:
        assumptions.append(f"'{work.group(0)}' read as Monday to Friday (public holidays are not skipped)")
    ranged = DAY_RANGE.search(text) is not None  # "monday to friday" is a recurring span
    listed = not lead and len(DAY_SPLIT.split(text)) >= 2  # "Sat & Sun at 10", "mon/wed/fri 6am"
    if lead == "from" and not ranged:
        raise Refuse(m.group(0))  # "from monday, ...": a start, not a day of the week
    if not (lead in {"every", "each", "from"} or plural or weekly or ranged or listed):
        raise Refuse  # "on Monday at 9": this Monday once, or every Monday?
    out: list[int] = []
    for part in DAY_SPLIT.split(text):
        ends = DAY_RANGE.split(part)
        if len(ends) == 1:
            out.extend(_day_number(ends[0]))
            continue
        if len(ends) != 2:
            raise Refuse
        (a,), (b,) = _single(ends[0]), _single(ends[1])
        first, last = (a - 1) % 7, (b - 1) % 7  # Monday-based, so "fri-mon" wraps
        out.extend((d + 1) % 7 for d in _wrap(first, last))
    return cron_list(sorted(set(out)))


def cron_list(values: list[int]) -> str:
    """Sorted values as a cron list, runs of three or more written as ranges: [1,2,3,4,5] -> "1-5"."""
    parts: list[str] = []
    i = 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and values[j + 1] == values[j] + 1:
            j += 1
        if j - i >= 2:
            parts.append(f"{values[i]}-{values[j]}")
        else:
            parts.extend(str(v) for v in values[i : j + 1])
        i = j + 1
    return ",".join(parts)


def _single(atom: str) -> list[int]:
    found = _day_number(atom)
    if len(found) != 1:
        raise Refuse  # "weekdays-sunday"
    return found


def _wrap(first: int, last: int) -> list[int]:
    return list(range(first, last + 1)) if first <= last else [*range(first, 7), *range(0, last + 1)]


def _days_of_month(m: re.Match[str], monthly: bool, assumptions: list[str]) -> str:
    lead = (m.group("lead") or "").lower()
    if not (lead in {"every", "each"} or m.group("suffix") or monthly):
        if lead != "on":
            raise Refuse  # a bare "15th" in the sentence
        assumptions.append(f"'{m.group(0).strip()}' read as every month")
    days = sorted({int(re.sub(r"\D", "", part)) for part in DOM_SPLIT.split(m.group("list"))})
    if not days or days[0] < 1 or days[-1] > 31:
        raise Refuse
    if days[-1] > 28:
        assumptions.append(f"months without a {days[-1]}th day are skipped")
    return cron_list(days)
