"""Task use cases: create, change, pause, resume, delete, run now, read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import Clock
from app.controls.overlap import BUFFER_SLOT, first_slot
from app.db.models import Execution, Task
from app.db.repositories import ExecutionRepository, FireRow, TaskFilter, TaskRepository
from app.errors import Conflict, NotFound, ValidationFailed
from app.llm.base import LLMClient
from app.nl import parse_description
from app.runner.tools import known_tools
from app.schedules import CompiledSchedule, compile_schedule
from app.schedules.of_task import compile_task
from app.schedules.spec import CronSpec, IntervalSpec, OnceSpec
from app.services import inputs
from app.services.notifier import mark_run_queued, mark_task_changed

Spec = CronSpec | OnceSpec | IntervalSpec


@dataclass(frozen=True, kw_only=True)
class TaskDeps:
    clock: Clock
    llm: LLMClient | None = None
    llm_model: str | None = None


class TaskService:
    def __init__(self, session: AsyncSession, deps: TaskDeps) -> None:
        self.session = session
        self.deps = deps
        self.tasks = TaskRepository(session)
        self.executions = ExecutionRepository(session)

    async def create(self, data: inputs.TaskCreate) -> Task:
        """Validate and store a task; it is scheduled once the caller commits."""
        now = self.deps.clock.now()
        description = data.description
        parse_info = None
        if description is not None:
            parsed = await parse_description(
                description,
                default_timezone=data.timezone,
                now=now,
                llm=self.deps.llm,
                model=self.deps.llm_model,
            )
            spec: Spec = parsed.schedule
            name = data.name or parsed.name
            instructions = data.instructions or parsed.instructions
            if not instructions.strip():
                raise ValidationFailed(
                    f"The description says when ({parsed.schedule.kind} schedule) but not what to do: "
                    "add the task's instructions, e.g. 'every day at 9am, summarise new incidents'.",
                    details={"schedule": parsed.schedule.model_dump(mode="json")},
                )
            parse_info = {"parser": parsed.parser, "assumptions": list(parsed.assumptions)}
        else:
            assert data.schedule is not None and data.name and data.instructions
            spec, name, instructions = data.schedule, data.name, data.instructions
        compiled = compile_schedule(spec, anchor=now, now=now)
        task = Task(
            name=name,
            instructions=instructions,
            description=description,
            parse_info=parse_info,
            missed_run_policy=data.missed_run_policy or "skip",
            model=data.model,
            tools=_check_tools(data.tools) if data.tools is not None else sorted(known_tools()),
            max_steps=data.max_steps or inputs.DEFAULT_MAX_STEPS,
            timeout_seconds=data.timeout_seconds or inputs.DEFAULT_TIMEOUT_SECONDS,
            max_retries=data.max_retries if data.max_retries is not None else inputs.DEFAULT_MAX_RETRIES,
            state="active" if data.enabled is not False else "paused",
            notify=data.notify.model_dump(mode="json") if data.notify else None,
            **_controls_of(data),
            revision=1,
            created_at=now,
            updated_at=now,
        )
        _apply_schedule(task, spec, compiled, now)
        await self.tasks.add(task)
        mark_task_changed(self.session, task.id)
        return task

    async def get(self, task_id: int) -> Task:
        task = await self.tasks.get(task_id)
        if task is None:
            raise NotFound("task", task_id)
        return task

    async def list(self, flt: TaskFilter, *, limit: int, offset: int) -> tuple[Sequence[Task], int]:
        return await self.tasks.list(flt, limit=limit, offset=offset)

    async def update(self, task_id: int, data: inputs.TaskUpdate) -> Task:
        """Change fields; a new schedule takes effect at once (next fire after now)."""
        task = await self._get_for_update(task_id)
        now = self.deps.clock.now()
        fields = data.model_fields_set
        for name in ("name", "instructions", "model", "max_steps", "timeout_seconds", "max_retries"):
            if name in fields:
                value = getattr(data, name)
                if value is None and name not in ("model",):
                    raise ValidationFailed(f"`{name}` cannot be null")
                setattr(task, name, value)
        if "missed_run_policy" in fields:
            if data.missed_run_policy is None:
                raise ValidationFailed("`missed_run_policy` cannot be null")
            task.missed_run_policy = data.missed_run_policy
        if "notify" in fields:
            task.notify = data.notify.model_dump(mode="json") if data.notify else None
        if "tools" in fields:
            task.tools = _check_tools(data.tools or [])
        for name in inputs.CONTROL_FIELDS:  # controls: null clears, except where a default applies
            if name in fields:
                value = getattr(data, name)
                if value is None and name in inputs.CONTROL_DEFAULTS:
                    raise ValidationFailed(f"`{name}` cannot be null")
                setattr(task, name, value)
        if "schedule" in fields:
            if data.schedule is None:
                raise ValidationFailed("`schedule` cannot be null")
            compiled = compile_schedule(data.schedule, anchor=now, now=now)
            _apply_schedule(task, data.schedule, compiled, now)
            if task.state == "completed":
                task.state = "active"
        if "enabled" in fields and data.enabled is not None:
            if data.enabled and task.state == "paused":
                self._resume(task, now)
            elif not data.enabled and task.state == "active":
                task.state = "paused"
                task.pause_note = None
        self._touch(task, now)
        return task

    async def pause(self, task_id: int, note: str | None = None) -> Task:
        """Stop firing; ``note`` says why (shown with the task until it resumes)."""
        task = await self._get_for_update(task_id)
        if task.state == "completed":
            raise Conflict(f"Task {task_id} has completed; there is nothing to pause.")
        if task.state == "active":
            task.state = "paused"
            task.pause_note = note or None
            self._touch(task, self.deps.clock.now())
        elif note:
            task.pause_note = note
            self._touch(task, self.deps.clock.now())
        return task

    async def resume(self, task_id: int, note: str | None = None) -> Task:
        """Fire again from now on; clears the pause note (``note``, if given, is only logged by callers)."""
        task = await self._get_for_update(task_id)
        if task.state == "completed":
            raise Conflict(f"Task {task_id} was a one-time task and has run; give it a new schedule to run it again.")
        if task.state == "paused":
            now = self.deps.clock.now()
            self._resume(task, now)
            self._touch(task, now)
        return task

    async def delete(self, task_id: int) -> None:
        task = await self._get_for_update(task_id)
        await self.tasks.delete(task)
        mark_task_changed(self.session, task_id)

    async def run_now(self, task_id: int) -> Execution:
        """Queue a manual run; the scheduler leader starts it within moments."""
        task = await self.get(task_id)
        now = self.deps.clock.now()
        inserted = await self.executions.insert_fires(
            [
                FireRow(
                    task_id=task.id,
                    scheduled_for=now,
                    trigger="manual",
                    status="queued",
                    slot=first_slot(task.overlap_policy),
                )
            ],
            now=now,
        )
        if not inserted and task.overlap_policy == "buffer_one":  # controls: wait behind the running one
            inserted = await self.executions.insert_fires(
                [FireRow(task_id=task.id, scheduled_for=now, trigger="manual", status="queued", slot=BUFFER_SLOT)],
                now=now,
            )
        if not inserted:
            active = await self.executions.active_for_task(task.id)
            running = f" (execution {active.id} is {active.status})" if active else ""
            raise Conflict(
                f"Task {task_id} is already running{running}; a task never runs twice at once.",
                details={"execution_id": active.id if active else None},
            )
        execution = await self.executions.get(inserted[0][0])
        assert execution is not None
        mark_run_queued(self.session)
        return execution

    async def _get_for_update(self, task_id: int) -> Task:
        task = await self.tasks.get(task_id, for_update=True)
        if task is None:
            raise NotFound("task", task_id)
        return task

    def _resume(self, task: Task, now: datetime) -> None:
        task.state = "active"
        task.pause_note = None
        task.resumed_at = now
        if task.schedule_kind == "interval":
            task.interval_anchor = now
        # Fires that fell while paused are not "missed": the user stopped them.
        task.last_fire_at = now
        task.next_run_at = compile_task(task).next_fire(now)

    def _touch(self, task: Task, now: datetime) -> None:
        if task.state != "active":
            task.next_run_at = None
        task.revision += 1
        task.updated_at = now
        mark_task_changed(self.session, task.id)


def _apply_schedule(task: Task, spec: Spec, compiled: CompiledSchedule, now: datetime) -> None:
    task.timezone = compiled.tz.key
    task.cron = task.run_at = task.every_seconds = task.interval_anchor = None
    task.schedule_kind = spec.kind
    if isinstance(spec, CronSpec):
        task.cron = spec.cron.strip()
    elif isinstance(spec, OnceSpec):
        task.run_at = compiled.next_fire(now)
    else:
        task.every_seconds = spec.every_seconds
        task.interval_anchor = now
    task.last_fire_at = now
    task.next_run_at = compiled.next_fire(now) if task.state != "paused" else None


def _check_tools(tools: list[str]) -> list[str]:
    known = known_tools()
    unknown = sorted(set(tools) - set(known))
    if unknown:
        raise ValidationFailed(
            f"Unknown tool(s): {', '.join(unknown)}. Available tools: {', '.join(sorted(known))}.",
            details={"unknown": unknown, "available": sorted(known)},
        )
    return sorted(set(tools))


def _controls_of(data: inputs.TaskCreate) -> dict[str, object]:
    """The control columns of a new task: what the body sets, else the defaults."""
    out: dict[str, object] = {}
    for name in inputs.CONTROL_FIELDS:
        value = getattr(data, name)
        out[name] = value if value is not None else inputs.CONTROL_DEFAULTS.get(name)
    return out
