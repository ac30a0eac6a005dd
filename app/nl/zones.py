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
    "AKDT": "America/Anchorage",
    "MT": "America/Denver",
    "CT": "America/Chicago",
    "AWST": "Australia/Perth",
    "ACST": "Australia/Adelaide",
    "ACDT": "Australia/Adelaide",
    "SAST": "Africa/Johannesburg",
    "CAT": "Africa/Maputo",
    "EAT": "Africa/Nairobi",
    "WAT": "Africa/Lagos",
    "PHT": "Asia/Manila",
    "PKT": "Asia/Karachi",
    "WIB": "Asia/Jakarta",
    "ICT": "Asia/Bangkok",
    "ART": "America/Argentina/Buenos_Aires",
    "NST": "America/St_Johns",
    "NDT": "America/St_Johns",
}
# Abbreviations that name more than one zone: the reading is said, with the others.
AMBIGUOUS_ABBREVIATIONS: dict[str, str] = {
    "IST": "IST also stands for Irish and Israel Standard Time",
    "CST": "CST also stands for China and Cuba Standard Time",
    "CT": "CT read as US Central Time",
    "AEST": "Queensland (Australia/Brisbane) keeps AEST all year; Sydney moves to AEDT in summer",
    "ACST": "the Northern Territory (Australia/Darwin) keeps ACST all year",
    "BST": "BST read as British Summer Time, not Bangladesh Standard Time",
    "MST": "Arizona (America/Phoenix) keeps MST all year",
}

# Said only before "time": "German time", "Central European Time", "Eastern Standard Time".
# After a clock time without "time" ("at 9am in French") such words are a language, not a zone.
_TIME_NAMES: dict[str, str] = {
    "german": "Europe/Berlin",
    "french": "Europe/Paris",
    "british": "Europe/London",
    "irish": "Europe/Dublin",
    "dutch": "Europe/Amsterdam",
    "swiss": "Europe/Zurich",
    "japanese": "Asia/Tokyo",
    "indian": "Asia/Kolkata",
    "chinese": "Asia/Shanghai",
    "korean": "Asia/Seoul",
    "spanish": "Europe/Madrid",
    "italian": "Europe/Rome",
    "central european": "Europe/Berlin",
    "central european summer": "Europe/Berlin",
    "central european standard": "Europe/Berlin",
    "eastern european": "Europe/Athens",
    "western european": "Europe/Lisbon",
    "greenwich mean": "Europe/London",
    "british summer": "Europe/London",
    "eastern standard": "America/New_York",
    "eastern daylight": "America/New_York",
    "central standard": "America/Chicago",
    "central daylight": "America/Chicago",
    "mountain standard": "America/Denver",
    "mountain daylight": "America/Denver",
    "pacific standard": "America/Los_Angeles",
    "pacific daylight": "America/Los_Angeles",
    "us eastern": "America/New_York",
    "us central": "America/Chicago",
    "us mountain": "America/Denver",
    "us pacific": "America/Los_Angeles",
    "japan standard": "Asia/Tokyo",
    "india standard": "Asia/Kolkata",
    "australian eastern": "Australia/Sydney",
    "australian western": "Australia/Perth",
    "coordinated universal": "UTC",
    "universal": "UTC",
}

