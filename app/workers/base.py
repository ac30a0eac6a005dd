"""The executor interface: how the scheduler hands recorded runs to whatever runs them.

Two implementations: :class:`app.workers.in_process.InProcessExecutor` (the
scheduler leader runs runs itself: SQLite and the one-process default) and
:class:`app.workers.queue.ProcrastinateExecutor` (jobs on PostgreSQL for any
number of worker processes). One contract test suite runs against both.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

RunFinishedHook = Callable[[int, int, str], None]
"""Told ``(execution_id, task_id, status)`` once a run's final record is stored (on the runs' own loop)."""


@dataclass(frozen=True, kw_only=True)
class WorkerTiming:
    """How often workers beat, when a silent one counts as dead, how often the leader sweeps."""

    heartbeat_seconds: float = 5.0
    stale_seconds: float = 30.0
    sweep_seconds: float = 10.0
    redefer_after_seconds: float = 5.0  # a queued fire with no job this long after it was recorded


class RunExecutor(Protocol):
    """Where queued executions go once their record has committed."""

    #: True when only the scheduler leader runs this executor (any other of its kind is gone).
    exclusive: bool
    #: This executor's worker id when it runs runs in this process, else None.
    worker_id: str | None

    async def start(self) -> None:
        """Get ready to accept runs (connect, register the worker)."""

    def submit(self, execution_ids: Sequence[int]) -> None:
        """Hand committed ``queued`` executions over to be run; returns at once."""

    async def recover_queued(self, *, manual_only: bool) -> int:
        """Hand over ``queued`` executions nobody is carrying (a crash between commit and hand-over)."""

    def cancel(self, execution_id: int) -> bool:
        """Abort the run at once if it runs in this process; True if it did."""

    def supersede(self, execution_ids: Iterable[int]) -> None:
        """Stop runs here whose records a newer fire already closed ``cancelled`` (overlap ``cancel_other``)."""

    async def release(self, execution_ids: Sequence[int]) -> None:
        """Forget transport state of runs settled as lost (their worker will never finish it)."""

    def busy(self) -> list[asyncio.Task[Any]]:
        """Work in flight in this process (tests and benchmarks wait for it)."""

    async def stop(self, grace_seconds: float) -> None:
        """Let runs here finish within ``grace_seconds``, cut off the rest, settle them."""


def new_worker_id(kind: str) -> str:
    """A worker's id: host, pid and a random tail (pids repeat across restarts and containers)."""
    host = socket.gethostname().split(".")[0][:32] or "host"
    prefix = "w" if kind == "worker" else "p"
    return f"{prefix}-{host}-{os.getpid()}-{secrets.token_hex(3)}"
