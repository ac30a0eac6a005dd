"""The CLI's pure parsers: intervals and points in time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.cli.parsing import parse_every, parse_when
from app.cli.tasks import build_schedule

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("900", 900),
        ("90s", 90),
        ("15m", 900),
        ("1h30m", 5400),
        ("2d", 172800),
        ("1w", 604800),
        (" 2H ", 7200),
    ],
)
def test_parse_every(text: str, seconds: int) -> None:
    assert parse_every(text) == seconds


@pytest.mark.parametrize("text", ["", "0", "soon", "15x", "m15", "1h 30"])
def test_parse_every_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_every(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("24h", NOW - timedelta(hours=24)),
        ("7d ago", NOW - timedelta(days=7)),
        ("2026-11-20T09:00:00+01:00", datetime(2026, 11, 20, 8, 0, tzinfo=UTC)),
        ("2026-11-20T09:00", datetime(2026, 11, 20, 8, 0, tzinfo=UTC)),  # naive: local (Berlin)
        ("today", datetime(2026, 11, 22, 23, 0, tzinfo=UTC)),
        ("yesterday", datetime(2026, 11, 21, 23, 0, tzinfo=UTC)),
    ],
)
def test_parse_when(text: str, expected: datetime) -> None:
    assert parse_when(text, now=NOW, local=BERLIN) == expected


def test_parse_when_rejects_words_it_does_not_know() -> None:
    with pytest.raises(ValueError, match="ISO 8601"):
        parse_when("last tuesday", now=NOW, local=BERLIN)


def test_build_schedule() -> None:
    assert build_schedule("0 9 * * *", None, None, "Europe/Berlin") == {
        "kind": "cron",
        "cron": "0 9 * * *",
        "timezone": "Europe/Berlin",
    }
    assert build_schedule(None, None, "15m", None) == {"kind": "interval", "every_seconds": 900}
    assert build_schedule(None, "2026-12-24T18:00", None, None) == {"kind": "once", "at": "2026-12-24T18:00"}
    assert build_schedule(None, None, None, "UTC") is None
    with pytest.raises(ValueError, match="one of"):
        build_schedule("* * * * *", "2026-12-24T18:00", None, None)
