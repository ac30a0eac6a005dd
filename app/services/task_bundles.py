"""Tasks as portable definitions: export them, import them back idempotently by name.

A bundle is ``{"version": 1, "tasks": [definition, ...]}``; a definition holds a
task's fields (name, kind, schedule, policy, limits, ``enabled``, notify, condition, and by
kind: instructions or a template by name with its params, model, tools and steps;
the http request, its secret headers as ``[REDACTED]``; the function's name) and
none of its run state, so a team can keep its schedules
in git and apply them to any instance. Importing creates a task for each new
name and, for a name that exists, changes only the fields the definition gives
that differ (absent fields stay as they are). The whole bundle is checked before
anything is written; ``dry_run`` reports the same plan and writes nothing.

``after`` (present only for tasks that run after others) names upstream tasks by
name, so a bundle means the same on another instance: ``{"mode": "all", "tasks":
[{"task": "fetch", "on": "succeeded"}]}``. Import also takes ``task_id`` instead of
``task``; a name must match exactly one task, in the bundle or already stored. It is
applied once every task of the bundle exists (a cycle still refuses the whole import).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from app.db.models import Task
from app.errors import Conflict, TaskRunnerError, ValidationFailed
from app.schedules import compile_schedule
from app.schedules.of_task import spec_of
from app.schedules.spec import ScheduleSpec
from app.services.inputs import MAX_ID, MAX_UPSTREAMS, TaskCreate, TaskUpdate, TextInput
from app.services.tasks import TaskService
from app.services.views import shown_http
from app.vocabulary import DependencyMode, DependencyOn, TaskKind

BUNDLE_VERSION = 1
MAX_TASKS = 1000
_FIELDS = (
    "name",
    "kind",
    "instructions",
    "template",
    "params",
    "http",
    "function",
    "schedule",
    "missed_run_policy",
    "model",
    "tools",
    "max_steps",
    "timeout_seconds",
    "max_retries",
    "enabled",
    "notify",
    "condition",
    "after",
)


class BundleUpstream(TextInput):
    """An upstream task in a bundle: by ``task`` name (portable) or by ``task_id``."""

    task: str | None = Field(default=None, min_length=1, max_length=200)
    task_id: int | None = Field(default=None, ge=1, le=MAX_ID, strict=True)
    on: DependencyOn = DependencyOn.SUCCEEDED


class BundleAfter(TextInput):
    tasks: list[BundleUpstream] = Field(min_length=1, max_length=MAX_UPSTREAMS)
    mode: DependencyMode = DependencyMode.ALL


def _bundle_after(raw: Any) -> BundleAfter | None:
    """A definition's ``after`` (long form, or one upstream alone); ValueError when unreadable."""
    if raw is None:
        return None
    if isinstance(raw, dict) and "tasks" not in raw:
        raw = {"tasks": [raw]}
    after = BundleAfter.model_validate(raw)
    for upstream in after.tasks:
        if (upstream.task is None) == (upstream.task_id is None):
            raise ValueError("each task in `after` needs either `task` (a name) or `task_id`")
    return after


