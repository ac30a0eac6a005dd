"""Timezones as people write them: IANA names, cities, countries, demonyms and abbreviations.

Abbreviations map to the zone whose daylight-saving rules people mean: "PST" in
"9am PST" means Los Angeles wall time all year, not a fixed UTC-8 that would
drift by an hour every summer. Each such reading is reported as an assumption.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

# Abbreviations are matched case-sensitively anywhere ("IST" is not "ist").
ABBREVIATIONS: dict[str, str] = {
    "UTC": "UTC",
    "GMT": "Europe/London",
    "BST": "Europe/London",
    "PST": "America/Los_Angeles",
    "PDT": "America/Los_Angeles",
    "PT": "America/Los_Angeles",
    "MST": "America/Denver",
    "MDT": "America/Denver",
    "CST": "America/Chicago",
    "CDT": "America/Chicago",
    "EST": "America/New_York",
    "EDT": "America/New_York",
    "ET": "America/New_York",
    "AKST": "America/Anchorage",
    "HST": "Pacific/Honolulu",
    "WET": "Europe/Lisbon",
    "WEST": "Europe/Lisbon",
    "CET": "Europe/Berlin",
    "CEST": "Europe/Berlin",
    "EET": "Europe/Athens",
    "EEST": "Europe/Athens",
    "MSK": "Europe/Moscow",
    "IST": "Asia/Kolkata",
    "SGT": "Asia/Singapore",
    "HKT": "Asia/Hong_Kong",
    "JST": "Asia/Tokyo",
    "KST": "Asia/Seoul",
    "AEST": "Australia/Sydney",
    "AEDT": "Australia/Sydney",
    "NZST": "Pacific/Auckland",
    "NZDT": "Pacific/Auckland",
    "BRT": "America/Sao_Paulo",
}

# Places and demonyms (lower case, as they precede "time" or follow "in").
_PLACES: dict[str, str] = {
    "utc": "UTC",
    "zulu": "UTC",
    "germany": "Europe/Berlin",
    "german": "Europe/Berlin",
    "france": "Europe/Paris",
    "french": "Europe/Paris",
    "uk": "Europe/London",
    "england": "Europe/London",
    "britain": "Europe/London",
    "british": "Europe/London",
    "ireland": "Europe/Dublin",
    "irish": "Europe/Dublin",
    "spain": "Europe/Madrid",
    "italy": "Europe/Rome",
    "netherlands": "Europe/Amsterdam",
    "dutch": "Europe/Amsterdam",
    "poland": "Europe/Warsaw",
    "switzerland": "Europe/Zurich",
    "swiss": "Europe/Zurich",
    "austria": "Europe/Vienna",
    "sweden": "Europe/Stockholm",
    "norway": "Europe/Oslo",
    "denmark": "Europe/Copenhagen",
    "finland": "Europe/Helsinki",
    "portugal": "Europe/Lisbon",
    "greece": "Europe/Athens",
    "turkey": "Europe/Istanbul",
    "japan": "Asia/Tokyo",
    "japanese": "Asia/Tokyo",
    "india": "Asia/Kolkata",
    "indian": "Asia/Kolkata",
    "china": "Asia/Shanghai",
    "chinese": "Asia/Shanghai",
    "beijing": "Asia/Shanghai",
    "korea": "Asia/Seoul",
    "south korea": "Asia/Seoul",
    "israel": "Asia/Jerusalem",
    "new york": "America/New_York",
    "nyc": "America/New_York",
    "boston": "America/New_York",
    "washington": "America/New_York",
    "miami": "America/New_York",
    "atlanta": "America/New_York",
    "eastern": "America/New_York",
    "san francisco": "America/Los_Angeles",
    "sf": "America/Los_Angeles",
    "seattle": "America/Los_Angeles",
    "pacific": "America/Los_Angeles",
    "california": "America/Los_Angeles",
    "austin": "America/Chicago",
    "dallas": "America/Chicago",
    "houston": "America/Chicago",
    "central": "America/Chicago",
    "mountain": "America/Denver",
    "mumbai": "Asia/Kolkata",
    "bangalore": "Asia/Kolkata",
    "delhi": "Asia/Kolkata",
    "new delhi": "Asia/Kolkata",
    "munich": "Europe/Berlin",
    "frankfurt": "Europe/Berlin",
    "hamburg": "Europe/Berlin",
    "cologne": "Europe/Berlin",
    "geneva": "Europe/Zurich",
    "barcelona": "Europe/Madrid",
    "milan": "Europe/Rome",
    "sao paulo": "America/Sao_Paulo",
    "são paulo": "America/Sao_Paulo",
    "toronto": "America/Toronto",
    "montreal": "America/Toronto",
    "vancouver": "America/Vancouver",
    "melbourne": "Australia/Melbourne",
    "sydney": "Australia/Sydney",
    "auckland": "Pacific/Auckland",
    "new zealand": "Pacific/Auckland",
    "hong kong": "Asia/Hong_Kong",
    "singapore": "Asia/Singapore",
    "dubai": "Asia/Dubai",
    "moscow": "Europe/Moscow",
}


@dataclass(frozen=True)
class ZoneReading:
    """A timezone found in the text, and the assumption to report when the reading was not literal."""

    name: str
    assumption: str | None


@cache
def _cities() -> dict[str, str]:
    # "Tokyo", "Los Angeles", "Buenos Aires": the last part of canonical Area/City names.
    found: dict[str, str] = {}
    for key in sorted(available_timezones()):
        area, _, rest = key.partition("/")
        if not rest or area in {"Etc", "SystemV", "US", "Brazil", "Canada", "Mexico", "Chile"}:
            continue
        found.setdefault(rest.rsplit("/", 1)[-1].replace("_", " ").lower(), key)
    found.update(_PLACES)
    return found


@cache
def _iana() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones() if "/" in name}


def iana_name(word: str) -> str | None:
    """The IANA name spelled by ``word`` ("europe/berlin" -> "Europe/Berlin"), or None."""
    return _iana().get(word.lower())


def place_zone(phrase: str) -> str | None:
    """The zone for a city, country or demonym ("berlin", "new york", "german"), or None."""
    return _cities().get(phrase.lower())


def abbreviation_reading(abbr: str) -> ZoneReading | None:
    """The zone an abbreviation such as "PST" stands for, with the daylight-saving assumption."""
    name = ABBREVIATIONS.get(abbr.upper())
    if name is None:
        return None
    if name == "UTC":
        return ZoneReading(name, None)
    dst = _observes_dst(name)
    note = " (observes daylight saving)" if dst else ""
    return ZoneReading(name, f"'{abbr}' read as {name}{note}")


def offset_reading(z: str, sign: str, hours: str, minutes: str | None) -> ZoneReading | None:
    """ "UTC+2" as the fixed-offset zone Etc/GMT-2 (POSIX signs are inverted); None without an IANA name."""
    h = int(hours)
    east = sign == "+"
    if (minutes and int(minutes)) or h > (14 if east else 12):
        return None
    said = f"{z.upper()}{'+' if east else '-'}{h}"
    if h == 0:
        return ZoneReading("UTC", f"'{said}' read as UTC")
    name = f"Etc/GMT{'-' if east else '+'}{h}"
    return ZoneReading(name, f"'{said}' read as {name}, a fixed offset that does not follow daylight saving")


@cache
def _observes_dst(name: str) -> bool:
    from datetime import datetime

    zone = ZoneInfo(name)
    offsets = {datetime(2026, month, 1, 12, tzinfo=zone).utcoffset() for month in (1, 7)}
    return len(offsets) > 1
