"""What tools return: small JSON dicts built from read models, always carrying ids; times in the task's zone."""

from __future__ import annotations

from datetime import datetime
from typing import Any

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
    if task.http is not None:
        view["http"] = task.http  # secret headers already [REDACTED]
    if task.function is not None:
        view["function"] = task.function
    if task.template_id is not None:
        view |= {"template_id": task.template_id, "params": task.params}
    if next_runs and task.next_runs:
        view["next_runs"] = [iso(t) for t in task.next_runs[:next_runs]]
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
            "created_at": iso(task.created_at),
            "updated_at": iso(task.updated_at),
            "parser": task.parser,
            "assumptions": list(task.assumptions),
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
        "started_at": iso(run.started_at),
        "finished_at": iso(run.finished_at),
        "duration_ms": run.duration_ms,
        "reason": run.reason,
        "error": run.error if full else _clip(run.error, 300),
        "prompt_tokens": run.prompt_tokens,
        "completion_tokens": run.completion_tokens,
        "cost_usd": run.cost_usd,
        "attempt": run.attempt,
    }
    if run.inputs is not None:
        view["inputs"] = run.inputs
    if full:
        view["output"] = _clip(run.output, 4000)
        view["model"] = run.model
    return view


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
