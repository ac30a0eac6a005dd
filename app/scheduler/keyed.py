"""Claims under a concurrency key, made together: a key's next free places filled in fire order at once.

For each key among the runs asked for, one transaction locks the key row (PostgreSQL),
reads its limit, what runs and the runs next in line for its free places
(:meth:`~app.db.repositories.controls.ControlRepository.key_head`), and starts those of
them asked for here in one conditional UPDATE
(:meth:`~app.db.repositories.controls.ControlRepository.claim_keyed`). A run asked for
behind a run that is not (held by another process, or not offered yet) waits: no run
starts before an earlier-due run of its key that could start too. Runs that need more
than this (a key without a row, a paused task's run) are left to the claim of their own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from app.controls import sla
from app.db.repositories.controls import ClaimTarget, ControlRepository, KeyedClaim

TASK_BUSY = "waiting for the task's running run to finish"


@dataclass(frozen=True, kw_only=True)
class KeyAsk:
    """A run asked to start under ``key`` (as its task was loaded), for ``worker_id``."""

    execution_id: int
    key: str
    worker_id: str | None
    waiting_since: datetime | None = None  # it waits already (its record says why): since when
    waiting_reason: str | None = None


@dataclass(kw_only=True)
class KeyClaims:
    """What became of each run asked for (by execution id)."""

    started: dict[int, tuple[ClaimTarget, int]] = field(default_factory=dict)  # target, trigger delay (ms)
    waiting: dict[int, tuple[ClaimTarget, str | None]] = field(default_factory=dict)  # reason of a first wait
    not_due: dict[int, ClaimTarget] = field(default_factory=dict)
    gone: set[int] = field(default_factory=set)  # claimed elsewhere, closed or deleted
    twice: set[int] = field(default_factory=set)  # asked again in the same batch (the first answer holds)
    alone: set[int] = field(default_factory=set)  # for the claim of its own
    free: dict[str, int] = field(default_factory=dict)  # places of each key still free after the claim


def next_in_line(head: Sequence[ClaimTarget], asked: Mapping[int, object]) -> list[ClaimTarget]:
    """The runs of ``head`` (a key's next runs in fire order) that may start now from those ``asked``.

    The longest start of ``head`` asked for here, and at most one run of a task that runs one at a
    time (its second run waits for the first to end, and so do the runs behind it).
    """
    chosen: list[ClaimTarget] = []
    tasks: set[int] = set()
    for target in head:
        if target.execution_id not in asked or target.task_id in tasks:
            break
        chosen.append(target)
        if target.overlap_policy != "allow":
            tasks.add(target.task_id)
    return chosen


def wait_reason(key: str, limit: int, running: int) -> str:
    if running >= limit:
        return f"waiting for concurrency key {key!r} ({running}/{limit} running)"
    return f"waiting behind earlier runs of concurrency key {key!r}"


async def claim_keyed(repo: ControlRepository, asks: Sequence[KeyAsk], *, now: datetime) -> KeyClaims:
    """Claim what may start of ``asks`` in ``repo``'s transaction, key by key (locks taken in key order)."""
    out = KeyClaims()
    targets = await repo.targets([a.execution_id for a in asks])
    by_key: dict[str, dict[int, KeyAsk]] = {}
    for ask in asks:
        target = targets.get(ask.execution_id)
        runs = by_key.setdefault(ask.key, {})
        if target is None or target.status != "queued":
            out.gone.add(ask.execution_id)
        elif ask.execution_id in runs or ask.execution_id in out.not_due or ask.execution_id in out.alone:
            out.twice.add(ask.execution_id)
        elif target.due_at > now:
            out.not_due[ask.execution_id] = target
        elif target.concurrency_key != ask.key:
            out.alone.add(ask.execution_id)  # the task changed since it was loaded
        else:
            runs[ask.execution_id] = ask
    for key in sorted(by_key):
        runs = by_key[key]
        if not runs:
            continue
        found = await repo.key_head(key, now=now)
        if found is None:
            out.alone.update(runs)  # no row, no limit: nothing to count
            continue
        chosen = next_in_line(found.head, runs)
        claims = [
            KeyedClaim(
                target=t,
                delay_ms=sla.start_delay_ms(t.trigger, t.scheduled_for, now),
                waited_reason=_waited(runs[t.execution_id], now),
                worker_id=runs[t.execution_id].worker_id,
            )
            for t in chosen
        ]
        claimed = await repo.claim_keyed(key, found.limit, claims, now=now)
        for c in claims:
            if c.target.execution_id in claimed:
                out.started[c.target.execution_id] = (c.target, c.delay_ms)
        running = found.running + len(claimed)
        out.free[key] = max(0, found.limit - running)
        left = [i for i in runs if i not in claimed]
        first = [i for i in left if runs[i].waiting_reason is None]
        busy = await repo.busy_tasks(sorted({targets[i].task_id for i in first if _one_at_a_time(targets[i])}))
        reasons: dict[str, list[int]] = {}
        for i in left:
            reason: str | None = None
            if runs[i].waiting_reason is None:
                reason = TASK_BUSY if targets[i].task_id in busy else wait_reason(key, found.limit, running)
                reasons.setdefault(reason, []).append(i)
            out.waiting[i] = (targets[i], reason)
        for reason, ids in reasons.items():
            await repo.note_waiting_many(ids, reason)
    return out


def _one_at_a_time(target: ClaimTarget) -> bool:
    return target.overlap_policy != "allow"


def _waited(ask: KeyAsk, now: datetime) -> str | None:
    if ask.waiting_reason is None or ask.waiting_since is None:
        return None
    seconds = (now - ask.waiting_since).total_seconds()
    return f"waited {seconds:g}s in the queue ({ask.waiting_reason})"
