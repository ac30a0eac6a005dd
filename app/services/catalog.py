"""Every use case over one session: what a client's request, chat turn or MCP tool call works with.

The owner of the transaction (the HTTP request, or :func:`app.services.session.committed`)
commits; these services only flush. ``discard_unflushed`` drops one failed step's
half-made changes while keeping what earlier steps flushed.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import Clock
from app.llm.base import LLMClient
from app.services.concurrency import ControlService
from app.services.conversations import ConversationService
from app.services.executions import ExecutionService
from app.services.schedules import ScheduleService
from app.services.tasks import TaskDeps, TaskService
from app.services.views import RunView


@dataclass(frozen=True, kw_only=True)
class ServiceDeps:
    clock: Clock
    llm: LLMClient | None = None
    llm_model: str | None = None
    http_allow_hosts: tuple[str, ...] = ()  # HTTP_TOOL_ALLOW_HOSTS: what run conditions may name


class Services:
    def __init__(self, session: AsyncSession, deps: ServiceDeps) -> None:
        self._session = session
        self.deps = deps
        self.tasks = TaskService(
            session,
            TaskDeps(clock=deps.clock, llm=deps.llm, llm_model=deps.llm_model, http_allow_hosts=deps.http_allow_hosts),
        )
        self.runs = ExecutionService(session, deps.clock)
        self.schedules = ScheduleService(deps.clock, deps.llm, deps.llm_model)
        self.conversations = ConversationService(session, deps.clock)
        self.controls = ControlService(session, deps.clock)

    async def cancel_run(self, execution_id: int) -> RunView:
        """Cancel a queued or running run (the run-cancel use case every client shares)."""
        from app.services.cancel import cancel_execution

        return await cancel_execution(self._session, execution_id, now=self.deps.clock.now())

    async def flush(self) -> None:
        """Send this step's changes to the database (still uncommitted)."""
        await self._session.flush()

    def discard_unflushed(self) -> None:
        """Forget changes made since the last flush (a failed step's), keeping earlier flushed ones."""
        for obj in list(self._session.dirty):
            self._session.expire(obj)
        for obj in list(self._session.new):
            self._session.expunge(obj)
