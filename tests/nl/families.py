"""The phrasing families as generators: each expanded over times, zones, days and spellings.

A family is a product of spellings: every spelling of a clock time with every way of
saying the days, every way of naming a zone, and so on. Each generated phrase has the
one schedule it must mean (or ASK: only a question is right). The rules must answer
these exactly; the held-out sets (``heldout.py``) measure what was not generated here.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from itertools import product

from app.schedules.spec import CronSpec, IntervalSpec, OnceSpec
from tests.nl.heldout import NOW, Held


def _c(text: str, expr: str, tz: str = "UTC", ins: str | None = None) -> Held:
    return Held(text, (CronSpec(cron=expr, timezone=tz),), instructions=ins)


def _ask(text: str) -> Held:
    return Held(text, ())


# (hour, minute) -> the ways people write it
CLOCKS: dict[tuple[int, int], tuple[str, ...]] = {
    (9, 0): ("9am", "9 am", "9 a.m.", "9:00", "09:00", "0900", "9AM", "nine am"),
    (17, 30): ("5:30pm", "5:30 pm", "17:30", "1730 hrs", "17h30", "5.30pm"),
    (7, 45): ("7:45am", "07:45", "0745", "quarter to eight in the morning"),
    (21, 0): ("9pm", "21:00", "2100 hours", "21h", "nine in the evening"),
    (12, 0): ("noon", "12pm", "midday", "12:00", "12 noon"),
    (0, 0): ("midnight", "00:00", "12am"),
}
DAYS: dict[str, tuple[str, ...]] = {
    "*": ("every day", "daily", "each day", "everyday", "evry day", "daliy"),
    "1-5": ("every weekday", "on weekdays", "weekdays", "Mon-Fri", "monday to friday", "every workday", "every wkday"),
    "1": ("every monday", "mondays", "on mondays", "each Monday", "every mon"),
    "0,6": ("every weekend", "on weekends", "Sat & Sun", "saturdays and sundays"),
    "1,3,5": ("mon/wed/fri", "every monday, wednesday and friday", "mondays, wednesdays and fridays"),
}
ZONES: dict[str, tuple[str, ...]] = {
    "Europe/Berlin": ("Berlin time", "CET", "CEST", "Central European Time", "Europe/Berlin", "German time"),
    "America/New_York": ("ET", "EST", "EDT", "Eastern Time", "New York time", "America/New_York", "in Ohio"),
    "America/Los_Angeles": ("PT", "PST", "Pacific Time", "in California", "San Francisco time"),
    "America/Chicago": ("CT", "Central Time", "Chicago time", "CST"),
    "America/Phoenix": ("in Arizona", "Arizona time", "Phoenix time"),
    "America/Denver": ("MT", "Mountain Time", "in Colorado", "Denver time"),
    "Asia/Tokyo": ("JST", "Tokyo time", "in Tokyo", "Japan time"),
    "Australia/Perth": ("AWST", "Perth time"),
    "Africa/Johannesburg": ("SAST", "Johannesburg time"),
    "Asia/Kolkata": ("IST", "India time", "in Mumbai"),
    "Pacific/Honolulu": ("HST", "Hawaii time"),
}


def clocks_by_days() -> Iterator[Held]:
    """Every spelling of a clock time with every way of saying the days, instructions first and last."""
    for ((h, m), spellings), (dows, days) in product(CLOCKS.items(), DAYS.items()):
        for spelling, day in zip(spellings, days * 3, strict=False):
            at = "" if spelling[0].isdigit() and ":" not in spelling and "h" in spelling else "at "
            expr = f"{m} {h} * * {dows}"
            yield _c(f"{day} {at}{spelling} check the backups", expr, ins="Check the backups")
            yield _c(f"check the backups {day} at {spelling}", expr, ins="Check the backups")


def zones() -> Iterator[Held]:
    for zone, names in ZONES.items():
        for name in names:
            yield _c(f"every weekday at 9am {name} send the brief", "0 9 * * 1-5", zone, "Send the brief")
            yield _c(f"send the brief at 17:30 {name} every day", "30 17 * * *", zone, "Send the brief")


def zone_words_in_instructions() -> Iterator[Held]:
    """Zone and language words that belong to the task: the default zone stays."""
    for words in ("convert the totals to Tokyo time", "write it in French", "quiz me on Japanese verbs",
                  "summarise news from Berlin", "translate it into German"):  # fmt: skip
        yield _c(f"every day at 9am, {words}", "0 9 * * *", ins=words[0].upper() + words[1:])
    yield _ask("every day at 9am, compare with New York time")  # whose clock? a question


def clock_alignment() -> Iterator[Held]:
    for minute, phrases in {
        0: ("at the top of every hour", "every hour on the hour", "on the hour every hour", "hourly, on the hour",
            "at the top of the hour, every hour"),
        30: ("every hour on the half hour", "at half past every hour", "every hour at half past", "every hour at :30",
             "at 30 minutes past every hour", "At minute 30 past every hour"),
        15: ("quarter past every hour", "every hour at quarter past", "At minute 15 past every hour",
             "at 15 past each hour", "every hour at 15 minutes past the hour"),
        45: ("quarter to every hour", "every hour at quarter to"),
    }.items():  # fmt: skip
        for phrase in phrases:
            yield _c(f"{phrase}, rotate the screenshots", f"{minute} * * * *", ins="Rotate the screenshots")
            yield _c(
                f"{phrase} on weekdays rotate the screenshots", f"{minute} * * * 1-5", ins="Rotate the screenshots"
            )
    for step in (2, 5, 10, 15, 20, 30):
        yield _c(f"At every {step}th minute poll the queue", f"*/{step} * * * *", ins="Poll the queue")
    for step, where in ((15, "quarter hour"), (30, "half hour"), (10, "hour"), (5, "clock")):
        yield _c(f"every {step} minutes, on the {where} poll the queue", f"*/{step} * * * *", ins="Poll the queue")
    for hours in (2, 3, 4, 6):
        yield _c(
            f"At minute 0 past every {hours}th hour refresh the tokens", f"0 */{hours} * * *", ins="Refresh the tokens"
        )


def day_of_month() -> Iterator[Held]:
    for n, o in ((1, "1st"), (5, "5th"), (10, "10th"), (15, "15th"), (22, "22nd"), (28, "28th")):
        for form in (f"on day {n}", f"every month on day {n}", f"on the {o}", f"the {o} of each month",
                     f"monthly on the {o}", f"Monthly on day {n}", f"day {n} of every month",
                     f"every {o}"):  # fmt: skip
            yield _c(f"{form} at 08:00 send invoices", f"0 8 {n} * *", ins="Send invoices")
            yield _ask(f"{form} send invoices")  # no time of day: never a silent midnight
    yield _c("first of the month at 9am pay rent", "0 9 1 * *", ins="Pay rent")
    yield _c("on the 1st and 15th at 10am run payroll", "0 10 1,15 * *", ins="Run payroll")
    yield _c("At 00:00 on day-of-month 1 send invoices", "0 0 1 * *", ins="Send invoices")


def windows() -> Iterator[Held]:
    for days, dows in (("", "*"), (" on weekdays", "1-5")):
        yield _c(f"every 2 hours between 8am and 8pm{days} check", f"0 8-20/2 * * {dows}", ins="Check")
        yield _c(f"hourly from 9am to 5pm{days} check", f"0 9-17 * * {dows}", ins="Check")
        yield _c(f"every 15 minutes between 9:00 and 16:45{days} check", f"*/15 9-16 * * {dows}", ins="Check")
    for vague in ("during business hours", "during the night", "for the next hour", "during office hours",
                  "until 5pm", "while the market is open", "overnight"):  # fmt: skip
        yield _ask(f"every 10 minutes {vague} check the queue")


def steps_on_days() -> Iterator[Held]:
    """An interval on chosen days: counted on the clock, from the top of the hour."""
    for (step, fields), (dows, days) in product(
        (
            ("every hour", "0 *"),
            ("every 30 minutes", "*/30 *"),
            ("every 15 mins", "*/15 *"),
            ("every 2 hours", "0 */2"),
        ),
        (("1-5", "on weekdays"), ("0,6", "on weekends"), ("1", "on mondays")),
    ):
        yield _c(f"{step} {days} check the queue", f"{fields} * * {dows}", ins="Check the queue")
    yield _ask("every 90 minutes on weekdays check the queue")  # not one cron line


def exclusions() -> Iterator[Held]:
    for base, all_days in (("every weekday", {1, 2, 3, 4, 5}), ("every day", set(range(7))), ("daily", set(range(7)))):
        for word, gone in (("Friday", {5}), ("Fridays", {5}), ("weekends", {0, 6}), ("Monday and Friday", {1, 5})):
            left = sorted(all_days - gone)
            if not left or left == sorted(all_days):
                continue
            from app.nl.recurring import cron_list

            for joint in ("except", "but not on", "excluding", ", except"):
                yield _c(f"{base} {joint} {word} at 9am standup", f"0 9 * * {cron_list(left)}", ins="Standup")
    yield _ask("every weekday at 9 except holidays check in")
    yield _ask("from monday, every day at 9 check in")  # a start date, not the days
    yield _ask("every 10 minutes for the rest of the day check in")
    yield _ask("every weekday at 9 except when it rains check in")


def cron_lines() -> Iterator[Held]:
    for expr in ("*/5 * * * *", "0 9 * * 1-5", "30 2 * * 0", "0 0 1 * *", "15 8 * * mon-fri", "0 */2 * * *"):
        for lead in ("", "cron: ", "cron "):
            yield _c(f"{lead}{expr} run the job", expr, ins="Run the job")
    for macro, expr in (("@daily", "0 0 * * *"), ("@hourly", "0 * * * *"), ("@weekly", "0 0 * * 0"),
                        ("@monthly", "0 0 1 * *"), ("@yearly", "0 0 1 1 *"), ("@midnight", "0 0 * * *")):  # fmt: skip
        yield _c(f"{macro} run the job", expr, ins="Run the job")
    yield _ask("0 9 * * 1-5 and every friday at 5pm run the job")


def durations() -> Iterator[Held]:
    for minutes, spellings in {
        90: ("1 hour and 30 minutes", "1h30m", "90m", "90 mins", "1.5 hours", "an hour and a half",
             "1 hour 30 minutes"),
        120: ("2h", "2 hours", "120 minutes", "2 hrs"),
        150: ("2.5 hours", "2h30m", "2 hours and 30 minutes"),
        45: ("45 minutes", "45m", "45 mins"),
    }.items():  # fmt: skip
        for spelling in spellings:
            yield Held(
                f"in {spelling} check the oven",
                (OnceSpec(at=NOW + timedelta(minutes=minutes)),),
                instructions="Check the oven",
            )
            yield Held(
                f"every {spelling} check the oven",
                (IntervalSpec(every_seconds=minutes * 60),),
                instructions="Check the oven",
            )


def times_in_instructions() -> Iterator[Held]:
    for ref in ("list meetings after 3pm", "summarise what happened since 6pm", "list PRs opened before 10:30",
                "remind the team the demo is at 2pm", "check the shop opens at 9am",
                "ensure it is done by 5pm"):  # fmt: skip
        yield _c(f"every weekday at 8am, {ref}", "0 8 * * 1-5", ins=ref[0].upper() + ref[1:])
        yield _ask(f"every weekday {ref}")  # the only time is the task's: when does it run?


def vague_times() -> Iterator[Held]:
    for day, vague in product(("every day", "on weekdays", "every Friday", "mondays"),
                              ("at lunchtime", "at dawn", "after work", "at close of business", "at sunrise",
                               "around 9", "at 9ish", "in the morning", "at EOD", "before lunch", "at 5")):  # fmt: skip
        yield _ask(f"{day} {vague} tidy the desk")


def not_schedules() -> Iterator[Held]:
    for text in ("make me a sandwich", "summarise the quarterly report", "check the weekly metrics",
                 "what is the time in Tokyo", "send the daily digest now please"):  # fmt: skip
        yield _ask(text)


FAMILIES = (
    clocks_by_days, zones, zone_words_in_instructions, clock_alignment, day_of_month, windows, steps_on_days,
    exclusions,
    cron_lines, durations, times_in_instructions, vague_times, not_schedules,
)  # fmt: skip


def generated() -> list[tuple[str, Held]]:
    """Every generated phrase with the name of its family."""
    return [(f.__name__, held) for f in FAMILIES for held in f()]