class TaskBundleIn(BaseModel):
    """An import: a bundle as exported (``tasks`` with optional ``version``)."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(default=BUNDLE_VERSION, ge=1, le=BUNDLE_VERSION)
    tasks: list[dict[str, Any]] = Field(max_length=MAX_TASKS)


@dataclass(frozen=True)
class ImportItem:
    name: str
    action: Literal["create", "update", "unchanged"]
    changes: list[str] = field(default_factory=list)
    id: int | None = None


@dataclass(frozen=True)
class ImportReport:
    dry_run: bool
    items: list[ImportItem]

    def count(self, action: str) -> int:
        return sum(1 for item in self.items if item.action == action)


def definition(task: Task, template_names: Mapping[int, str], names: Mapping[int, str] | None = None) -> dict[str, Any]:
    """A task's portable definition (what export writes and import reads): templates by name, and
    ``after`` by task name when ``names`` (task id to name) is given."""
    schedule = spec_of(task).model_dump(mode="json")
    if task.schedule_kind == "once" and task.run_at is not None:
        schedule["at"] = task.run_at.astimezone(ZoneInfo(task.timezone)).isoformat()
    out: dict[str, Any] = {"name": task.name}
    if task.kind != TaskKind.AGENT:  # agent is the default: agent tasks export as they always have
        out["kind"] = str(task.kind)
    if task.kind == TaskKind.AGENT:
        if task.template_id is not None:
            out |= {"template": template_names.get(task.template_id, task.template_id), "params": task.params or {}}
        else:
            out["instructions"] = task.instructions
    elif task.kind == TaskKind.HTTP:
        out["http"] = shown_http(task.http)
    else:
        out["function"] = task.function
    out |= {
        "schedule": schedule,
        "missed_run_policy": str(task.missed_run_policy),
        "timeout_seconds": task.timeout_seconds,
        "max_retries": task.max_retries,
        "enabled": task.state == "active",
        "notify": task.notify,
        "condition": task.condition,
    }
    if task.after:
        upstreams = [
            {"task": names[u["task_id"]], "on": u["on"]} if names and u["task_id"] in names else dict(u)
            for u in task.after["tasks"]
        ]
        out["after"] = {"mode": task.after["mode"], "tasks": upstreams}
    if task.kind == TaskKind.AGENT:
        out |= {"model": task.model, "tools": list(task.tools or []), "max_steps": task.max_steps}
    return out


class TaskBundles:
    def __init__(self, tasks: TaskService) -> None:
        self.service = tasks

    async def export(self, *, include_completed: bool = False) -> dict[str, Any]:
        """Every task's definition; completed one-time tasks only with ``include_completed``."""
        states = ("active", "paused", "completed") if include_completed else ("active", "paused")
        every = await self.service.tasks.all()
        names = {t.id: t.name for t in every}
        rows = [t for t in every if t.state in states]
        templates = await self.service.templates.names([t.template_id for t in rows if t.template_id is not None])
        return {"version": BUNDLE_VERSION, "tasks": [definition(t, templates, names) for t in rows]}

    async def import_(self, bundle: TaskBundleIn, *, dry_run: bool = False) -> ImportReport:
        """Create or update each definition by name; all checked first, nothing written on ``dry_run``."""
        checked = _check(bundle)
        afters = {name: after for name, _update, after in checked if after is not _ABSENT}
        existing: dict[str, list[Task]] = {}
        for task in await self.service.tasks.by_names([name for name, _, _ in checked]):
            existing.setdefault(task.name, []).append(task)
        shared = sorted(name for name, found in existing.items() if len(found) > 1)
        if shared:
            raise Conflict(
                f"Several tasks are named {', '.join(repr(n) for n in shared)}; "
                "rename them so that import can match by name.",
                details={"names": shared},
            )
        now = self.service.deps.clock.now()
        names = await self.service.templates.names(
            [t.template_id for found in existing.values() for t in found if t.template_id is not None]
        )
        plan: list[tuple[ImportItem, TaskCreate | TaskUpdate | None]] = []
        problems: list[dict[str, Any]] = []
        ids = await self._upstream_ids(afters, {name for name, _, _ in checked}, problems)
        for name, update, _after in checked:
            if name not in existing:
                try:
                    create = TaskCreate.model_validate(update.model_dump(exclude_unset=True) | {"name": name})
                except ValidationError as exc:
                    problems.append({"name": name, "message": f"a new task needs a whole definition: {_words(exc)}"})
                    continue
                if _schedule_problem(create.schedule, now, name, problems):
                    continue
                plan.append((ImportItem(name=name, action="create"), create))
                continue
            task = existing[name][0]
            changed = _changed_fields(task, update, names)
            if name in afters and _stored_after(afters[name], ids) != task.after:
                changed.append("after")
            if not changed:
                plan.append((ImportItem(name=name, action="unchanged", id=task.id), None))
                continue
            fields = set(changed) - {"after"}
            patch = TaskUpdate.model_validate(update.model_dump(include=fields, exclude_unset=True))
            if _schedule_problem(patch.schedule, now, name, problems):
                continue
            plan.append((ImportItem(name=name, action="update", changes=changed, id=task.id), patch))
        _raise_if(problems)
        if dry_run:
            return ImportReport(dry_run=True, items=[item for item, _ in plan])
        items: list[ImportItem] = []
        for item, change in plan:
            if isinstance(change, TaskCreate):
                item = ImportItem(name=item.name, action="create", id=(await self.service.create(change)).id)
                ids[item.name] = item.id
            elif isinstance(change, TaskUpdate) and item.id is not None:
                await self.service.update(item.id, change)
            items.append(item)
        # Every task of the bundle exists now: point each ``after`` at its upstreams' ids.
        for item in items:
            if item.name in afters and item.id is not None and (item.action == "create" or "after" in item.changes):
                after = _stored_after(afters[item.name], ids)
                await self.service.update(item.id, TaskUpdate.model_validate({"after": after}))
        return ImportReport(dry_run=False, items=items)

    async def _upstream_ids(
        self, afters: dict[str, BundleAfter | None], in_bundle: set[str], problems: list[dict[str, Any]]
    ) -> dict[str, int | None]:
        """Each upstream name an ``after`` uses -> its task id (None: created by this import)."""
        wanted = sorted({u.task for a in afters.values() if a for u in a.tasks if u.task is not None})
        stored: dict[str, list[int]] = {}
        for task in await self.service.tasks.by_names(wanted):
            stored.setdefault(task.name, []).append(task.id)
        ids: dict[str, int | None] = {}
        for name in wanted:
            found = stored.get(name, [])
            if len(found) > 1:
                problems.append({"name": name, "message": f"`after` names {name!r}, which several tasks are named"})
            elif found:
                ids[name] = found[0]
            elif name in in_bundle:
                ids[name] = None
            else:
                problems.append({"name": name, "message": f"`after` names {name!r}, which is no task"})
        return ids


