"""The chat assistant's tools: thin adapters from a model's tool call to the service layer.

Each tool validates its arguments, calls TaskService, ExecutionService or a
repository, and returns a JSON dict that carries task and execution ids. A
domain error becomes ``{"error": {...}}`` for the model to relay; it never ends
the turn. Deleting takes two turns (see :meth:`ChatTools.delete_task`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from app.chat import args as A
from app.chat.explain import explain_task
from app.chat.repository import ChatRepository
from app.chat.times import local, parse_instant
from app.chat.views import execution_view, task_view
from app.db.chat_models import ChatConversation
from app.db.models import Execution, Task
from app.db.repositories import ExecutionFilter, TaskFilter
from app.errors import TaskRunnerError
from app.nl import parse_description
from app.schedules.of_task import compile_task, spec_of
from app.services.executions import ExecutionService
from app.services.inputs import TaskCreate, TaskUpdate
from app.services.tasks import TaskService

MAX_LIST = 50
_UNRECORDED_LIMIT = 50


@dataclass(frozen=True, kw_only=True)
class ToolContext:
    """Everything one turn's tools work with; ``turn`` numbers the user's messages from 1."""

    session: AsyncSession
    tasks: TaskService
    conversation: ChatConversation
    turn: int
    now: datetime
    timezone: str  # the user's


class ToolFailed(Exception):
    """A tool's own refusal, reported to the model like a domain error."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


Handler = Callable[[Any], Awaitable[dict[str, Any]]]


