"""Human output: rich tables and panels for tasks and runs, times in the task's timezone."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rich.console import Console
from rich.table import Table
from rich.text import Text

from app.vocabulary import ExecutionStatus, TaskState

STATUS_STYLES: dict[str, str] = {
    ExecutionStatus.SUCCEEDED: "green",
    ExecutionStatus.RUNNING: "cyan",
    ExecutionStatus.QUEUED: "cyan",
    ExecutionStatus.FAILED: "bold red",
    ExecutionStatus.TIMED_OUT: "bold red",
    ExecutionStatus.INTERRUPTED: "red",
    ExecutionStatus.CANCELLED: "yellow",
    ExecutionStatus.SKIPPED: "yellow",
    ExecutionStatus.MISSED: "yellow",
    TaskState.ACTIVE: "green",
    TaskState.PAUSED: "yellow",
    TaskState.COMPLETED: "dim",
}


def console() -> Console:
    """A console on the current stdout (built per command, so test runners capture it).

    Markup and emoji codes are off: everything printed holds text users wrote (a task
    named ``markup [/x] test``, ``:warning:`` in an output), which must come out as
    written and never be read as styling. Style goes through :class:`rich.text.Text`.
    """
    return Console(highlight=False, soft_wrap=False, markup=False, emoji=False)


def styled(value: str) -> Text:
    """A status or state word in its colour."""
    return Text(value, style=STATUS_STYLES.get(value, ""))


def when(value: str | None, timezone: str | None = None) -> str:
    """An ISO 8601 time as ``Tue 2026-11-24 09:00 CET``, in ``timezone`` when known, else with offset."""
    if not value:
        return "-"
    moment = datetime.fromisoformat(value)
    if timezone:
        try:
            return moment.astimezone(ZoneInfo(timezone)).strftime("%a %Y-%m-%d %H:%M %Z")
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return moment.strftime("%a %Y-%m-%d %H:%M %z") if moment.tzinfo else moment.isoformat()


def duration(ms: int | None) -> str:
    if ms is None:
        return "-"
    if ms < 1000:
        return f"{ms} ms"
    seconds = ms / 1000
    if seconds < 120:
        return f"{seconds:.1f} s"
    return f"{int(seconds // 60)} min {int(seconds % 60)} s"


def tokens(prompt: int | None, completion: int | None) -> str:
    if prompt is None and completion is None:
        return "-"
    return f"{(prompt or 0) + (completion or 0):,}"


def cost(value: float | None) -> str:
    return "-" if value is None else f"${value:.4f}"


def clip(value: str | None, width: int = 60) -> str:
    if not value:
        return ""
    flat = " ".join(value.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def task_timezone(task: Mapping[str, Any]) -> str:
    schedule = task.get("schedule") or {}
    return str(schedule.get("timezone") or "UTC")


def tasks_table(tasks: Sequence[Mapping[str, Any]], total: int) -> Table:
    table = Table(title=f"Tasks ({len(tasks)} of {total})", title_justify="left")
    for column in ("ID", "Name", "State", "Schedule", "Next run"):
        table.add_column(column, overflow="fold")
    for task in tasks:
        table.add_row(
            str(task["id"]),
            task["name"],
            styled(task["state"]),
            task["schedule_description"],
            when(task.get("next_run_at"), task_timezone(task)),
        )
    return table


def task_panel(task: Mapping[str, Any]) -> Table:
    """Every field of one task, label on the left."""
    tz = task_timezone(task)
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column(overflow="fold")
    rows: list[tuple[str, str | Text]] = [
        ("Task", f"{task['id']}  {task['name']}"),
        ("State", styled(task["state"])),
        ("Schedule", task["schedule_description"]),
        ("Timezone", tz),
        ("Next runs", "\n".join(when(t, tz) for t in task.get("next_runs") or []) or "-"),
        ("Last fire", when(task.get("last_fire_at"), tz)),
        ("Missed runs", task["missed_run_policy"]),
        *_kind_rows(task),
    ]
    if task.get("pause_note"):  # controls: why the task is paused
        rows.insert(2, ("Paused because", task["pause_note"]))
    controls = _controls_line(task)
    if controls:
        rows.append(("Controls", controls))
    if task.get("condition"):
        rows.append(("Runs only if", condition_words(task["condition"])))
    if task.get("after"):
        rows.append(("Runs after", after_words(task["after"])))
    if task.get("description"):
        rows.append(("From words", task["description"]))
    if task.get("assumptions"):
        rows.append(("Assumed", "\n".join(task["assumptions"])))
    rows.append(("Created", when(task.get("created_at"), tz)))
    for label, value in rows:
        grid.add_row(label, value)
    return grid


def after_words(after: Mapping[str, Any]) -> str:
    """``task 3 succeeded, task 5 failed (all of them)``: what a task runs after."""
    listed = ", ".join(f"task {u['task_id']} {u['on']}" for u in after.get("tasks") or [])
    if len(after.get("tasks") or []) < 2:
        return listed
    return f"{listed} ({'all of them' if after.get('mode') == 'all' else 'each one'})"


def _kind_rows(task: Mapping[str, Any]) -> list[tuple[str, str | Text]]:
    """What the task does, by kind (docs/task-kinds.md)."""
    kind = task.get("kind") or "agent"
    if kind == "http":
        http = task.get("http") or {}
        expected = http.get("expected_status")
        rows: list[tuple[str, str | Text]] = [
            ("Kind", "http: one request per run"),
            ("Request", f"{http.get('method', 'GET')} {http.get('url', '')}"),
            ("Success", f"HTTP {expected}" if expected else "any 2xx status"),
            ("Timeout", f"{task['timeout_seconds']} s"),
        ]
        headers = http.get("headers") or {}
        if headers:
            rows.append(("Headers", "\n".join(f"{k}: {v}" for k, v in headers.items())))
        if http.get("body") is not None:
            rows.append(("Body", clip(http["body"], 500)))
        return rows
    if kind == "function":
        return [
            ("Kind", "function"),
            ("Function", task.get("function") or "-"),
            ("Timeout", f"{task['timeout_seconds']} s"),
        ]
    rows = [
        ("Kind", "agent"),
        ("Model", task.get("model") or "(service default)"),
        ("Tools", ", ".join(task.get("tools") or []) or "(none)"),
        ("Limits", f"{task['max_steps']} steps, {task['timeout_seconds']} s, {task['max_retries']} retries"),
    ]
    if task.get("template_id") is not None:
        params = task.get("params") or {}
        rows.append(("Template", f"#{task['template_id']}"))
        rows.append(("Params", Text(json.dumps(params, ensure_ascii=False, sort_keys=True))))
    rows.append(("Instructions", task["instructions"]))
    return rows


def runs_table(runs: Sequence[Mapping[str, Any]], total: int, timezones: dict[int, str], title: str = "Runs") -> Table:
    table = Table(title=f"{title} ({len(runs)} of {total})", title_justify="left")
    for column in ("ID", "Task", "Trigger", "Status", "Scheduled for", "Duration", "Tokens", "Cost", "Why"):
        table.add_column(column, overflow="fold")
    for run in runs:
        table.add_row(
            str(run["id"]),
            str(run["task_id"]),
            run["trigger"],
            styled(run["status"]),
            when(run["scheduled_for"], timezones.get(run["task_id"])),
            duration(run.get("duration_ms")),
            tokens(run.get("prompt_tokens"), run.get("completion_tokens")),
            cost(run.get("cost_usd")),
            clip(run.get("error") or run.get("reason"), 50),
        )
    return table


def run_panel(run: Mapping[str, Any], timezone: str | None) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column(overflow="fold")
    rows: list[tuple[str, str | Text]] = [
        ("Run", f"{run['id']}  (task {run['task_id']}, {run['trigger']}, attempt {run['attempt']})"),
        ("Status", styled(run["status"])),
        ("Scheduled for", when(run["scheduled_for"], timezone)),
        ("Started", when(run.get("started_at"), timezone)),
        ("Finished", when(run.get("finished_at"), timezone)),
        ("Duration", duration(run.get("duration_ms"))),
        ("Start delay", duration(run.get("trigger_delay_ms"))),
        ("Model", run.get("model") or "-"),
        (
            "Tokens",
            f"{tokens(run.get('prompt_tokens'), run.get('completion_tokens'))} "
            f"(prompt {run.get('prompt_tokens') or 0}, completion {run.get('completion_tokens') or 0})",
        ),
        ("Cost", cost(run.get("cost_usd"))),
    ]
    if run.get("due_at") and run["due_at"] != run["scheduled_for"]:
        rows.insert(3, ("Due at", when(run["due_at"], timezone)))  # controls: after jitter/spread
    if run.get("upstream_execution_id") is not None:
        rows.append(("Upstream run", str(run["upstream_execution_id"])))
    if run.get("sla_breach"):
        rows.append(("SLA breach", Text(run["sla_breach"], style="red")))
    if run.get("reason"):
        rows.append(("Why", run["reason"]))
    if run.get("condition_result") and run["condition_result"] not in (run.get("reason") or ""):
        rows.append(("Condition", run["condition_result"]))
    if run.get("inputs") is not None:
        rows.append(("Inputs", Text(json.dumps(run["inputs"], ensure_ascii=False, sort_keys=True))))
    if run.get("instructions"):
        rows.append(("Instructions", run["instructions"]))
    if run.get("error"):
        rows.append(("Error", Text(run["error"], style="red")))
    if run.get("output"):
        rows.append(("Output", run["output"]))
    for label, value in rows:
        grid.add_row(label, value)
    return grid


def steps_table(steps: Sequence[Mapping[str, Any]]) -> Table:
    table = Table(title=f"Steps ({len(steps)})", title_justify="left")
    for column in ("#", "Kind", "Name", "Latency", "Tokens", "Result"):
        table.add_column(column, overflow="fold")
    for step in steps:
        result = (
            Text(clip(step["error"], 70), style="red")
            if step.get("error")
            else Text(clip(_text(step.get("output")), 70))
        )
        table.add_row(
            str(step["index"]),
            step["kind"],
            step["name"],
            f"{step['latency_ms']:.0f} ms",
            tokens(step.get("prompt_tokens"), step.get("completion_tokens")),
            result,
        )
    return table


def run_status_line(run: Mapping[str, Any]) -> Text:
    """``Run 12 of task 3: running`` with the status in its colour, and why when the record says."""
    line = Text(f"Run {run['id']} of task {run['task_id']}: ")
    line.append_text(styled(run["status"]))
    detail = run.get("error") or run.get("reason")
    if detail:
        line.append(f" ({clip(detail, 120)})")
    return line


def step_line(step: Mapping[str, Any]) -> Text:
    """One step as it happens: index, kind, name, latency, tokens, and what it did (the tools an LLM call asked for)."""
    output = step.get("output")
    if step.get("error"):
        result = Text(clip(step["error"], 100), style="red")
    elif step["kind"] == "llm" and isinstance(output, dict) and output.get("tool_calls"):
        result = Text("calls " + ", ".join(str(c.get("name")) for c in output["tool_calls"]))
    elif step["kind"] == "llm" and isinstance(output, dict):
        result = Text(clip(output.get("content") or "", 100))
    else:
        result = Text(clip(_text(output), 100))
    line = Text(f"  #{step['index']} {step['kind']} {step['name']}  {step['latency_ms']:.0f} ms")
    spent = tokens(step.get("prompt_tokens"), step.get("completion_tokens"))
    if spent != "-":
        line.append(f"  {spent} tokens")
    line.append("  -> ")
    line.append_text(result)
    return line


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    import json

    return json.dumps(value, ensure_ascii=False)


def condition_words(condition: Mapping[str, Any]) -> str:
    """A run condition in words: ``the content at URL changed`` or ``URL answers 2xx``."""
    if condition.get("url_changed"):
        return f"the content at {condition['url_changed']} changed since the last check"
    if condition.get("http_ok"):
        return f"{condition['http_ok']} answers 2xx"
    return json.dumps(dict(condition), sort_keys=True)


def _controls_line(task: Mapping[str, Any]) -> str:
    """The controls a task sets beyond the defaults, in one line (docs/controls.md)."""
    parts = []
    if task.get("overlap_policy", "skip") != "skip":
        parts.append(f"overlap {task['overlap_policy']}")
    if task.get("concurrency_key"):
        parts.append(f"key {task['concurrency_key']}")
    if task.get("jitter_seconds"):
        parts.append(f"jitter {task['jitter_seconds']} s")
    for field, label in (
        ("max_cost_usd_per_run", "per run"),
        ("max_cost_usd_per_day", "per day"),
        ("max_cost_usd_per_month", "per month"),
    ):
        if task.get(field) is not None:
            parts.append(f"${task[field]:g} {label}")
    if task.get("max_tokens_per_run"):
        parts.append(f"{task['max_tokens_per_run']} tokens per run")
    if task.get("pause_after_failures"):
        parts.append(f"pause after {task['pause_after_failures']} failures")
    if task.get("max_delay_seconds") is not None:
        parts.append(f"SLA start within {task['max_delay_seconds']} s")
    if task.get("max_duration_seconds") is not None:
        parts.append(f"SLA run within {task['max_duration_seconds']} s")
    return ", ".join(parts)
