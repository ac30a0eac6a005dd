"""Timezone names: IANA keys, case-insensitive, UTC spellings, suggestions for unknown ones."""

from __future__ import annotations

import pytest

from app.errors import InvalidTimezone
from app.schedules import resolve_timezone


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        ("AMERICA/NEW_YORK", "America/New_York"),
        (" Asia/Tokyo ", "Asia/Tokyo"),
        ("UTC", "UTC"),
        ("utc", "UTC"),
        ("Z", "UTC"),
        ("Etc/UTC", "Etc/UTC"),
        ("Australia/Lord_Howe", "Australia/Lord_Howe"),
    ],
)
def test_known_names_resolve(name, key):
    assert resolve_timezone(name).key == key


@pytest.mark.parametrize(
    ("name", "suggested"),
    [
        ("Berln", "Europe/Berlin"),
        ("Europe/Berln", "Europe/Berlin"),
        ("Pacific/Aukland", "Pacific/Auckland"),
        ("America/New_Yrok", "America/New_York"),
        ("Londn", "Europe/London"),
    ],
)
def test_unknown_names_suggest_close_valid_ones(name, suggested):
    with pytest.raises(InvalidTimezone) as caught:
        resolve_timezone(name)
    assert caught.value.suggestions[0] == suggested
    assert len(caught.value.suggestions) <= 3
    assert caught.value.details == {"timezone": name, "suggestions": caught.value.suggestions}
    assert suggested in caught.value.message


@pytest.mark.parametrize("name", ["../etc", "../../etc/passwd", "/etc/localtime", "Europe/../UTC", "", "Mars/Olympus"])
def test_paths_and_nonsense_are_rejected(name):
    with pytest.raises(InvalidTimezone):
        resolve_timezone(name)
