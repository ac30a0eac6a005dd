"""What tools return: small JSON dicts built from read models, always carrying ids; times in the task's zone."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from app.services.concurrency import KeyView, PriceView, SpendView
from app.services.inputs import CONTROL_FIELDS
from app.services.views import Explanation, RunTotals, RunView, SchedulePreview, TaskView
from app.tools.times import local

MAX_STEPS_SHOWN = 30


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def task_dict(task: TaskView, *, next_runs: int = 0, full: bool = False) -> dict[str, Any]:
    """A task as a model sees it; ``next_runs`` upcoming times are listed when asked."""
    view: dict[str, Any] = {
        "task_id": task.id,
        "name": task.name,
        "state": task.state.value,
        "schedule": task.schedule.model_dump(mode="json"),
        "schedule_description": task.schedule_description,
        "timezone": task.timezone,
        "next_run_at": iso(task.next_run_at),
        "kind": task.kind.value,
    }
    if task.pause_note:
        view["pause_note"] = task.pause_note
    if task.http is not None:
        view["http"] = task.http  # secret headers already [REDACTED]
    if task.function is not None:
        view["function"] = task.function
    if task.template_id is not None:
        view |= {"template_id": task.template_id, "params": task.params}
    if next_runs and task.next_runs:
        view["next_runs"] = [iso(t) for t in task.next_runs[:next_runs]]
        moved = [f for f in task.next_fires[:next_runs] if f.due_at != f.scheduled_for]
        if moved:  # jitter or spread: each fire starts at its due time, recorded at its nominal one
            view["next_fires"] = [
                {"scheduled_for": iso(f.scheduled_for), "due_at": iso(f.due_at)} for f in task.next_fires[:next_runs]
            ]
    if full:
        view |= {
            "instructions": task.instructions,
            "description": task.description,
            "missed_run_policy": task.missed_run_policy.value,
            "model": task.model,
            "tools": list(task.tools),
            "max_steps": task.max_steps,
            "timeout_seconds": task.timeout_seconds,
            "max_retries": task.max_retries,
            "retry_on_interrupt": task.retry_on_interrupt,
            "controls": controls_dict(task),
            "created_at": iso(task.created_at),
            "updated_at": iso(task.updated_at),
            "parser": task.parser,
            "assumptions": list(task.assumptions),
            "condition": task.condition,
        }
        if task.after is not None:
            view["after"] = {
                "mode": task.after.mode.value,
                "tasks": [{**asdict(u), "on": u.on.value} for u in task.after.tasks],
            }
    else:
        view["instructions"] = _clip(task.instructions, 200)
    return view


def run_dict(run: RunView, *, full: bool = False) -> dict[str, Any]:
    """A run record as a model sees it, times in the task's timezone."""
    view: dict[str, Any] = {
        "execution_id": run.id,
        "task_id": run.task_id,
        "status": run.status.value,
        "trigger": run.trigger.value,
        "scheduled_for": iso(run.scheduled_for),
        "due_at": iso(run.due_at),
        "started_at": iso(run.started_at),
        "trigger_delay_ms": run.trigger_delay_ms,
        "finished_at": iso(run.finished_at),
        "duration_ms": run.duration_ms,
        "reason": run.reason,
        "error": run.error if full else _clip(run.error, 300),
        "prompt_tokens": run.prompt_tokens,
        "completion_tokens": run.completion_tokens,
        "cost_usd": run.cost_usd,
        "attempt": run.attempt,
        "retry_of": run.retry_of,
        "sla_breach": run.sla_breach,
    }
    if run.inputs is not None:
        view["inputs"] = run.inputs
    if run.condition_result is not None:
        view["condition_result"] = run.condition_result
    if run.upstream_execution_id is not None:
        view["upstream_execution_id"] = run.upstream_execution_id
    if full:
        view["output"] = _clip(run.output, 4000)
        view["model"] = run.model
    return view


def controls_dict(task: TaskView) -> dict[str, Any]:
    """Every per-task control (docs/controls.md) by its field name; null means off."""
    return {name: getattr(task, name) for name in CONTROL_FIELDS}


def spend_dict(spend: SpendView) -> dict[str, Any]:
    return {
        "today_usd": spend.day_usd,
        "max_cost_usd_per_day": spend.max_cost_usd_per_day,
        "this_month_usd": spend.month_usd,
        "max_cost_usd_per_month": spend.max_cost_usd_per_month,
    }


def key_dict(key: KeyView) -> dict[str, Any]:
    return {
        "key": key.key,
        "max_running": key.max_running,
        "running": key.running,
        "queued": key.queued,
        "tasks": key.tasks,
        "updated_at": iso(key.updated_at),
    }


def price_dict(price: PriceView) -> dict[str, Any]:
    return {
        "model": price.model,
        "input_per_million": price.input_per_million,
        "output_per_million": price.output_per_million,
        "updated_at": iso(price.updated_at),
    }


def run_with_steps(run: RunView) -> dict[str, Any]:
    steps = run.steps or ()
    return {
        "run": run_dict(run, full=True),
        "steps": [
            {
                "index": s.index,
                "kind": s.kind,
                "name": s.name,
                "error": s.error,
                "latency_ms": round(s.latency_ms),
                "prompt_tokens": s.prompt_tokens,
                "completion_tokens": s.completion_tokens,
            }
            for s in steps[:MAX_STEPS_SHOWN]
        ],
        "total_steps": len(steps),
    }


def explanation_dict(explanation: Explanation) -> dict[str, Any]:
    return {
        "task_id": explanation.task_id,
        "period": {"since": iso(explanation.since), "until": iso(explanation.until)},
        "verdict": explanation.verdict,
        "findings": list(explanation.findings),
        "execution_ids": list(explanation.execution_ids),
        "next_run_at": iso(explanation.next_run_at),
    }


def totals_dict(totals: RunTotals, timezone: str) -> dict[str, Any]:
    return {
        "task_id": totals.task_id,
        "period": {"since": local(totals.since, timezone), "until": local(totals.until, timezone)},
        "runs": totals.runs,
        "by_status": {s.status.value: s.runs for s in totals.by_status},
        "prompt_tokens": totals.prompt_tokens,
        "completion_tokens": totals.completion_tokens,
        "cost_usd": totals.cost_usd,
        "runs_with_known_cost": totals.runs_with_known_cost,
        "runs_that_executed": totals.runs_that_executed,
    }


def preview_dict(preview: SchedulePreview) -> dict[str, Any]:
    return {
        "description": preview.description,
        "timezone": preview.timezone,
        "next_runs": [iso(t) for t in preview.next_runs],
    }


def _clip(text: str | None, width: int) -> str | None:
    if text is None or len(text) <= width:
        return text
    return text[: width - 1] + "…"
