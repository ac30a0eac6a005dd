"""Both executors behind one rig: the in-process executor and procrastinate jobs with a worker."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.clock import SystemClock
from app.db.engine import create_engine, create_sessionmaker
from app.db.models import Execution, ExecutionStep
from app.db.repositories import ExecutionRepository, FireRow
from app.netguard import NetGuard
from app.runner.base import RunOutcome, RunRequest, StepRecord, StepSink
from app.runner.fetch import HttpLimits
from app.runner.functions import FunctionRunner
from app.runner.http_task import HttpTaskConfig, HttpTaskRunner
from app.runner.kinds import KindRunners
from app.scheduler.writer import RecordWriter
from app.services.cancel import cancel_execution
from app.services.inputs import TaskCreate
from app.services.notifier import scheduler_subscriber
from app.services.tasks import TaskDeps, TaskService
from app.services.unit_of_work import pending
from app.services.views import RunView
from app.workers.base import RunExecutor, WorkerTiming
from app.workers.in_process import InProcessExecutor
from app.workers.queue import ProcrastinateExecutor
from app.workers.worker import WorkerProcess

# The API client and the live server with the CLI, for the cancel and status tests.
from tests.api.conftest import client, frozen  # noqa: F401
from tests.cli.conftest import cli, live, script  # noqa: F401

# A loopback web site for http tasks and an installed package of functions, for the task kind runs.
from tests.kinds.conftest import functions, web  # noqa: F401

FAST = WorkerTiming(heartbeat_seconds=0.2, stale_seconds=2.0, sweep_seconds=0.5, redefer_after_seconds=0.0)

# The loopback test sites http tasks reach: allowed for the run and when the task is set.
ALLOWED_HOSTS = ("127.0.0.1",)


class GatedRunner:
    """Records one step, then waits for ``gate`` (if set) before succeeding; counts every run."""

    def __init__(self) -> None:
        self.runs: list[int] = []
        self.cancelled: list[int] = []  # runs whose agent was stopped while it waited
        self.gate: asyncio.Event | None = None
        self.started = asyncio.Event()

    async def run(self, request: RunRequest, *, on_step: StepSink | None = None) -> RunOutcome:
        self.runs.append(request.execution_id)
        step = StepRecord(
            index=0,
            kind="llm",
            name="scripted",
            input={"instructions": request.instructions},
            output={"content": "thinking"},
            started_at=datetime.now(UTC),
            latency_ms=0.1,
        )
        if on_step is not None:
            await on_step(step)
        self.started.set()
        if self.gate is not None:
            try:
                await self.gate.wait()
            except asyncio.CancelledError:
                self.cancelled.append(request.execution_id)
                raise
        return RunOutcome(status="succeeded", output="done", model="scripted-model", steps=[step])


class Listener:
    """What serve's scheduler does with committed cancel requests: tell the executor."""

    def __init__(self, executor: RunExecutor) -> None:
        self.executor = executor

    def tasks_changed(self, task_ids: set[int]) -> None:
        return None

    def runs_queued(self) -> None:
        return None

    def runs_cancel_requested(self, execution_ids: set[int]) -> None:
        for execution_id in execution_ids:
            self.executor.cancel(execution_id)


