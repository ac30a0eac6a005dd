"""What chat tools return about tasks and runs: small JSON dicts that always carry ids."""

from __future__ import annotations

from typing import Any

from app.chat.times import local
from app.db.models import Execution, Task
from app.schedules.of_task import compile_task, spec_of


def task_view(task: Task, *, next_runs: int = 0, full: bool = False) -> dict[str, Any]:
    """A task as the assistant sees it; ``next_runs`` upcoming times are listed when asked."""
    tz = task.timezone
    compiled = compile_task(task)
    view: dict[str, Any] = {
        "task_id": task.id,
        "name": task.name,
        "state": task.state,
        "schedule": spec_of(task).model_dump(mode="json"),
        "schedule_description": compiled.describe(),
        "timezone": tz,
        "next_run_at": local(task.next_run_at, tz) if task.state == "active" else None,
    }
    if task.pause_note:  # controls: why it is paused (by hand, a budget, or failures)
        view["pause_note"] = task.pause_note
    if next_runs and task.state == "active" and task.next_run_at is not None:
        times = [task.next_run_at]
        while len(times) < next_runs:
            following = compiled.next_fire(times[-1])
            if following is None:
                break
            times.append(following)
        view["next_runs"] = [local(t, tz) for t in times]
    if full:
        info = task.parse_info or {}
        view |= {
            "instructions": task.instructions,
            "description": task.description,
            "missed_run_policy": task.missed_run_policy,
            "model": task.model,
            "tools": list(task.tools or []),
            "max_steps": task.max_steps,
            "timeout_seconds": task.timeout_seconds,
            "max_retries": task.max_retries,
            "created_at": local(task.created_at, tz),
            "updated_at": local(task.updated_at, tz),
            "parser": info.get("parser"),
            "assumptions": list(info.get("assumptions", [])),
        }
    else:
        view["instructions"] = _clip(task.instructions, 200)
    return view


def execution_view(execution: Execution, timezone: str, *, full: bool = False) -> dict[str, Any]:
    """A run record as the assistant sees it, times in ``timezone`` (the task's)."""
    view: dict[str, Any] = {
        "execution_id": execution.id,
        "task_id": execution.task_id,
        "status": execution.status,
        "trigger": execution.trigger,
        "scheduled_for": local(execution.scheduled_for, timezone),
        "started_at": local(execution.started_at, timezone),
        "finished_at": local(execution.finished_at, timezone),
        "duration_ms": execution.duration_ms,
        "reason": execution.reason,
        "error": execution.error if full else _clip(execution.error, 300),
        "prompt_tokens": execution.prompt_tokens,
        "completion_tokens": execution.completion_tokens,
        "cost_usd": execution.cost_usd,
        "attempt": execution.attempt,
    }
    if full:
        view["output"] = _clip(execution.output, 4000)
        view["model"] = execution.model
    return view


def _clip(text: str | None, width: int) -> str | None:
    if text is None or len(text) <= width:
        return text
    return text[: width - 1] + "…"
