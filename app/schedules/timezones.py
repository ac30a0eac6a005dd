"""IANA timezone names: resolution, and close valid names when one is unknown."""

from __future__ import annotations

import difflib
from functools import cache, lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from app.errors import InvalidTimezone

_ALIASES = {"utc": "UTC", "z": "UTC"}


@cache
def _names() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


@lru_cache(maxsize=1024)
def resolve_timezone(name: str) -> ZoneInfo:
    """The zone for an IANA name (case-insensitive); unknown names raise InvalidTimezone with suggestions."""
    cleaned = name.strip()
    key = _ALIASES.get(cleaned.lower()) or _names().get(cleaned.lower())
    if key is None or ".." in cleaned or cleaned.startswith("/"):
        raise InvalidTimezone(name, suggest_timezones(cleaned))
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidTimezone(name, suggest_timezones(cleaned)) from None


def suggest_timezones(name: str, limit: int = 3) -> list[str]:
    """Up to ``limit`` valid names close to ``name``, matching whole names and their last part."""
    lowered = name.lower().replace(" ", "_")
    names = _names()
    by_city: dict[str, str] = {}
    for low, real in names.items():
        by_city.setdefault(low.rsplit("/", 1)[-1], real)
    picks = difflib.get_close_matches(lowered, list(names), n=limit, cutoff=0.6)
    found = [names[p] for p in picks]
    city = lowered.rsplit("/", 1)[-1]
    for p in difflib.get_close_matches(city, list(by_city), n=limit, cutoff=0.7):
        if by_city[p] not in found:
            found.append(by_city[p])
    # Prefer canonical Area/City names over legacy aliases such as "Europe/Berlin" over "CET".
    found.sort(key=lambda n: ("/" not in n, n.startswith(("Etc/", "SystemV/", "US/"))))
    return found[:limit]
