"""What the rules parser tells the user it assumed, and the errors it lets through."""

from __future__ import annotations

import pytest

from app.errors import InvalidTimezone, ScheduleInPast
from app.nl import parse_description, parse_with_rules
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