class ChatTools:
    """The tool set for one turn: ``specs()`` for the model, ``call()`` to run one."""

    def __init__(self, ctx: ToolContext) -> None:
        self.ctx = ctx
        self.executions = ExecutionService(ctx.session)
        self.chat = ChatRepository(ctx.session)
        self._tools: dict[str, tuple[str, type[BaseModel], Handler]] = {
            "create_task": (A.CREATE, A.CreateTask, self.create_task),
            "find_tasks": (A.FIND, A.FindTasks, self.find_tasks),
            "show_task": (A.SHOW, A.TaskRef, self.show_task),
            "update_task": (A.UPDATE, A.UpdateTask, self.update_task),
            "pause_task": (A.PAUSE, A.TaskRef, self.pause_task),
            "resume_task": (A.RESUME, A.TaskRef, self.resume_task),
            "run_task_now": (A.RUN, A.TaskRef, self.run_task_now),
            "delete_task": (A.DELETE, A.TaskRef, self.delete_task),
            "confirm_delete": (A.CONFIRM, A.TaskRef, self.confirm_delete),
            "list_runs": (A.LIST_RUNS, A.ListRuns, self.list_runs),
            "show_run": (A.SHOW_RUN, A.RunRef, self.show_run),
            "explain_task": (A.EXPLAIN, A.Explain, self.explain_task),
            "run_totals": (A.TOTALS, A.Totals, self.run_totals),
        }

    def specs(self) -> list[dict[str, Any]]:
        """The tools in the OpenAI function-calling shape."""
        return [A.spec(name, doc, model) for name, (doc, model, _) in self._tools.items()]

    async def call(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        """Run one tool; its changes are flushed on success and discarded on error."""
        entry = self._tools.get(name)
        if entry is None:
            return _error("unknown_tool", f"There is no tool {name!r}; use one of: {', '.join(self._tools)}.")
        _, model, handler = entry
        try:
            parsed = model.model_validate(arguments)
            result = await handler(parsed)
            await self.ctx.session.flush()
            return result
        except ValidationError as exc:
            self._discard_unflushed()
            return _error("invalid_arguments", _validation_message(exc))
        except (TaskRunnerError, ToolFailed) as exc:
            self._discard_unflushed()
            return _error(exc.code, exc.message)
        except ValueError as exc:
            self._discard_unflushed()
            return _error("invalid_arguments", str(exc))

    def _discard_unflushed(self) -> None:
        # Earlier tools' changes were flushed; only the failed tool's half-made changes are pending.
        session = self.ctx.session
        for obj in list(session.dirty):
            session.expire(obj)
        for obj in list(session.new):
            session.expunge(obj)

    # -- tasks -------------------------------------------------------------------------------

    async def create_task(self, a: A.CreateTask) -> dict[str, Any]:
        data = TaskCreate(
            description=a.description,
            timezone=a.timezone or self.ctx.timezone,
            name=a.name,
            instructions=a.instructions,
        )
        task = await self.ctx.tasks.create(data)
        return {"status": "created", "task": task_view(task, next_runs=5, full=True)}

    async def find_tasks(self, a: A.FindTasks) -> dict[str, Any]:
        items, total = await self.ctx.tasks.list(TaskFilter(state=a.state, q=a.query), limit=a.limit, offset=0)
        if a.query and total == 0:
            items, total = await self._by_words(a.query, a.state, a.limit)
        return {"total": total, "tasks": [task_view(t) for t in items]}

    async def _by_words(self, query: str, state: str | None, limit: int) -> tuple[list[Task], int]:
        hits: dict[int, tuple[int, Task]] = {}
        for word in {w.strip(".,!?'\"").lower() for w in query.split()}:
            if len(word) < 3 or word in A.STOPWORDS:
                continue
            found, _ = await self.ctx.tasks.list(TaskFilter(state=state, q=word), limit=MAX_LIST, offset=0)
            for task in found:
                count, _ = hits.get(task.id, (0, task))
                hits[task.id] = (count + 1, task)
        ranked = sorted(hits.values(), key=lambda hit: (-hit[0], hit[1].id))
        return [task for _, task in ranked[:limit]], len(ranked)

    async def show_task(self, a: A.TaskRef) -> dict[str, Any]:
        task = await self.ctx.tasks.get(a.task_id)
        recent, total = await self.executions.list(ExecutionFilter(task_id=task.id), limit=5, offset=0)
        return {
            "task": task_view(task, next_runs=5, full=True),
            "recent_runs": [execution_view(e, task.timezone) for e in recent],
            "total_runs": total,
        }

    async def update_task(self, a: A.UpdateTask) -> dict[str, Any]:
        task = await self.ctx.tasks.get(a.task_id)
        fields: dict[str, Any] = a.model_dump(
            exclude_none=True, exclude={"task_id", "schedule_text", "cron", "at", "every_seconds", "timezone"}
        )
        schedule = await self._new_schedule(task, a)
        if schedule is not None:
            fields["schedule"] = schedule
        if not fields:
            raise ToolFailed("nothing_to_change", "Give at least one field to change.")
        data = TaskUpdate.model_validate(fields)
        task = await self.ctx.tasks.update(task.id, data)
        return {
            "status": "updated",
            "changed": sorted(fields),
            "task": task_view(task, next_runs=5, full=True),
        }

    async def _new_schedule(self, task: Task, a: A.UpdateTask) -> dict[str, Any] | None:
        tz = a.timezone or task.timezone
        if a.schedule_text:
            deps = self.ctx.tasks.deps
            parsed = await parse_description(
                a.schedule_text, default_timezone=tz, now=self.ctx.now, llm=deps.llm, model=deps.llm_model
            )
            schedule: dict[str, Any] = parsed.schedule.model_dump(mode="json")
            return schedule
        if a.cron:
            return {"kind": "cron", "cron": a.cron, "timezone": tz}
        if a.at:
            return {"kind": "once", "at": a.at, "timezone": tz}
        if a.every_seconds:
            return {"kind": "interval", "every_seconds": a.every_seconds, "timezone": tz}
        if a.timezone:
            return {**spec_of(task).model_dump(mode="json"), "timezone": a.timezone}
        return None

    async def pause_task(self, a: A.TaskRef) -> dict[str, Any]:
        return {"status": "paused", "task": task_view(await self.ctx.tasks.pause(a.task_id))}

    async def resume_task(self, a: A.TaskRef) -> dict[str, Any]:
        return {"status": "resumed", "task": task_view(await self.ctx.tasks.resume(a.task_id), next_runs=3)}

    async def run_task_now(self, a: A.TaskRef) -> dict[str, Any]:
        task = await self.ctx.tasks.get(a.task_id)
        execution = await self.ctx.tasks.run_now(a.task_id)
        return {"status": "queued", "execution": execution_view(execution, task.timezone)}

    async def delete_task(self, a: A.TaskRef) -> dict[str, Any]:
        """Never deletes: records a pending deletion that only a LATER user message can confirm."""
        task = await self.ctx.tasks.get(a.task_id)
        self.ctx.conversation.pending_action = {
            "action": "delete_task",
            "task_id": task.id,
            "task_name": task.name,
            "turn": self.ctx.turn,
        }
        return {
            "status": "needs_confirmation",
            "deleted": False,
            "task": task_view(task),
            "message": (
                f"Nothing was deleted. Ask the user to confirm deleting task {task.id} ({task.name}) "
                "and its run history. Call confirm_delete only if their NEXT message confirms."
            ),
        }

    async def confirm_delete(self, a: A.TaskRef) -> dict[str, Any]:
        pending = self.ctx.conversation.pending_action
        if not pending or pending.get("action") != "delete_task" or pending.get("task_id") != a.task_id:
            raise ToolFailed(
                "no_pending_delete",
                f"No deletion of task {a.task_id} is waiting for confirmation: call delete_task first "
                "and ask the user.",
            )
        if int(pending["turn"]) >= self.ctx.turn:
            raise ToolFailed(
                "needs_confirmation",
                "The user has not confirmed yet. Ask them; the deletion can only be confirmed in their next message.",
            )
        await self.ctx.tasks.delete(a.task_id)
        self.ctx.conversation.pending_action = None
        return {"status": "deleted", "deleted": True, "task_id": a.task_id, "name": pending.get("task_name")}

    # -- runs --------------------------------------------------------------------------------

    def _when(self, value: str | None, default: datetime | None, timezone: str) -> datetime | None:
        if value is None:
            return default
        return parse_instant(value, now=self.ctx.now, timezone=timezone)

    async def _zones(self, executions: list[Execution]) -> dict[int, str]:
        zones: dict[int, str] = {}
        for task_id in {e.task_id for e in executions}:
            task = await self.ctx.tasks.tasks.get(task_id)
            zones[task_id] = task.timezone if task else self.ctx.timezone
        return zones

    async def list_runs(self, a: A.ListRuns) -> dict[str, Any]:
        since = self._when(a.since, None, self.ctx.timezone)
        until = self._when(a.until, None, self.ctx.timezone)
        flt = ExecutionFilter(task_id=a.task_id, status=a.status, since=since, until=until)
        items, total = await self.executions.list(flt, limit=a.limit, offset=0)
        zones = await self._zones(list(items))
        return {
            "total": total,
            "shown": len(items),
            "runs": [execution_view(e, zones[e.task_id]) for e in items],
            "filters": {
                "task_id": a.task_id,
                "status": a.status,
                "since": local(since, self.ctx.timezone),
                "until": local(until, self.ctx.timezone),
            },
        }

    async def show_run(self, a: A.RunRef) -> dict[str, Any]:
        execution, steps = await self.executions.get(a.execution_id)
        zone = (await self._zones([execution]))[execution.task_id]
        return {
            "run": execution_view(execution, zone, full=True),
            "steps": [
                {
                    "index": s.index,
                    "kind": s.kind,
                    "name": s.name,
                    "error": s.error,
                    "latency_ms": round(s.latency_ms),
                }
                for s in steps[:30]
            ],
            "total_steps": len(steps),
        }

    async def explain_task(self, a: A.Explain) -> dict[str, Any]:
        task = await self.ctx.tasks.get(a.task_id)
        now = self.ctx.now
        since = self._when(a.since, now - timedelta(hours=24), task.timezone)
        until = min(self._when(a.until, now, task.timezone) or now, now)
        assert since is not None
        records, _ = await self.executions.list(
            ExecutionFilter(task_id=task.id, since=since, until=until + timedelta(microseconds=1)),
            limit=200,
            offset=0,
        )
        recorded = {r.scheduled_for for r in records}
        unrecorded = [t for t in _unrecorded(task, since, until) if t not in recorded]
        explanation = explain_task(task, records, since=since, until=until, unrecorded_fires=unrecorded)
        return {**explanation.as_dict(), "task": task_view(task)}

    async def run_totals(self, a: A.Totals) -> dict[str, Any]:
        tz = self.ctx.timezone
        if a.task_id is not None:
            tz = (await self.ctx.tasks.get(a.task_id)).timezone
        since = self._when(a.since, self.ctx.now - timedelta(days=7), tz)
        until = self._when(a.until, self.ctx.now, tz)
        rows = await self.chat.totals(task_id=a.task_id, since=since, until=until)
        executed = [r for r in rows if r.status not in ("missed", "skipped", "queued")]
        return {
            "task_id": a.task_id,
            "period": {"since": local(since, tz), "until": local(until, tz)},
            "runs": sum(r.runs for r in rows),
            "by_status": {r.status: r.runs for r in rows},
            "prompt_tokens": sum(r.prompt_tokens for r in rows),
            "completion_tokens": sum(r.completion_tokens for r in rows),
            "cost_usd": round(sum(r.cost_usd for r in rows), 6),
            "runs_with_known_cost": sum(r.runs_with_cost for r in rows),
            "runs_that_executed": sum(r.runs for r in executed),
        }


def _unrecorded(task: Task, since: datetime, until: datetime) -> list[datetime]:
    """Due times in [since, until] the scheduler has not recorded yet (its ``next_run_at`` passed)."""
    if task.state != "active" or task.next_run_at is None:
        return []
    compiled = compile_task(task)
    due: list[datetime] = []
    at: datetime | None = task.next_run_at
    while at is not None and at <= until and len(due) < _UNRECORDED_LIMIT:
        if at >= since:
            due.append(at)
        at = compiled.next_fire(at)
    return due


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


def _validation_message(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()))
        parts.append(f"{where}: {err.get('msg')}" if where else str(err.get("msg")))
    return "; ".join(parts)
