"""Templates and the filters they use: times in a task's zone with offset and relative, money, durations."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse

if TYPE_CHECKING:
    from app.web.base import Visitor

# Notices a page shows after a redirect (?notice=code); codes only, so no text can be injected.
NOTICES = {
    "created": "Task created.",
    "saved": "Changes saved.",
    "removed": "Removed.",
    "paused": "Paused.",
    "resumed": "Resumed.",
    "deleted": "Task deleted.",
    "queued": "Run queued; it starts within moments.",
    "cancelled": "Cancel requested.",
    "logged_out": "You are logged out.",
    "bulk": "Done.",
    "template_created": "Template created.",
    "template_saved": "Template saved; tasks made from it use the new text from their next run.",
    "template_deleted": "Template deleted.",
}


def local_time(moment: datetime | None, tz: str = "UTC") -> str:
    """``2026-11-23 09:00 CET +01:00`` in ``tz``."""
    if moment is None:
        return "—"
    here = moment.astimezone(_zone(tz))
    offset = here.strftime("%z")
    return f"{here:%Y-%m-%d %H:%M:%S} {here.tzname()} {offset[:3]}:{offset[3:]}"


def relative(moment: datetime | None, now: datetime) -> str:
    """``in 3 h``, ``5 min ago``, ``just now``."""
    if moment is None:
        return ""
    seconds = (moment - now).total_seconds()
    span = abs(seconds)
    if span < 45:
        return "just now" if seconds <= 0 else "in moments"
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if span >= size:
            amount = span / size
            text = f"{amount:.0f} {unit}" if amount >= 10 or size == 60 else f"{amount:.1f} {unit}".replace(".0 ", " ")
            break
    return f"in {text}" if seconds > 0 else f"{text} ago"


def when(moment: datetime | None, tz: str, now: datetime) -> Markup:
    """A ``<time>`` element: local time with offset, the relative time beside it, UTC on hover."""
    if moment is None:
        return Markup("<span class=muted>—</span>")
    utc = moment.astimezone(UTC)
    return Markup('<time datetime="{iso}" title="{utc}">{local}</time> <span class="rel">{rel}</span>').format(
        iso=utc.isoformat(),
        utc=f"{utc:%Y-%m-%d %H:%M:%S} UTC",
        local=local_time(moment, tz),
        rel=relative(moment, now),
    )


def duration(ms: float | None) -> str:
    if ms is None:
        return "—"
    if ms < 1000:
        return f"{ms:.0f} ms"
    seconds = ms / 1000
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {rest} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def money(cost: float | None) -> str:
    if cost is None:
        return "—"
    if cost == 0:
        return "$0"
    if cost < 0.0001:
        return f"${cost:.6f}"
    return f"${cost:.4f}" if cost < 1 else f"${cost:,.2f}"


def tokens(prompt: int | None, completion: int | None) -> str:
    if prompt is None and completion is None:
        return "—"
    return f"{(prompt or 0) + (completion or 0):,}"


def pretty(value: Any) -> str:
    import json

    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


@lru_cache(maxsize=512)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("app.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(duration=duration, money=money, pretty=pretty, local_time=local_time)
    env.globals.update(when=when, tokens=tokens, relative=relative, escape=escape)
    return env


def render(
    request: Request,
    template: str,
    values: dict[str, Any],
    *,
    visitor: Visitor | None,
    status_code: int = 200,
    csrf: str | None = None,
) -> HTMLResponse:
    """Render ``template`` with the page's common values (the visitor, CSRF token, now, the notice)."""
    state = request.app.state.taskrunner
    notice = NOTICES.get(request.query_params.get("notice", ""))
    common = {
        "request": request,
        "visitor": visitor,
        "csrf": csrf or (visitor.csrf if visitor else ""),
        "now": state.clock.now(),
        "notice": notice,
        "path": request.url.path,
    }
    html = environment().get_template(template).render({**common, **values})
    return HTMLResponse(html, status_code=status_code)


def fragment(template: str, values: dict[str, Any]) -> str:
    """A template rendered to text, for server-sent events."""
    return environment().get_template(template).render(values)