class Rig:
    """An executor (and for procrastinate a worker) in the test's loop, plus helpers over records."""

    def __init__(self, kind: str, db_url: str, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.kind = kind
        self.db_url = db_url
        self.sessions = sessions
        self.runner = GatedRunner()
        self.clock = SystemClock()
        self.writer = RecordWriter(sessions, self.clock)
        # http tasks may reach the loopback test site; nothing else changes for the other kinds.
        limits = HttpLimits(guard=NetGuard(allow=ALLOWED_HOSTS), max_body_bytes=50_000)
        self.kinds = KindRunners(
            http=HttpTaskRunner(clock=self.clock, config=HttpTaskConfig(limits=limits, body_excerpt_bytes=2048)),
            function=FunctionRunner(clock=self.clock),
        )
        self.worker: WorkerProcess | None = None
        self._worker_task: asyncio.Task[None] | None = None
        self.executor: RunExecutor
        if kind == "in-process":
            self.executor = InProcessExecutor(
                sessions, self.runner, self.writer, self.clock, timing=FAST, kinds=self.kinds
            )
        else:
            self.executor = ProcrastinateExecutor(db_url, sessions, self.clock, redefer_after=timedelta(0))
        self.listener = Listener(self.executor)

    async def start(self) -> None:
        self.writer.start()
        await self.executor.start()
        if self.kind == "procrastinate":
            await self.start_worker()

    async def start_worker(self) -> WorkerProcess:
        worker = WorkerProcess(
            self.db_url,
            lambda _previous: self.runner,
            self.clock,
            concurrency=5,
            stop_grace_seconds=0.5,
            timing=FAST,
            install_signal_handlers=False,
            kinds=self.kinds,
        )
        self.worker = worker
        self._worker_task = asyncio.create_task(worker.run())
        return worker

    async def stop_worker(self) -> None:
        if self.worker is not None and self._worker_task is not None:
            self.worker.request_stop()
            await asyncio.wait_for(self._worker_task, 30)
            self.worker, self._worker_task = None, None

    async def stop(self, grace: float = 0.5) -> None:
        await self.executor.stop(grace)
        await self.stop_worker()
        await self.writer.close()

    async def task(self, **body: Any) -> int:
        body.setdefault("name", "t")
        body.setdefault("instructions", "do it")
        body = {k: v for k, v in body.items() if v is not None}
        body.setdefault("schedule", {"kind": "interval", "every_seconds": 3600})
        async with self.sessions() as s:
            task = await TaskService(s, TaskDeps(clock=self.clock, http_allow_hosts=ALLOWED_HOSTS)).create(
                TaskCreate.model_validate(body)
            )
            await s.commit()
        return task.id

    async def queue(self, task_id: int, *, at: datetime | None = None) -> int:
        """A committed ``queued`` record, as the scheduler leaves a fire."""
        async with self.sessions() as s:
            ((execution_id, _t, _s),) = await ExecutionRepository(s).insert_fires(
                [FireRow(task_id=task_id, scheduled_for=at or datetime.now(UTC), trigger="schedule", status="queued")],
                now=datetime.now(UTC),
            )
            await s.commit()
        return execution_id

    def submit(self, ids: Sequence[int]) -> None:
        self.executor.submit(ids)

    async def cancel(self, execution_id: int) -> RunView:
        async with self.sessions() as s:
            run = await cancel_execution(s, execution_id, now=datetime.now(UTC))
            await s.commit()
            scheduler_subscriber(self.listener)(pending(s))  # what the unit of work publishes after commit
        return run

    async def record(self, execution_id: int) -> Execution:
        async with self.sessions() as s:
            execution = await s.get(Execution, execution_id)
            assert execution is not None
            return execution

    async def steps(self, execution_id: int) -> list[ExecutionStep]:
        async with self.sessions() as s:
            return list(await ExecutionRepository(s).steps(execution_id))

    async def wait_status(self, execution_id: int, *statuses: str, within: float = 15.0) -> Execution:
        deadline = asyncio.get_running_loop().time() + within
        while True:
            record = await self.record(execution_id)
            if record.status in statuses:
                return record
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"run {execution_id} is {record.status}, not {statuses}")
            await asyncio.sleep(0.05)


@pytest.fixture
async def sessions(db_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(db_url)
    yield create_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
def records(db_url: str, sessions: async_sessionmaker[AsyncSession]) -> Rig:
    """The rig's record helpers, with no executor started (claim and sweep tests drive the parts)."""
    return Rig("in-process", db_url, sessions)


@pytest.fixture
async def queue_rig(db_url: str, sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[Rig]:
    """The procrastinate rig alone (PostgreSQL)."""
    if not db_url.startswith("postgresql"):
        pytest.skip("procrastinate runs on PostgreSQL only")
    r = Rig("procrastinate", db_url, sessions)
    await r.start()
    try:
        yield r
    finally:
        with contextlib.suppress(Exception):
            await r.stop()


@pytest.fixture(params=["in-process", "procrastinate"])
async def rig(
    request: pytest.FixtureRequest, db_url: str, sessions: async_sessionmaker[AsyncSession]
) -> AsyncIterator[Rig]:
    if request.param == "procrastinate" and not db_url.startswith("postgresql"):
        pytest.skip("procrastinate runs on PostgreSQL only")
    r = Rig(request.param, db_url, sessions)
    await r.start()
    try:
        yield r
    finally:
        if r.runner.gate is not None:
            r.runner.gate.set()
        with contextlib.suppress(Exception):
            await r.stop()