# US states with one zone (Arizona: no daylight saving outside the Navajo Nation).
_STATES: dict[str, str] = {
    "alabama": "America/Chicago", "arizona": "America/Phoenix", "arkansas": "America/Chicago",
    "california": "America/Los_Angeles", "colorado": "America/Denver", "connecticut": "America/New_York",
    "delaware": "America/New_York", "hawaii": "Pacific/Honolulu", "illinois": "America/Chicago",
    "iowa": "America/Chicago", "louisiana": "America/Chicago", "maine": "America/New_York",
    "maryland": "America/New_York", "massachusetts": "America/New_York", "minnesota": "America/Chicago",
    "mississippi": "America/Chicago", "missouri": "America/Chicago", "montana": "America/Denver",
    "new hampshire": "America/New_York", "new jersey": "America/New_York", "new mexico": "America/Denver",
    "new york state": "America/New_York", "north carolina": "America/New_York", "ohio": "America/New_York",
    "oklahoma": "America/Chicago", "pennsylvania": "America/New_York", "rhode island": "America/New_York",
    "south carolina": "America/New_York", "utah": "America/Denver", "vermont": "America/New_York",
    "virginia": "America/New_York", "west virginia": "America/New_York", "wisconsin": "America/Chicago",
    "wyoming": "America/Denver", "georgia state": "America/New_York", "washington state": "America/Los_Angeles",
}  # fmt: skip
# Places that span zones: named, they need a question, never a guess.
SPLIT_PLACES = frozenset(
    {"texas", "florida", "kansas", "nebraska", "north dakota", "south dakota", "tennessee", "kentucky", "indiana",
     "michigan", "idaho", "oregon", "nevada", "alaska", "usa", "us", "america", "united states", "canada", "australia",
     "russia", "brazil", "mexico", "washington", "georgia", "portland", "indonesia", "kazakhstan", "mongolia",
     "chile", "europe", "asia"}
)  # fmt: skip

# Places (lower case, as they precede "time" or follow "in").
_PLACES: dict[str, str] = {
    "utc": "UTC",
    "zulu": "UTC",
    "germany": "Europe/Berlin",
    "france": "Europe/Paris",
    "uk": "Europe/London",
    "england": "Europe/London",
    "britain": "Europe/London",
    "ireland": "Europe/Dublin",
    "spain": "Europe/Madrid",
    "italy": "Europe/Rome",
    "netherlands": "Europe/Amsterdam",
    "poland": "Europe/Warsaw",
    "switzerland": "Europe/Zurich",
    "austria": "Europe/Vienna",
    "sweden": "Europe/Stockholm",
    "norway": "Europe/Oslo",
    "denmark": "Europe/Copenhagen",
    "finland": "Europe/Helsinki",
    "portugal": "Europe/Lisbon",
    "greece": "Europe/Athens",
    "turkey": "Europe/Istanbul",
    "japan": "Asia/Tokyo",
    "india": "Asia/Kolkata",
    "china": "Asia/Shanghai",
    "beijing": "Asia/Shanghai",
    "korea": "Asia/Seoul",
    "south korea": "Asia/Seoul",
    "israel": "Asia/Jerusalem",
    "new york": "America/New_York",
    "nyc": "America/New_York",
    "boston": "America/New_York",
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
    found.update(_STATES)
    return found


@cache
def _iana() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones() if "/" in name}


def iana_name(word: str) -> str | None:
    """The IANA name spelled by ``word`` ("europe/berlin" -> "Europe/Berlin"), or None."""
    return _iana().get(word.lower())


def place_zone(phrase: str, *, before_time: bool = False) -> str | None:
    """The zone for a city, country or state ("berlin", "new york", "ohio"), or None.

    ``before_time``: the phrase precedes "time", so demonyms and zone names count too ("German time").
    """
    key = " ".join(phrase.lower().split())
    if before_time and key in _TIME_NAMES:
        return _TIME_NAMES[key]
    return _cities().get(key)


def abbreviation_reading(abbr: str) -> ZoneReading | None:
    """The zone an abbreviation such as "PST" stands for, with the daylight-saving assumption."""
    name = ABBREVIATIONS.get(abbr.upper())
    if name is None:
        return None
    if name == "UTC":
        return ZoneReading(name, None)
    dst = _observes_dst(name)
    note = " (observes daylight saving)" if dst else ""
    other = AMBIGUOUS_ABBREVIATIONS.get(abbr.upper())
    extra = f"; {other}" if other else ""
    return ZoneReading(name, f"'{abbr}' read as {name}{note}{extra}")


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
