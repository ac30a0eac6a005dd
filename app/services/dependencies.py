"""Setting a task's ``after`` (checked: upstreams exist, no cycle) and detaching dependents of a deleted task.

The task row keeps ``after`` as declared (what every view shows); the edges in
``task_dependencies`` are written in the same transaction (what the queueing and
these checks read). Runs are queued by :mod:`app.scheduler.dependencies`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.controls.dependencies import describe_cycle, find_cycle
from app.db.models import Task
from app.db.repositories import TaskRepository
from app.db.repositories.dependencies import DependencyRepository
from app.errors import DependencyCycle, HasDependents, ValidationFailed
from app.services.inputs import AfterIn, UpstreamIn
from app.vocabulary import DependencyMode, DependencyOn


async def set_after(session: AsyncSession, task: Task, after: AfterIn | UpstreamIn | None, *, now: datetime) -> None:
    """Make ``task`` run after ``after`` (None: after nothing); refuses unknown tasks, itself and cycles."""
    repo = DependencyRepository(session)
    if after is None:
        task.after = None
        await repo.set_edges(task.id, [], DependencyMode.ALL, now=now)
        return
    spec = AfterIn.of(after)
    ids = [u.task_id for u in spec.tasks]
    if task.id in ids:
        raise DependencyCycle(
            f"Task {task.id} {task.name!r} cannot run after itself.", details={"field": "after", "cycle": [task.id]}
        )
    await repo.lock_graph()  # two changes at once must not close a cycle neither sees
    names = await repo.names(ids)
    unknown = sorted(set(ids) - set(names))
    if unknown:
        raise ValidationFailed(
            f"`after` names task(s) that do not exist: {', '.join(map(str, unknown))}.",
            details={"field": "after", "unknown": unknown},
        )
    graph = await repo.graph()
    cycle = find_cycle(task.id, ids, graph)
    if cycle is not None:
        names = {**await repo.names(cycle), task.id: task.name}
        raise DependencyCycle(
            f"`after` would make a cycle: {describe_cycle(cycle, names)} (each runs after the one before it).",
            details={"field": "after", "cycle": cycle},
        )
    task.after = spec.stored()
    await repo.set_edges(task.id, [(u.task_id, DependencyOn(u.on)) for u in spec.tasks], spec.mode, now=now)


async def release_dependents(session: AsyncSession, task: Task, *, force: bool) -> list[Task]:
    """Before deleting ``task``: refuse while tasks run after it, or (``force``) remove it from their ``after``.

    Returns the dependents changed (the caller records them as updated).
    """
    repo = DependencyRepository(session)
    dependent_ids = sorted({e.task_id for e in await repo.dependents_of(task.id)} - {task.id})
    if not dependent_ids:
        return []
    if not force:
        names = await repo.names(dependent_ids)
        listed = ", ".join(f"task {i} {names.get(i, '?')!r}" for i in dependent_ids)
        raise HasDependents(
            f"Task {task.id} {task.name!r} has dependents: {listed} run after it. Change their `after`, "
            "or delete with force=true to remove this task from their `after`.",
            details={"dependents": dependent_ids},
        )
    tasks = TaskRepository(session)
    changed = []
    for dependent_id in dependent_ids:
        dependent = await tasks.get(dependent_id, for_update=True)
        if dependent is None or dependent.after is None:
            continue
        spec = AfterIn.model_validate(dependent.after)
        kept = [u for u in spec.tasks if u.task_id != task.id]
        dependent.after = AfterIn(tasks=kept, mode=spec.mode).stored() if kept else None
        await repo.set_edges(
            dependent.id, [(u.task_id, DependencyOn(u.on)) for u in kept], spec.mode, now=dependent.updated_at
        )
        changed.append(dependent)
    return changed
