"""Dependencies: which ends of an upstream run start a dependent task, when an ``all`` set is complete, cycles.

A task may run after others (``after``: upstream tasks, each with the end it waits
for, and a mode). ``on`` names a kind of end (:data:`ENDS`): ``succeeded``;
``failed`` (the run ran and did not succeed: ``failed``, ``timed_out`` or
``interrupted``); ``finished`` (either). A cancelled run, or a fire that never ran
(``skipped``, ``missed``), starts nothing.

``any``: each matching end queues one run. ``all``: the task runs once every upstream
has a matching end after the *watermark* (the end that completed its previous set, or
when the edge was declared); the run names the end that completed the set, the latest
of each upstream's first matching end.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from app.vocabulary import DependencyOn, ExecutionStatus

_FAILED = frozenset({ExecutionStatus.FAILED, ExecutionStatus.TIMED_OUT, ExecutionStatus.INTERRUPTED})
ENDS: dict[DependencyOn, frozenset[ExecutionStatus]] = {
    DependencyOn.SUCCEEDED: frozenset({ExecutionStatus.SUCCEEDED}),
    DependencyOn.FAILED: _FAILED,
    DependencyOn.FINISHED: _FAILED | {ExecutionStatus.SUCCEEDED},
}
# Every status that can start a dependent (the sweep looks at these only).
ANY_END: frozenset[ExecutionStatus] = ENDS[DependencyOn.FINISHED]


def matches(on: DependencyOn | str, status: ExecutionStatus | str) -> bool:
    """Whether a run that ended ``status`` is an end of the kind ``on``."""
    return ExecutionStatus(status) in ENDS[DependencyOn(on)]


@dataclass(frozen=True, kw_only=True)
class UpstreamEnd:
    """An upstream run that ended: which, how and when."""

    execution_id: int
    task_id: int
    status: ExecutionStatus
    finished_at: datetime


def completing_end(upstream_task_ids: Iterable[int], firsts: Mapping[int, UpstreamEnd]) -> UpstreamEnd | None:
    """``all`` mode: the end that completed the set, or None while an upstream has no matching end yet.

    ``firsts`` holds each upstream task's first matching end after the watermark; the set
    is complete when every upstream has one, and it was completed by the latest of them.
    """
    ends = []
    for task_id in upstream_task_ids:
        end = firsts.get(task_id)
        if end is None:
            return None
        ends.append(end)
    if not ends:
        return None
    return max(ends, key=lambda e: (e.finished_at, e.execution_id))


def find_cycle(task_id: int, upstreams: Iterable[int], graph: Mapping[int, Iterable[int]]) -> list[int] | None:
    """The cycle that giving ``task_id`` these ``upstreams`` would close, in run order, else None.

    ``graph`` maps each task to its current upstream tasks (``task_id``'s own are ignored:
    they are being replaced). The answer starts and ends with ``task_id``: ``[3, 5, 3]``
    means 5 runs after 3 and 3 after 5.
    """
    # Depth-first from each new upstream, following upstream edges; reaching task_id closes a cycle.
    for first in sorted(set(upstreams)):
        if first == task_id:
            return [task_id, task_id]
        parents: dict[int, int] = {first: task_id}
        stack = [first]
        while stack:
            node = stack.pop()
            for up in sorted(set(graph.get(node, ())), reverse=True):
                if up == task_id:
                    # task_id <- first <- ... <- node <- task_id, walked back from node.
                    chain = [node]
                    while chain[-1] != first:
                        chain.append(parents[chain[-1]])
                    # In run order: task_id, then node ... first, then task_id again.
                    return [task_id, *chain, task_id]
                if up not in parents and up != task_id:
                    parents[up] = node
                    stack.append(up)
    return None


def describe_cycle(cycle: Sequence[int], names: Mapping[int, str]) -> str:
    """``task 3 'fetch' → task 5 'report' → task 3 'fetch'``: each runs after the one before it."""
    return " → ".join(f"task {t} {names.get(t, '?')!r}" for t in cycle)
