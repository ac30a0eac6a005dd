"""The tools themselves: what each does over the services, and how it is described to a model."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, TypeVar

from app.errors import ValidationFailed
from app.services.executions import ExecutionFilter
from app.services.inputs import CONTROL_FIELDS, AnySpec, CronSpec, IntervalSpec, OnceSpec, TaskCreate, TaskUpdate
from app.services.tasks import TaskFilter
from app.services.views import TaskView
from app.tools import args as A
from app.tools.base import ToolContext, ToolDef, ToolFailed
from app.tools.controls import CONTROL_TOOLS
from app.tools.render import (
    explanation_dict,
    preview_dict,
    run_dict,
    run_with_steps,
    spend_dict,
    task_dict,
    totals_dict,
)
from app.tools.times import local, parse_instant

_T = TypeVar("_T")

NEXT_RUNS = 5
RECENT_RUNS = 5


def _when(ctx: ToolContext, value: str | None, timezone: str) -> datetime | None:
    return None if value is None else parse_instant(value, now=ctx.now, timezone=timezone)


# -- tasks -----------------------------------------------------------------------------------


OPTIONS = {"model", "tools", "missed_run_policy", "condition", "after", *CONTROL_FIELDS}
KIND_OPTIONS = {"kind", "http", "function", "template", "params"}


async def schedule_task(ctx: ToolContext, a: A.ScheduleTask) -> dict[str, Any]:
    fields: dict[str, Any] = a.model_dump(include=OPTIONS | KIND_OPTIONS, exclude_none=True)
    if a.schedule is not None:
        named = a.instructions or a.function or (a.http.url if a.http else None) or f"template {a.template}"
        fields |= {"name": a.name or _name_from(named), "schedule": a.schedule}
        if a.instructions is not None:
            fields["instructions"] = a.instructions
    else:
        fields |= {"description": a.description, "timezone": a.timezone or ctx.timezone}
        fields |= {k: v for k, v in (("name", a.name), ("instructions", a.instructions)) if v is not None}
    # The service's own input shape checks it, as it checks an API request.
    task = await ctx.services.tasks.create(TaskCreate.model_validate(fields))
    return {"status": "created", "task": task_dict(task, next_runs=NEXT_RUNS, full=True)}


async def find_tasks(ctx: ToolContext, a: A.FindTasks) -> dict[str, Any]:
    tasks = ctx.services.tasks
    if a.kind is not None or a.offset:
        page = await tasks.list(
            TaskFilter(state=a.state, q=a.query, schedule_kind=a.kind), limit=a.limit, offset=a.offset
        )
    else:
        page = await tasks.search(a.query, state=a.state, limit=a.limit)
    return {"total": page.total, "offset": a.offset, "tasks": [task_dict(t) for t in page.items]}


async def show_task(ctx: ToolContext, a: A.TaskRef) -> dict[str, Any]:
    task = await ctx.services.tasks.get(a.task_id)
    recent = await ctx.services.runs.list(ExecutionFilter(task_id=task.id), limit=RECENT_RUNS, offset=0)
    spend = await ctx.services.controls.spend(task.id)
    return {
        "task": task_dict(task, next_runs=NEXT_RUNS, full=True),
        "spend": spend_dict(spend),
        "recent_runs": [run_dict(r) for r in recent.items],
        "total_runs": recent.total,
    }


async def update_task(ctx: ToolContext, a: A.UpdateTask) -> dict[str, Any]:
    task = await ctx.services.tasks.get(a.task_id)
    fields: dict[str, Any] = a.model_dump(
        exclude_none=True,
        exclude={
            "task_id",
            "schedule_text",
            "cron",
            "at",
            "every_seconds",
            "timezone",
            "clear",
            "remove_condition",
            "after",
            "clear_after",
        },
    )
    fields |= dict.fromkeys(a.clear or (), None)  # null switches a control off, as in PATCH /api/tasks
    if a.remove_condition:
        fields["condition"] = None
    if a.clear_after:
        fields["after"] = None
    elif a.after is not None:
        fields["after"] = a.after.model_dump(mode="json")
    schedule = await _new_schedule(ctx, task, a)
    if schedule is not None:
        fields["schedule"] = schedule
    if not fields:
        raise ToolFailed("nothing_to_change", "Give at least one field to change.")
    updated = await ctx.services.tasks.update(task.id, TaskUpdate.model_validate(fields))
    return {"status": "updated", "changed": sorted(fields), "task": task_dict(updated, next_runs=NEXT_RUNS, full=True)}


async def _new_schedule(ctx: ToolContext, task: TaskView, a: A.UpdateTask) -> dict[str, Any] | None:
    tz = a.timezone or task.timezone
    if a.schedule_text:
        parsed = await ctx.services.schedules.parse(a.schedule_text, timezone=tz)
        schedule: dict[str, Any] = parsed.schedule.model_dump(mode="json")
        return schedule
    if a.cron:
        return {"kind": "cron", "cron": a.cron, "timezone": tz}
    if a.at:
        return {"kind": "once", "at": a.at, "timezone": tz}
    if a.every_seconds:
        return {"kind": "interval", "every_seconds": a.every_seconds, "timezone": tz}
    if a.timezone:
        return {**task.schedule.model_dump(mode="json"), "timezone": a.timezone}
    return None


async def pause_task(ctx: ToolContext, a: A.PauseOrResume) -> dict[str, Any]:
    return {"status": "paused", "task": task_dict(await ctx.services.tasks.pause(a.task_id, a.note))}


async def resume_task(ctx: ToolContext, a: A.PauseOrResume) -> dict[str, Any]:
    resumed = await ctx.services.tasks.resume(a.task_id, a.note)
    return {"status": "resumed", "task": task_dict(resumed, next_runs=3)}


async def cancel_schedule(ctx: ToolContext, a: A.CancelSchedule) -> dict[str, Any]:
    if a.pause:
        return await pause_task(ctx, A.PauseOrResume(task_id=a.task_id))
    task = await ctx.services.tasks.get(a.task_id)
    await ctx.services.tasks.delete(a.task_id)
    return {"status": "deleted", "deleted": True, "task_id": task.id, "name": task.name}


async def run_task_now(ctx: ToolContext, a: A.RunNow) -> dict[str, Any]:
    run = await ctx.services.tasks.run_now(a.task_id, inputs=a.inputs, idempotency_key=a.idempotency_key)
    return {"status": "queued", "execution": run_dict(run)}


async def delete_task(ctx: ToolContext, a: A.TaskRef) -> dict[str, Any]:
    """Never deletes: records a pending deletion that only a LATER user message can confirm."""
    task = await ctx.services.tasks.get(a.task_id)
    ctx.pending.action = {"action": "delete_task", "task_id": task.id, "task_name": task.name, "turn": ctx.turn}
    return {
        "status": "needs_confirmation",
        "deleted": False,
        "task": task_dict(task),
        "message": (
            f"Nothing was deleted. Ask the user to confirm deleting task {task.id} ({task.name}) "
            "and its run history. Call confirm_delete only if their NEXT message confirms."
        ),
    }


async def confirm_delete(ctx: ToolContext, a: A.TaskRef) -> dict[str, Any]:
    pending = ctx.pending.action
    if not pending or pending.get("action") != "delete_task" or pending.get("task_id") != a.task_id:
        raise ToolFailed(
            "no_pending_delete",
            f"No deletion of task {a.task_id} is waiting for confirmation: call delete_task first and ask the user.",
        )
    if int(pending["turn"]) >= ctx.turn:
        raise ToolFailed(
            "needs_confirmation",
            "The user has not confirmed yet. Ask them; the deletion can only be confirmed in their next message.",
        )
    await ctx.services.tasks.delete(a.task_id)
    ctx.pending.action = None
    return {"status": "deleted", "deleted": True, "task_id": a.task_id, "name": pending.get("task_name")}


# -- runs and schedules --------------------------------------------------------------------


async def list_runs(ctx: ToolContext, a: A.ListRuns) -> dict[str, Any]:
    since = _when(ctx, a.since, ctx.timezone)
    until = _when(ctx, a.until, ctx.timezone)
    flt = ExecutionFilter(task_id=a.task_id, status=a.status, trigger=a.trigger, since=since, until=until)
    page = await ctx.services.runs.list(flt, limit=a.limit, offset=0)
    return {
        "total": page.total,
        "shown": len(page.items),
        "runs": [run_dict(r) for r in page.items],
        "filters": {
            "task_id": a.task_id,
            "status": a.status.value if a.status else None,
            "trigger": a.trigger.value if a.trigger else None,
            "since": local(since, ctx.timezone),
            "until": local(until, ctx.timezone),
        },
    }


async def show_run(ctx: ToolContext, a: A.RunRef) -> dict[str, Any]:
    return run_with_steps(await ctx.services.runs.get(a.execution_id))


async def cancel_run(ctx: ToolContext, a: A.RunRef) -> dict[str, Any]:
    return run_dict(await ctx.services.cancel_run(a.execution_id))


async def explain_task(ctx: ToolContext, a: A.Explain) -> dict[str, Any]:
    task = await ctx.services.tasks.get(a.task_id)
    since = _when(ctx, a.since, task.timezone)
    until = _when(ctx, a.until, task.timezone)
    if a.at is not None:
        at = parse_instant(a.at, now=ctx.now, timezone=task.timezone)
        since, until = since or at - timedelta(hours=1), until or at + timedelta(hours=1)
    explanation = await ctx.services.runs.explain(task.id, since=since, until=until)
    return {**explanation_dict(explanation), "task": task_dict(task)}


async def run_totals(ctx: ToolContext, a: A.Totals) -> dict[str, Any]:
    tz = ctx.timezone
    if a.task_id is not None:
        tz = (await ctx.services.tasks.get(a.task_id)).timezone
    since = _when(ctx, a.since, tz)
    until = _when(ctx, a.until, tz)
    totals = await ctx.services.runs.totals(task_id=a.task_id, since=since, until=until)
    return totals_dict(totals, tz)


async def preview_schedule(ctx: ToolContext, a: A.Preview) -> dict[str, Any]:
    spec: AnySpec
    if a.kind == "cron":
        spec = CronSpec(cron=_need("cron", a.cron), timezone=a.timezone)
    elif a.kind == "once":
        spec = OnceSpec.model_validate({"at": _need("at", a.at), "timezone": a.timezone})
    else:
        spec = IntervalSpec(every_seconds=_need("every_seconds", a.every_seconds), timezone=a.timezone)
    return preview_dict(ctx.services.schedules.preview(spec, count=a.count))


def _need(name: str, value: _T | None) -> _T:
    if value is None:
        raise ValidationFailed(f"`{name}` is required for this kind of schedule")
    return value


def _name_from(instructions: str) -> str:
    words = " ".join(instructions.split())
    return words if len(words) <= 60 else words[:59] + "…"


TASK_TOOLS: tuple[ToolDef, ...] = (
    ToolDef(
        name="ScheduleTask",
        chat_name="create_task",
        title="Schedule a task",
        description=(
            "Create a scheduled agent task. Pass the user's own words in `description` (when and what, e.g. "
            "'every weekday at 9am Berlin time, check status.example.com and summarise incidents'), or an explicit "
            "`schedule` with `instructions` (or a prompt `template` with `params`). `kind: http` makes one HTTP "
            "request per run (`http`), `kind: function` calls a registered `function`; neither uses a model. "
            "Returns the task with its schedule in words, its next runs and any assumptions: tell the user. "
            "If the words are ambiguous the error `ambiguous_schedule` carries the question to ask the user. "
            "Optional controls: `overlap_policy` (skip, buffer_one, cancel_other, "
            "allow), `concurrency_key`, `jitter_seconds`, budgets (`max_cost_usd_per_run`, `max_tokens_per_run`, "
            "`max_cost_usd_per_day`, `max_cost_usd_per_month`, `pause_on_budget`), `pause_after_failures`, and "
            "SLAs (`max_delay_seconds`, `max_duration_seconds`)."
        ),
        args=A.ScheduleTask,
        handler=schedule_task,
        read_only=False,
        destructive=False,
        idempotent=False,
    ),
    ToolDef(
        name="ListSchedules",
        chat_name="find_tasks",
        title="List or find tasks",
        description=(
            "List scheduled tasks, or find them by words in their name or instructions (`query`), by state or "
            "schedule kind; pages with `limit`/`offset`. Answers with `total` and each task's id, state, schedule "
            "in words and next run."
        ),
        args=A.FindTasks,
        handler=find_tasks,
        read_only=True,
        destructive=False,
        idempotent=True,
    ),
    ToolDef(
        name="GetTask",
        chat_name="show_task",
        title="Show a task",
        description=(
            "Show one task in full: schedule, next runs (with due times when jitter moves them), instructions, "
            "options, its controls, its pause note, what it spent today and this month against its budgets, "
            "and its latest runs."
        ),
        args=A.TaskRef,
        handler=show_task,
        read_only=True,
        destructive=False,
        idempotent=True,
    ),
    ToolDef(
        name="UpdateTask",
        chat_name="update_task",
        title="Change a task",
        description=(
            "Change a task: name, instructions, schedule (in words via `schedule_text`, or `cron`/`at`/"
            "`every_seconds`), timezone, options, and its controls (overlap policy, concurrency key, jitter, "
            "budgets, failure pause, SLAs; the same fields as ScheduleTask). Switch a control off by naming it "
            "in `clear`. A new schedule takes effect at once."
        ),
        args=A.UpdateTask,
        handler=update_task,
        read_only=False,
        destructive=True,
        idempotent=True,
    ),
    ToolDef(
        name="PauseTask",
        chat_name="pause_task",
        title="Pause a task",
        description=(
            "Pause a task, optionally with a `note` saying why (shown with the task until it resumes): its "
            "schedule stops firing until resumed. Its history is kept; run now and backfill still work."
        ),
        args=A.PauseOrResume,
        handler=pause_task,
        read_only=False,
        destructive=False,
        idempotent=True,
    ),
    ToolDef(
        name="ResumeTask",
        chat_name="resume_task",
        title="Resume a task",
        description=(
            "Resume a paused task; it fires again from its next scheduled time. The pause note is cleared and "
            "a fresh failure streak starts."
        ),
        args=A.PauseOrResume,
        handler=resume_task,
        read_only=False,
        destructive=False,
        idempotent=True,
    ),
    ToolDef(
        name="CancelSchedule",
        chat_name=None,
        title="Cancel a task's schedule",
        description=(
            "Stop a task for good: deletes it with its run history. With `pause: true` it is only paused and "
            "can be resumed. Confirm with the user before deleting."
        ),
        args=A.CancelSchedule,
        handler=cancel_schedule,
        read_only=False,
        destructive=True,
        idempotent=True,
        clients=frozenset({"mcp"}),
    ),
    ToolDef(
        name="RunTaskNow",
        chat_name="run_task_now",
        title="Run a task now",
        description=(
            "Queue a manual run of a task now, optionally with `inputs` (a JSON object the agent sees as data); "
            "returns the queued execution (its id is for GetRun). "
            "A task never runs twice at once: if it is already running this is a `conflict`."
        ),
        args=A.RunNow,
        handler=run_task_now,
        read_only=False,
        destructive=False,
        idempotent=False,
    ),
    ToolDef(
        name="DeleteTask",
        chat_name="delete_task",
        title="Ask to delete a task",
        description=(
            "Ask to delete a task. This does NOT delete: it returns what would be deleted; ask the user to "
            "confirm, and only in a later turn, after they confirm, call confirm_delete."
        ),
        args=A.TaskRef,
        handler=delete_task,
        read_only=False,
        destructive=False,
        idempotent=True,
        clients=frozenset({"chat"}),
    ),
    ToolDef(
        name="ConfirmDelete",
        chat_name="confirm_delete",
        title="Delete a confirmed task",
        description="Delete a task the user asked to delete in an earlier message and has now confirmed.",
        args=A.TaskRef,
        handler=confirm_delete,
        read_only=False,
        destructive=True,
        idempotent=True,
        clients=frozenset({"chat"}),
    ),
    ToolDef(
        name="ListRuns",
        chat_name="list_runs",
        title="List runs",
        description=(
            "List run records (executions), newest first, by task, status and scheduled time range. "
            "Each has its id, status (succeeded, failed, missed, skipped, waiting, ...), trigger (schedule, "
            "manual, catchup, retry, event, backfill), inputs, nominal `scheduled_for` and `due_at` (after "
            "jitter), times, tokens, cost, `sla_breach`, `attempt` and `retry_of`."
        ),
        args=A.ListRuns,
        handler=list_runs,
        read_only=True,
        destructive=False,
        idempotent=True,
    ),
    ToolDef(
        name="GetRun",
        chat_name="show_run",
        title="Show a run",
        description=(
            "Show one run record in full: trigger, inputs, nominal and due time, output, error, tokens, cost, "
            "SLA breach, attempt and the run it retries, and its steps (each LLM and tool call)."
        ),
        args=A.RunRef,
        handler=show_run,
        read_only=True,
        destructive=False,
        idempotent=True,
    ),
    ToolDef(
        name="CancelRun",
        chat_name="cancel_run",
        title="Cancel a run",
        description=(
            "Stop one run (execution) that is queued or running: a queued run never starts, a running one is "
            "stopped at once and keeps the steps it did. A run that has already ended cannot be cancelled."
        ),
        args=A.RunRef,
        handler=cancel_run,
        read_only=False,
        destructive=True,
        idempotent=True,
    ),
    ToolDef(
        name="ExplainRun",
        chat_name="explain_task",
        title="Explain why a task did or did not run",
        description=(
            "Explain why a task did or did not run around a time (`at`) or in a period: paused, missed while "
            "the service was down, skipped (also when its run condition was not met), failed, run after another "
            "task's run (trigger dependency, naming that run), next run. Answer 'why didn't it run at ...?' and "
            "'why did it run?' from its findings, which cite execution ids."
        ),
        args=A.Explain,
        handler=explain_task,
        read_only=True,
        destructive=False,
        idempotent=True,
    ),
    ToolDef(
        name="RunTotals",
        chat_name="run_totals",
        title="Count runs, tokens and cost",
        description="Count runs by status and sum tokens and cost over a period, for one task or all.",
        args=A.Totals,
        handler=run_totals,
        read_only=True,
        destructive=False,
        idempotent=True,
    ),
    ToolDef(
        name="PreviewSchedule",
        chat_name="preview_schedule",
        title="Preview a schedule",
        description=(
            "Check a schedule without saving anything: its meaning in words and its next run times. "
            "Cron has 5 fields with standard meaning; `at` is ISO 8601; `every_seconds` an interval."
        ),
        args=A.Preview,
        handler=preview_schedule,
        read_only=True,
        destructive=False,
        idempotent=True,
    ),
)


TOOLS: tuple[ToolDef, ...] = TASK_TOOLS + CONTROL_TOOLS


def tools_for(client: str, *, read_only: bool = False) -> tuple[ToolDef, ...]:
    """The tools a client offers (only the read-only ones when ``read_only``)."""
    return tuple(t for t in TOOLS if client in t.clients and (t.read_only or not read_only))
