"""Task use cases: create, change, pause, resume, delete, run now, read, find by words.

Every method answers with read models (:mod:`app.services.views`), never rows.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import Clock
from app.controls.overlap import BUFFER_SLOT, first_slot
from app.db.models import Task
from app.db.repositories import ExecutionRepository, FireRow, TaskFilter, TaskRepository
from app.db.repositories.templates import TemplateRepository
from app.errors import ConditionRefused, Conflict, NotFound, UrlRefused, ValidationFailed
from app.llm.base import LLMClient
from app.netguard import NetGuard
from app.nl import parse_description
from app.runner.conditions import ConditionSpec, literal_refusal
from app.runner.tools import known_tools
from app.schedules import CompiledSchedule, compile_schedule
from app.schedules.of_task import compile_task
from app.schedules.spec import AnySpec, CronSpec, OnceSpec
from app.services import inputs, run_inputs
from app.services.dependencies import release_dependents, set_after
from app.services.events import RunQueued, TaskChanged, TaskDeleted
from app.services.task_kinds import apply_template, check_function, resolve_template, stored_http
from app.services.unit_of_work import record
from app.services.views import DEFAULT_NEXT_RUNS, Page, RunView, TaskView
from app.vocabulary import ExecutionStatus, MissedRunPolicy, ScheduleKind, TaskKind, TaskState, Trigger

__all__ = ["TaskDeps", "TaskFilter", "TaskService"]

# Words too common to tell tasks apart when searching by words.
STOPWORDS = frozenset(
    [
        "the",
        "and",
        "for",
        "task",
        "tasks",
        "job",
        "that",
        "this",
        "with",
        "from",
        "my",
        "our",
        "your",
        "all",
        "any",
        "run",
        "runs",
        "every",
        "daily",
    ]
)
MAX_SEARCH = 50


@dataclass(frozen=True, kw_only=True)
class TaskDeps:
    clock: Clock
    llm: LLMClient | None = None
    llm_model: str | None = None
    spread_seconds: int = 0  # SPREAD_ROUND_HOURS: how the views' due times spread round-hour fires
    http_allow_hosts: tuple[str, ...] = ()  # HTTP_TOOL_ALLOW_HOSTS: addresses run conditions may name


_INSTANT_ATTEMPTS = 5  # a concurrent request may take the free instant first


class TaskService:
    def __init__(self, session: AsyncSession, deps: TaskDeps) -> None:
        self.session = session
        self.deps = deps
        self.tasks = TaskRepository(session)
        self.executions = ExecutionRepository(session)
        self.templates = TemplateRepository(session)

    async def create(self, data: inputs.TaskCreate) -> TaskView:
        """Validate and store a task; it is scheduled once the caller commits."""
        now = self.deps.clock.now()
        kind = data.kind or TaskKind.AGENT
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
            spec: AnySpec = parsed.schedule
            name = data.name or parsed.name
            instructions = data.instructions or parsed.instructions
            if not instructions.strip() and kind == TaskKind.AGENT and data.template is None:
                raise ValidationFailed(
                    f"The description says when ({parsed.schedule.kind} schedule) but not what to do: "
                    "add the task's instructions, e.g. 'every day at 9am, summarise new incidents'.",
                    details={"schedule": parsed.schedule.model_dump(mode="json")},
                )
            parse_info = {
                "parser": parsed.parser,
                "assumptions": list(parsed.assumptions),
                "schedule_words": list(parsed.schedule_words),
            }
        else:
            assert data.schedule is not None and data.name
            spec, name, instructions = data.schedule, data.name, data.instructions or ""
        if kind != TaskKind.AGENT:
            instructions = ""  # plain words may say what to do; an http or function task does its own thing
        compiled = compile_schedule(spec, anchor=now, now=now)
        await self._check_condition(data.condition)
        await self._check_http_target(data.http.url if data.http is not None else None)
        agent = kind == TaskKind.AGENT
        task = Task(
            name=name,
            instructions=instructions,
            kind=kind,
            http=stored_http(data.http, None) if data.http is not None else None,
            function=check_function(data.function) if data.function is not None else None,
            description=description,
            parse_info=parse_info,
            missed_run_policy=data.missed_run_policy or MissedRunPolicy.SKIP,
            model=data.model,
            tools=(_check_tools(data.tools) if data.tools is not None else sorted(known_tools())) if agent else [],
            max_steps=data.max_steps or inputs.DEFAULT_MAX_STEPS,
            timeout_seconds=data.timeout_seconds or inputs.DEFAULT_TIMEOUT_SECONDS,
            max_retries=data.max_retries if data.max_retries is not None else inputs.DEFAULT_MAX_RETRIES,
            retry_on_interrupt=bool(data.retry_on_interrupt),
            state=TaskState.ACTIVE if data.enabled is not False else TaskState.PAUSED,
            notify=data.notify.model_dump(mode="json") if data.notify else None,
            condition=data.condition.model_dump(mode="json") if data.condition else None,
            **_controls_of(data),
            revision=1,
            created_at=now,
            updated_at=now,
        )
        if data.template is not None:
            apply_template(task, await resolve_template(self.templates, data.template), data.params or {})
        _apply_schedule(task, spec, compiled, now)
        await self.tasks.add(task)
        if data.after is not None:
            await set_after(self.session, task, data.after, now=now)
        record(self.session, TaskChanged(task_id=task.id))
        return self._view(task)

    async def _check_condition(self, condition: ConditionSpec | None) -> None:
        """Refuse a condition whose URL is an IP address the network guard refuses (no DNS needed);
        host names are resolved and checked when the condition runs (their addresses may change)."""
        if condition is None:
            return
        why = await literal_refusal(condition.url, NetGuard(allow=self.deps.http_allow_hosts))
        if why is not None:
            raise ConditionRefused(f"The condition's URL is refused: {why}.", details={"url": condition.url})

    async def _check_http_target(self, url: str | None) -> None:
        """Refuse an http task whose URL is an IP address the network guard refuses, as a condition's
        is (every run would fail); host names are resolved and checked at each run."""
        if url is None:
            return
        why = await literal_refusal(url, NetGuard(allow=self.deps.http_allow_hosts))
        if why is not None:
            raise UrlRefused(f"The request's URL is refused: {why}.", details={"url": url})

    async def get(self, task_id: int, *, next_runs: int | None = None) -> TaskView:
        """The task with its next runs (``next_runs`` of them, default a few), or NotFound."""
        task = await self._get(task_id)
        return self._view(task) if next_runs is None else self._view(task, next_runs=next_runs)

    async def list(self, flt: TaskFilter, *, limit: int, offset: int) -> Page[TaskView]:
        """Tasks in id order; ``flt.q`` matches a substring of the name or instructions."""
        rows, total = await self.tasks.list(flt, limit=limit, offset=offset)
        return Page(items=tuple(self._view(t) for t in rows), total=total)

    async def search(self, query: str | None, *, state: TaskState | None = None, limit: int = 20) -> Page[TaskView]:
        """Tasks matching ``query``: the phrase itself, else ranked by how many of its words match."""
        found = await self.list(TaskFilter(state=state, q=query), limit=limit, offset=0)
        if not query or found.total:
            return found
        hits: dict[int, tuple[int, Task]] = {}
        for word in {w.strip(".,!?'\"").lower() for w in query.split()}:
            if len(word) < 3 or word in STOPWORDS:
                continue
            rows, _ = await self.tasks.list(TaskFilter(state=state, q=word), limit=MAX_SEARCH, offset=0)
            for task in rows:
                count, _ = hits.get(task.id, (0, task))
                hits[task.id] = (count + 1, task)
        ranked = sorted(hits.values(), key=lambda hit: (-hit[0], hit[1].id))
        return Page(items=tuple(self._view(task) for _, task in ranked[:limit]), total=len(ranked))

    async def update(self, task_id: int, data: inputs.TaskUpdate) -> TaskView:
        """Change fields; a new schedule takes effect at once (next fire after now)."""
        task = await self._get_for_update(task_id)
        now = self.deps.clock.now()
        fields = data.model_fields_set
        await self._change_kind_fields(task, data)
        for name in (
            "name",
            "model",
            "max_steps",
            "timeout_seconds",
            "max_retries",
            "retry_on_interrupt",
        ):
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
        if "condition" in fields:  # null removes it
            await self._check_condition(data.condition)
            task.condition = data.condition.model_dump(mode="json") if data.condition else None
        if "tools" in fields:
            task.tools = _check_tools(data.tools or [])
        if "after" in fields:
            await set_after(self.session, task, data.after, now=now)
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
            if task.state == TaskState.COMPLETED:
                task.state = TaskState.ACTIVE
        if "enabled" in fields and data.enabled is not None:
            if data.enabled and task.state == TaskState.PAUSED:
                self._resume(task, now)
            elif not data.enabled and task.state == TaskState.ACTIVE:
                task.state = TaskState.PAUSED
                task.pause_note = None
        self._touch(task, now)
        return self._view(task)

    async def _change_kind_fields(self, task: Task, data: inputs.TaskUpdate) -> None:
        """Apply ``kind``, ``instructions``, ``template``/``params``, ``http`` and ``function`` from a change.

        Fields of another kind than the task's (new) kind are refused; changing the kind
        drops the old kind's fields, and the new kind's must come in the same change.
        """
        fields = data.model_fields_set
        if "kind" in fields and data.kind is None:
            raise ValidationFailed("`kind` cannot be null")
        kind = data.kind or TaskKind(task.kind)
        mixed = data.mixed_fields(kind)
        if mixed:
            raise ValidationFailed(
                f"{', '.join(f'`{m}`' for m in mixed)} cannot be given for a task of kind {kind}",
                details={"kind": str(kind), "fields": mixed},
            )
        if kind != task.kind:
            task.kind = kind
            task.http = task.function = task.template_id = task.params = None
            if kind != TaskKind.AGENT:
                task.instructions = ""
                task.tools = []
            elif not ({"instructions", "template"} & fields):
                raise ValidationFailed("an agent task needs `instructions` or a `template` with `params`")
        for name in ("http", "function", "instructions"):
            if name in fields and getattr(data, name) is None:
                raise ValidationFailed(f"`{name}` cannot be null")
        if data.http is not None:
            await self._check_http_target(data.http.url)
            task.http = stored_http(data.http, task.http)
        if data.function is not None:
            task.function = check_function(data.function)
        if "template" in fields:
            if data.template is None:  # detach: the task keeps the instructions it has now
                task.template_id = task.params = None
            else:
                template = await resolve_template(self.templates, data.template)
                same = template.id == task.template_id
                params = data.params if "params" in fields else (task.params if same else None)
                apply_template(task, template, dict(params or {}))
        elif "params" in fields:
            if task.template_id is None:
                raise ValidationFailed("`params` fill a template, and this task has none: give `template` too")
            template = await resolve_template(self.templates, task.template_id)
            apply_template(task, template, dict(data.params or {}))
        if data.instructions is not None:
            if task.template_id is not None:
                raise ValidationFailed(
                    'this task\'s instructions come from its template; send `"template": null` with new '
                    "`instructions` to detach it",
                    details={"template_id": task.template_id},
                )
            task.instructions = data.instructions
        if kind == TaskKind.HTTP and not task.http:
            raise ValidationFailed("an http task needs `http` with at least a `url`")
        if kind == TaskKind.FUNCTION and not task.function:
            raise ValidationFailed("a function task needs `function`: the name of a registered function")

    async def pause(self, task_id: int, note: str | None = None) -> TaskView:
        """Stop firing; ``note`` says why (shown with the task until it resumes)."""
        task = await self._get_for_update(task_id)
        if task.state == TaskState.COMPLETED:
            raise Conflict(f"Task {task_id} has completed; there is nothing to pause.")
        if task.state == TaskState.ACTIVE:
            task.state = TaskState.PAUSED
            task.pause_note = note or None
            self._touch(task, self.deps.clock.now())
        elif note:
            task.pause_note = note
            self._touch(task, self.deps.clock.now())
        return self._view(task)

    async def resume(self, task_id: int, note: str | None = None) -> TaskView:
        """Fire again from now on; clears the pause note (``note``, if given, is only logged by callers)."""
        task = await self._get_for_update(task_id)
        if task.state == TaskState.COMPLETED:
            raise Conflict(f"Task {task_id} was a one-time task and has run; give it a new schedule to run it again.")
        if task.state == TaskState.PAUSED:
            now = self.deps.clock.now()
            self._resume(task, now)
            self._touch(task, now)
        return self._view(task)

    async def delete(self, task_id: int, *, force: bool = False) -> None:
        """Delete the task and its records; refused while tasks run after it, unless ``force`` detaches them."""
        task = await self._get_for_update(task_id)
        now = self.deps.clock.now()
        for dependent in await release_dependents(self.session, task, force=force):
            self._touch(dependent, now)
        await self.tasks.delete(task, now=now)
        record(self.session, TaskDeleted(task_id=task_id))

    async def run_now(
        self,
        task_id: int,
        *,
        inputs: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
        trigger: Trigger = Trigger.MANUAL,
    ) -> RunView:
        """Queue a run now (``inputs`` shown to the agent as data); the scheduler leader starts it.

        With ``idempotency_key``, a second call with the same key within 24 hours answers
        the first call's execution instead of starting another (the key is unique per task,
        so concurrent calls agree on one run).
        """
        inputs = run_inputs.check_inputs(inputs)
        idempotency_key = run_inputs.check_key(idempotency_key)
        # Share-lock the task's key so a concurrent delete waits for this transaction
        # (PostgreSQL); where locks do not exist (SQLite) the foreign key still says "gone".
        task = await self.tasks.get(task_id, key_share=True)
        if task is None:
            raise NotFound("task", task_id)
        now = self.deps.clock.now()
        if idempotency_key is not None:
            earlier = await self._by_key(task, idempotency_key, now)
            if earlier is not None:
                return earlier
        inserted: list[tuple[int, int, datetime]] = []
        for _attempt in range(_INSTANT_ATTEMPTS):
            # Records are unique per (task, instant): a run asked for at the very instant of another
            # record (two deliveries at once, a frozen clock) takes the next free microsecond.
            at = await self.executions.free_instant(task.id, now)
            fire = FireRow(
                task_id=task.id,
                scheduled_for=at,
                trigger=trigger,
                status=ExecutionStatus.QUEUED,
                inputs=inputs,
                idempotency_key=idempotency_key,
                slot=first_slot(task.overlap_policy),
            )
            try:
                inserted = await self.executions.insert_fires([fire], now=now)
                if not inserted and task.overlap_policy == "buffer_one":  # controls: wait behind the running one
                    inserted = await self.executions.insert_fires([replace(fire, slot=BUFFER_SLOT)], now=now)
            except IntegrityError:
                raise NotFound("task", task_id) from None
            if inserted or not await self.executions.existing_keys([(task.id, at)]):
                break  # started, or refused for another reason than the instant (a run going, the key)
        if not inserted:
            if idempotency_key is not None:  # a concurrent call with the same key won the race
                earlier = await self._by_key(task, idempotency_key, now)
                if earlier is not None:
                    return earlier
            active = await self.executions.active_for_task(task.id)
            running = f" (execution {active.id} is {active.status})" if active else ""
            raise Conflict(
                f"Task {task_id} is already running{running}; a task never runs twice at once.",
                details={"execution_id": active.id if active else None},
            )
        execution = await self.executions.get(inserted[0][0])
        assert execution is not None
        record(self.session, RunQueued(execution_id=execution.id, task_id=task.id))
        return RunView.of(execution, task.timezone)

    async def run_with_key(self, task_id: int, key: str) -> RunView | None:
        """The run started with idempotency ``key`` within the last 24 hours, if any (what ``run_now`` would answer)."""
        task = await self._get(task_id)
        return await self._by_key(task, key, self.deps.clock.now())

    async def _by_key(self, task: Task, key: str, now: datetime) -> RunView | None:
        """The run started with ``key`` within the window; an older one gives its key up."""
        execution = await self.executions.by_idempotency_key(task.id, key)
        if execution is None:
            return None
        if now - execution.created_at < run_inputs.IDEMPOTENCY_WINDOW:
            return RunView.of(execution, task.timezone)
        execution.idempotency_key = None
        await self.session.flush()
        return None

    def _view(self, task: Task, *, next_runs: int = DEFAULT_NEXT_RUNS) -> TaskView:
        return TaskView.of(task, next_runs=next_runs, spread_seconds=self.deps.spread_seconds)

    async def _get(self, task_id: int) -> Task:
        task = await self.tasks.get(task_id)
        if task is None:
            raise NotFound("task", task_id)
        return task

    async def _get_for_update(self, task_id: int) -> Task:
        task = await self.tasks.get(task_id, for_update=True)
        if task is None:
            raise NotFound("task", task_id)
        return task

    def _resume(self, task: Task, now: datetime) -> None:
        task.state = TaskState.ACTIVE
        task.pause_note = None
        task.resumed_at = now
        if task.schedule_kind == ScheduleKind.INTERVAL:
            task.interval_anchor = now
        # Fires that fell while paused are not "missed": the user stopped them.
        task.last_fire_at = now
        task.next_run_at = compile_task(task).next_fire(now)

    def _touch(self, task: Task, now: datetime) -> None:
        if task.state != TaskState.ACTIVE:
            task.next_run_at = None
        task.revision += 1
        task.updated_at = now
        record(self.session, TaskChanged(task_id=task.id))


def _apply_schedule(task: Task, spec: AnySpec, compiled: CompiledSchedule, now: datetime) -> None:
    task.timezone = compiled.tz.key
    task.cron = task.run_at = task.every_seconds = task.interval_anchor = None
    task.schedule_kind = ScheduleKind(spec.kind)
    if isinstance(spec, CronSpec):
        task.cron = spec.cron.strip()
    elif isinstance(spec, OnceSpec):
        task.run_at = compiled.next_fire(now)
    else:
        task.every_seconds = spec.every_seconds
        task.interval_anchor = now
    task.last_fire_at = now
    task.next_run_at = compiled.next_fire(now) if task.state != TaskState.PAUSED else None


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