_ABSENT: Any = object()  # a definition without `after` (leave it as it is)


def _stored_after(after: BundleAfter | None, ids: dict[str, int | None]) -> dict[str, Any] | None:
    """``after`` as the task keeps it (ids); an upstream not created yet counts as id 0 (never equal)."""
    if after is None:
        return None
    tasks = [
        {"task_id": u.task_id if u.task_id is not None else (ids.get(u.task or "") or 0), "on": str(u.on)}
        for u in after.tasks
    ]
    return {"mode": str(after.mode), "tasks": tasks}


def _check(bundle: TaskBundleIn) -> list[tuple[str, TaskUpdate, Any]]:
    """Each definition's name, checked fields and ``after`` (or ``_ABSENT``); every problem at once."""
    problems: list[dict[str, Any]] = []
    updates: list[tuple[str, TaskUpdate, Any]] = []
    for index, raw in enumerate(bundle.tasks):
        name = raw.get("name")
        unknown = sorted(set(raw) - set(_FIELDS))
        if unknown:
            problems.append({"index": index, "name": name, "message": f"unknown fields: {', '.join(unknown)}"})
        elif not isinstance(name, str) or not name.strip():
            problems.append({"index": index, "name": name, "message": "every task needs a `name`"})
        else:
            try:
                after = _bundle_after(raw["after"]) if "after" in raw else _ABSENT
                fields = {k: v for k, v in raw.items() if k not in ("name", "after")}
                updates.append((name.strip(), TaskUpdate.model_validate(fields), after))
            except ValidationError as exc:
                problems.append({"index": index, "name": name, "message": _words(exc)})
            except ValueError as exc:
                problems.append({"index": index, "name": name, "message": str(exc)})
    for name, n in Counter(name for name, _, _ in updates).items():
        if n > 1:
            problems.append({"name": name, "message": "this name appears more than once"})
    _raise_if(problems)
    return updates


def _schedule_problem(spec: ScheduleSpec | None, now: datetime, name: str, problems: list[dict[str, Any]]) -> bool:
    """Check a schedule as creating or changing the task would; note a problem and answer True if it fails."""
    if spec is None:
        return False
    try:
        compile_schedule(spec, anchor=now, now=now)
    except TaskRunnerError as exc:
        problems.append({"name": name, "message": exc.message, "code": exc.code})
        return True
    return False


def _raise_if(problems: list[dict[str, Any]]) -> None:
    if problems:
        first = problems[0]
        label = first.get("name") or f"#{first.get('index')}"
        raise ValidationFailed(
            f"{len(problems)} task definition(s) are invalid; first: {label}: {first['message']}",
            details={"problems": problems},
        )


def _words(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'task'}: {e['msg']}" for e in exc.errors())


def _changed_fields(task: Task, update: TaskUpdate, template_names: Mapping[int, str]) -> list[str]:
    current = definition(task, template_names)
    wanted = update.model_dump(mode="json", exclude_unset=True)
    changed: list[str] = []
    for name, value in wanted.items():
        if name == "template" and isinstance(value, int):
            if value != task.template_id:
                changed.append(name)
        elif name == "schedule":
            if not _same_schedule(current["schedule"], value):
                changed.append(name)
        elif name == "tools":
            if sorted(value or []) != sorted(current["tools"]):
                changed.append(name)
        elif current.get(name) != value:
            changed.append(name)
    return changed


def _same_schedule(current: dict[str, Any], wanted: dict[str, Any]) -> bool:
    if current["kind"] != wanted["kind"] or current["timezone"] != wanted.get("timezone", "UTC"):
        return False
    if wanted["kind"] == "once":
        zone = ZoneInfo(current["timezone"])
        return _instant(current["at"], zone) == _instant(wanted["at"], zone)
    key = "cron" if wanted["kind"] == "cron" else "every_seconds"
    return bool(current[key] == wanted[key])


def _instant(value: str, zone: ZoneInfo) -> datetime:
    at = datetime.fromisoformat(value)
    return at if at.tzinfo is not None else at.replace(tzinfo=zone)
