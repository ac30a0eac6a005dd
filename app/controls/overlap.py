"""Overlap policies: what a fire does while the task's previous run is still queued or running.

Slots make the policy a database rule that holds across processes: an execution
that is queued or running holds a slot of its task, unique per (task, slot) among
active rows. ``skip`` and ``cancel_other`` use slot 0 only; ``buffer_one`` adds slot
1 for the one run waiting behind; ``allow`` takes no slot (NULL never conflicts).
Two fires of the same scheduled time still conflict on (task, scheduled_for).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

PRIMARY_SLOT = 0
BUFFER_SLOT = 1

SKIP_REASON = "skipped: the previous run of this task was still going"
BUFFER_FULL_REASON = "skipped: a run of this task was already waiting behind the running one (buffer_one)"


def cancel_reason(scheduled_for: datetime) -> str:
    """Why a run was cancelled under ``cancel_other``."""
    return f"cancelled: a newer fire (scheduled for {scheduled_for.isoformat()}) replaced it (cancel_other)"


@dataclass(frozen=True, kw_only=True)
class OverlapAction:
    """What to do with a fire that met an active run: insert in ``slot`` (or skip), cancel first?"""

    insert: bool
    slot: int | None = None
    cancel_active: bool = False
    skip_reason: str | None = None


def on_overlap(policy: str, *, buffered: bool) -> OverlapAction:
    """The action for a fire meeting an active run of its task under ``policy``.

    ``buffered``: a run already waits in the buffer slot.
    """
    if policy == "allow":
        return OverlapAction(insert=True, slot=None)
    if policy == "cancel_other":
        return OverlapAction(insert=True, slot=PRIMARY_SLOT, cancel_active=True)
    if policy == "buffer_one":
        if buffered:
            return OverlapAction(insert=False, skip_reason=BUFFER_FULL_REASON)
        return OverlapAction(insert=True, slot=BUFFER_SLOT)
    return OverlapAction(insert=False, skip_reason=SKIP_REASON)


def first_slot(policy: str) -> int | None:
    """The slot a fire takes when nothing of its task is active."""
    return None if policy == "allow" else PRIMARY_SLOT
