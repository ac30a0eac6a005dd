"""Runs: one list across all tasks (filters, cursor pages, live first page) and one run with its steps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from app.errors import NotFound
from app.services.cancel import cancel_execution
from app.services.overview import Cursor, OverviewService, RunFilter, RunsPage
from app.services.related import RelatedService
from app.vocabulary import ACTIVE_STATUSES, ExecutionStatus, Trigger
from app.web.base import Visitor, page, see_other, state_of, still_allowed, unit_of_work
from app.web.events import stream
from app.web.pages.tasks import task_service
from app.web.render import fragment, render

STATUSES = tuple(s.value for s in ExecutionStatus)
TRIGGERS = tuple(t.value for t in Trigger)
ACTIVE = tuple(s.value for s in ACTIVE_STATUSES)
PAGE_SIZE = 50


@dataclass(frozen=True, kw_only=True)
class _Query:
    flt: RunFilter
    before: Cursor | None
    after: Cursor | None
    raw: dict[str, str]
    errors: dict[str, str]


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 19 else None


def _instant(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _cursor(value: str | None) -> Cursor | None:
    if not value or "~" not in value:
        return None
    at, _, ident = value.rpartition("~")
    number = _int(ident)
    try:
        return Cursor(scheduled_for=_instant(at), id=number) if number is not None else None
    except ValueError:
        return None


def cursor_text(c: Cursor) -> str:
    return f"{c.scheduled_for.astimezone(UTC).isoformat()}~{c.id}"


def read_query(request: Request) -> _Query:
    """Filters from the query string; a bad value is reported beside its field and otherwise ignored."""
    q = request.query_params
    raw = {name: q.get(name, "").strip() for name in ("task_id", "status", "trigger", "since", "until")}
    errors: dict[str, str] = {}
    times: dict[str, datetime | None] = {"since": None, "until": None}
    for name in ("since", "until"):
        if raw[name]:
            try:
                times[name] = _instant(raw[name])
            except ValueError:
                errors[name] = "Give a date and time, e.g. 2026-11-23T09:00."
    flt = RunFilter(
        task_id=_int(raw["task_id"]),
        status=raw["status"] if raw["status"] in STATUSES else None,
        trigger=raw["trigger"] if raw["trigger"] in TRIGGERS else None,
        since=times["since"],
        until=times["until"],
    )
    return _Query(flt=flt, before=_cursor(q.get("before")), after=_cursor(q.get("after")), raw=raw, errors=errors)


def _filter_params(query: _Query) -> dict[str, str]:
    return {k: v for k, v in query.raw.items() if v and k not in query.errors}


def _rows_values(request: Request, run_page: RunsPage) -> dict[str, Any]:
    return {"page": run_page, "now": state_of(request).clock.now()}


@page
async def runs_list(request: Request, visitor: Visitor) -> Response:
    query = read_query(request)
    async with unit_of_work(request) as s:
        service = OverviewService(s, state_of(request).clock)
        run_page = await service.runs_page(query.flt, before=query.before, after=query.after, limit=PAGE_SIZE)
        choices = await service.task_choices()
    base = _filter_params(query)
    return render(
        request,
        "runs.html",
        {
            **_rows_values(request, run_page),
            "filters": query.flt,
            "raw": query.raw,
            "errors": query.errors,
            "statuses": STATUSES,
            "triggers": TRIGGERS,
            "task_choices": choices,
            "live": query.before is None and query.after is None,
            "query": urlencode(base),
            "base_query": urlencode(base),
            "newer_query": urlencode({**base, "after": cursor_text(run_page.newer)}) if run_page.newer else "",
            "older_query": urlencode({**base, "before": cursor_text(run_page.older)}) if run_page.older else "",
        },
        visitor=visitor,
    )


@page
async def runs_events(request: Request, visitor: Visitor) -> Response:
    """The first page's rows, sent again whenever they change (new runs, runs finishing)."""
    query = read_query(request)

    async def snapshot() -> tuple[str, bool]:
        async with unit_of_work(request) as s:
            run_page = await OverviewService(s, state_of(request).clock).runs_page(query.flt, limit=PAGE_SIZE)
        return fragment("_runs_rows.html", _rows_values(request, run_page)), False

    return stream(request, "rows", snapshot, allowed=lambda: still_allowed(request), poll=2.0)


def _window(steps: list[Any]) -> str | None:
    """The period the run covered, as its prompt told the agent (from the first LLM call's messages)."""
    for step in steps:
        if step.kind != "llm" or not isinstance(step.input, dict | list):
            continue
        if isinstance(step.input, dict):
            messages = step.input.get("new_messages") or step.input.get("messages") or []
        else:
            messages = step.input
        for message in messages if isinstance(messages, list) else []:
            content = message.get("content") if isinstance(message, dict) else None
            if isinstance(content, str) and "This run covers the period" in content:
                for line in content.splitlines():
                    if line.startswith("This run covers the period"):
                        return line.removeprefix("This run covers the period ").split(". Focus")[0]
        return None
    return None


async def _run_values(request: Request, execution_id: int) -> dict[str, Any]:
    async with unit_of_work(request) as s:
        detail = await OverviewService(s, state_of(request).clock).run(execution_id)
        upstream = await RelatedService(s).upstream_run(detail.run.upstream_execution_id)
    run = detail.run
    step_list = list(run.steps or ())
    return {
        "e": run,
        "steps": step_list,
        "task_name": detail.task_name,
        "retries": detail.retries,
        "upstream": upstream,
        "tz": run.timezone,
        "window": _window(step_list),
        "active": run.status in ACTIVE,
        "now": state_of(request).clock.now(),
    }


def _execution_id(request: Request) -> int:
    value = _int(request.path_params["execution_id"])
    if value is None:
        raise NotFound("execution", request.path_params["execution_id"])
    return value


@page
async def run_detail(request: Request, visitor: Visitor) -> Response:
    values = await _run_values(request, _execution_id(request))
    return render(request, "run.html", values, visitor=visitor)


@page
async def run_events(request: Request, visitor: Visitor) -> Response:
    """The run's body, sent again whenever it changes, until the run has ended."""
    execution_id = _execution_id(request)
    await _run_values(request, execution_id)  # 404 before streaming

    async def snapshot() -> tuple[str, bool]:
        values = await _run_values(request, execution_id)
        return fragment("_run_body.html", {**values, "csrf": visitor.csrf}), not values["active"]

    return stream(request, "run", snapshot, allowed=lambda: still_allowed(request))


@page
async def run_again(request: Request, visitor: Visitor) -> Response:
    """Queue a new manual run of the same task and show it."""
    state = state_of(request)
    async with unit_of_work(request) as s:
        detail = await OverviewService(s, state.clock).run(_execution_id(request))
        if detail.task_name is None:
            raise NotFound("task", detail.run.task_id)
        new = await task_service(request, s).run_now(detail.run.task_id)
        new_id = new.id
    return see_other(f"/ui/runs/{new_id}", notice="queued")


@page
async def run_cancel(request: Request, visitor: Visitor) -> Response:
    execution_id = _execution_id(request)
    async with unit_of_work(request) as s:
        await cancel_execution(s, execution_id, now=state_of(request).clock.now())
    return see_other(f"/ui/runs/{execution_id}", notice="cancelled")
