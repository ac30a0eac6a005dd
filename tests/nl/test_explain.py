"""Every answer explains itself: words read as the schedule, local run times, DST changes, assumptions."""

from __future__ import annotations

from datetime import UTC, datetime

from app.nl import explain, parse_with_rules
from app.nl.wording import breaks_sentence

BEFORE_SPRING = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)  # Europe's clocks jump on Sunday 2026-03-29


def test_runs_on_the_local_clock_with_the_clock_change_flagged() -> None:
    parsed = parse_with_rules("every day at 9am Berlin time water the plants", default_timezone=None, now=BEFORE_SPRING)
    assert parsed is not None
    said = explain(parsed, now=BEFORE_SPRING, count=4)
    assert [r.local for r in said.runs] == [
        "Sat 2026-03-28 09:00 CET (UTC+01:00)",
        "Sun 2026-03-29 09:00 CEST (UTC+02:00)",
        "Mon 2026-03-30 09:00 CEST (UTC+02:00)",
        "Tue 2026-03-31 09:00 CEST (UTC+02:00)",
    ]
    assert [r.dst_change is not None for r in said.runs] == [False, True, False, False]
    assert "go forward" in (said.runs[1].dst_change or "")
    text = said.text()
    assert "Read as the schedule: 'every day at 9am Berlin time'" in text
    assert "Assumed: 'Berlin' read as Europe/Berlin." in text
    assert "Note: the clocks in Europe/Berlin go forward" in text


def test_schedule_words_are_the_users_own_spelling() -> None:
    parsed = parse_with_rules("evry weekday @ 0730 check trains", default_timezone=None, now=BEFORE_SPRING)
    assert parsed is not None
    assert parsed.schedule_words == ["evry weekday @ 0730"]
    assert parsed.instructions == "Check trains"


def test_a_cut_inside_the_sentence_keeps_the_original_text() -> None:
    text = "list the meetings of every monday at 9am in the team calendar"
    parsed = parse_with_rules(text, default_timezone=None, now=BEFORE_SPRING)
    assert parsed is not None
    assert parsed.instructions == text
    assert any("your text as written" in a for a in parsed.assumptions)


def test_breaks_sentence() -> None:
    cut = "\x00" * len("at the top of every hour ")
    assert not breaks_sentence("at the top of every hour post", cut + "post")
    text = "list the meetings of XX in the calendar"
    marks = text.replace("XX", "\x00\x00")
    assert breaks_sentence(text, marks)
