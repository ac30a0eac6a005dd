"""What the rules parser tells the user it assumed, and the errors it lets through."""

from __future__ import annotations

import pytest

from app.errors import InvalidTimezone, ScheduleInPast
from app.nl import parse_description, parse_with_rules, read_with_rules
from tests.nl.corpus import NOW


def assumptions(text: str, default: str | None = None) -> list[str]:
    parsed = parse_with_rules(text, default_timezone=default, now=NOW)
    assert parsed is not None
    return parsed.assumptions


def test_abbreviation_names_the_zone_and_its_daylight_saving() -> None:
    assert "'PST' read as America/Los_Angeles (observes daylight saving)" in assumptions("every day at 9am PST x")
    assert "'JST' read as Asia/Tokyo" in assumptions("every day at 9am JST x")


def test_default_zone_or_utc_is_said() -> None:
    assert "no timezone given: used Europe/Berlin from your default" in assumptions("daily at 9am x", "Europe/Berlin")
    assert "no timezone given: used UTC" in assumptions("daily at 9am x")


def test_bare_hour_is_said() -> None:
    assert "'9' read as 09:00" in assumptions("every day at 9 x")


def test_name_is_short_and_from_the_instructions() -> None:
    long = "every day at 9am " + "summarise the extremely detailed error reports " * 4
    parsed = parse_with_rules(long, default_timezone=None, now=NOW)
    assert parsed is not None
    assert 0 < len(parsed.name) <= 60
    assert parsed.name.startswith("Summarise the extremely")


def test_schedule_only_text_has_empty_instructions() -> None:
    parsed = parse_with_rules("every day at 9am", default_timezone=None, now=NOW)
    assert parsed is not None
    assert parsed.instructions == ""


async def test_unknown_default_timezone_is_a_domain_error() -> None:
    with pytest.raises(InvalidTimezone):
        await parse_description("every day at 9am x", default_timezone="Mars/Olympus", now=NOW, llm=None)


async def test_once_in_the_past_is_rejected() -> None:
    with pytest.raises(ScheduleInPast):
        await parse_description("today at 7am x", default_timezone=None, now=NOW, llm=None)


def test_fixed_offset_is_said_not_to_follow_daylight_saving() -> None:
    said = assumptions("every day at 9am UTC+2 x")
    assert "'UTC+2' read as Etc/GMT-2, a fixed offset that does not follow daylight saving" in said
    parsed = parse_with_rules("every day at 9am GMT-5 x", default_timezone=None, now=NOW)
    assert parsed is not None
    assert parsed.schedule.timezone == "Etc/GMT+5"  # POSIX signs: Etc/GMT+5 is five hours behind UTC


def test_new_readings_are_said() -> None:
    assert "'business day' read as Monday to Friday (public holidays are not skipped)" in assumptions(
        "every business day at 9am x"
    )
    assert "quarters read as starting in January: runs in January, April, July and October" in assumptions(
        "quarterly on the 1st at 9am x"
    )
    assert "'half past nine' read as 09:30" in assumptions("every day at half past nine x")
    assert "'9 in the evening' read as 21:00" in assumptions("every day at 9 in the evening x")
    assert "'tonight at 8' read as 20:00" in assumptions("tonight at 8 x")
    assert "'between 9 and 17' read as from 09:00 to 17:00, both included" in assumptions(
        "every 2 hours between 9 and 17 x"
    )


@pytest.mark.parametrize(
    "text",
    [
        "every day at 9 UTC+5:30 x",  # no IANA name for a half-hour fixed offset
        "every day at 9 UTC+15 x",  # no such offset
        "every day at twenty past nine x",  # once read as midnight
        "every day at nine thirty x",
        "every day at ten to nine x",  # once read as 10:00
        "every day at 10 to 9 x",
        "every day at 9 30 x",  # once read as 09:00
        "every day around nine x",
        "every day in december at 9 x",  # once read as every day of the year
        "every day at 9 on 24.12. x",
        "every 1st of january and july at 9 x",
        "in 3 business days at 9 x",  # once read as every weekday
        "every day at 9 check the work days",
        "every hour from 9 x",  # once an interval with "From 9" left in the instructions
        "every day between 9 and 17 x",  # how often?
        "every 90 minutes between 9 and 17 x",  # not one cron line
        "every 2 hours between 17 and 9 x",  # across midnight
        "tonight at 7am x",
        "tonight at 12 x",
        "tomorrow night at 1am x",  # the night of tomorrow is the day after
        "this morning at 7 x",  # already past at NOW (08:00)
        "every morning at 9 in the evening x",
        "every evening send x",
        "every year at 9 x",  # which day?
        "every year on march 1st 2027 at 9 x",
        "every 29th of february at 9 x",  # leap years only
        "every 31st of april at 9 x",
        "quarterly on mondays at 9 x",
        "every 2 quarters at 9 x",
    ],
)
def test_rules_refuse(text: str) -> None:
    assert parse_with_rules(text, default_timezone=None, now=NOW) is None


def test_ambiguous_abbreviations_say_the_other_readings() -> None:
    assert any("Queensland (Australia/Brisbane)" in a for a in assumptions("every day at 7am AEST surf"))
    assert any("Irish and Israel" in a for a in assumptions("every day at 9am IST stand up"))


@pytest.mark.parametrize(
    ("text", "zone", "instructions"),
    [
        ("every day at 9am, convert the sales report to Tokyo time and email it", "UTC",
         "Convert the sales report to Tokyo time and email it"),
        ("every day at 9am in French, summarise the news", "UTC", "In French, summarise the news"),
        ("every day at 8am send me a Japanese vocabulary quiz", "UTC", "Send me a Japanese vocabulary quiz"),
        ("every day at 6 PM Central European Time send the report", "Europe/Berlin", "Send the report"),
        ("9am in Arizona daily check the panels", "America/Phoenix", "Check the panels"),
    ],
)  # fmt: skip
def test_zone_words_of_the_task_stay_in_the_task(text: str, zone: str, instructions: str) -> None:
    parsed = parse_with_rules(text, default_timezone=None, now=NOW)
    assert parsed is not None
    assert parsed.schedule.timezone == zone
    assert parsed.instructions == instructions


@pytest.mark.parametrize(
    ("text", "unplaced"),
    [
        ("every day at lunchtime summarise email", ["at lunchtime"]),
        ("every day at 9am Texas time open the store", ["Texas"]),
        ("every day at 9am AKWT check", ["AKWT"]),
        ("every 10 min during business hours check tickets", ["business hours"]),
        ("every monday water the plants", ["every monday"]),
    ],
)
def test_unplaced_words_are_named(text: str, unplaced: list[str]) -> None:
    reading = read_with_rules(text, default_timezone=None, now=NOW)
    assert reading.parsed is None
    assert reading.unplaced == unplaced
