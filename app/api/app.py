"""The app factory: settings, engine, LLM client and scheduler are built in the lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import FastAPI
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import __version__, metrics, web
from app.api import contract, docs, errors
from app.api.auth import ApiKeyAuth
from app.api.deps import AppState
from app.api.errors import error_body
from app.api.observe import RequestContext
from app.api.routes import (
    chat,
    controls,
    executions,
    functions,
    health,
    hooks,
    keys,
    schedules,
    task_bundles,
    tasks,
    templates,
    triggers,
    upcoming,
    workers,
)
from app.clock import Clock, SystemClock
from app.config import Settings
from app.controls.settings import ControlSettings
from app.llm.base import LLMClient
from app.mcp import Backend
from app.mcp.http import McpEndpoint
from app.runner.base import PreviousRuns, Runner
from app.runner.conditions import ConditionChecker
from app.runner.tools import TOOL_NAMES
from app.services.catalog import ServiceDeps
from app.services.database import install_audit, open_engine, sessions_for
from app.services.events import EventBroker, RunFinished
from app.services.notifier import ChangeListener, NullListener, scheduler_subscriber
from app.services.session import committed
from app.workers.base import RunFinishedHook, WorkerTiming

if TYPE_CHECKING:
    from app.runner.kinds import KindRunners
    from app.workers.service import WorkerThread


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    runner_factory: Callable[[PreviousRuns], Runner] | None = None,
    llm: LLMClient | None = None,
    listener: ChangeListener | None = None,
    broker: EventBroker | None = None,
) -> FastAPI:
    """Build the API. With ``settings.scheduler_enabled`` a scheduler thread starts with it.

    ``listener`` replaces the scheduler (tests drive a :class:`SchedulerCore` themselves).
    ``broker`` receives the events of every committed write (a new one if not given).
    """
    settings = settings or Settings()
    clock = clock or SystemClock()
    install_audit()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = open_engine(settings.database_url)
        metrics.initialise(models={settings.llm_model}, tools=sorted(TOOL_NAMES))
        llm_client = llm if llm is not None else _default_llm(settings)
        warm_up = getattr(llm_client, "warm_up", None)
        if warm_up is not None:
            warm_up()  # litellm takes seconds to import: off the event loop, before the first call
        scheduler = None
        worker = None
        events = broker or EventBroker()
        chosen: ChangeListener = listener or NullListener()
        timing = _worker_timing(settings)
        if listener is None and settings.scheduler_enabled:
            from app.notify import build_notifier
            from app.scheduler.core import RetentionPolicy
            from app.scheduler.service import SchedulerService

            scheduler = SchedulerService(
                settings.database_url,
                runner_factory or _default_runner_factory(settings, clock),
                clock,
                default_model=settings.llm_model,
                max_concurrent_runs=settings.max_concurrent_runs,
                notifier_factory=lambda sessions: build_notifier(settings, clock=clock, sessionmaker=sessions),
                retention=RetentionPolicy(
                    keep_days=settings.retention_days, keep_failed_days=settings.retention_failed_days
                ),
                use_queue=settings.uses_queue,
                timing=timing,
                on_run_finished=_run_finished_publisher(events),
                controls=ControlSettings.from_settings(settings),
                conditions=_condition_checker(settings),
                kinds=_kind_runners(settings, clock),
            )
            scheduler.start()
            chosen = scheduler
        if listener is None and settings.uses_queue and settings.run_worker:
            worker = _start_worker(settings, clock, runner_factory, timing, events)
        unsubscribe = events.subscribe(scheduler_subscriber(chosen))
        app.state.taskrunner = AppState(
            settings=settings,
            clock=clock,
            sessionmaker=sessions_for(engine),
            listener=chosen,
            broker=events,
            llm=llm_client,
            scheduler=scheduler,
            worker=worker,
        )
        backend = Backend(
            services=lambda: committed(
                app.state.taskrunner.sessionmaker,
                ServiceDeps(
                    clock=clock,
                    llm=llm_client,
                    llm_model=settings.llm_model,
                    http_allow_hosts=tuple(settings.http_allow_host_list),
                ),
                events,
            ),
            clock=clock,
        )
        try:
            async with mcp_endpoint.running(backend, allowed_hosts=settings.mcp_allowed_host_list):
                yield
        finally:
            unsubscribe()
            if scheduler is not None:
                scheduler.stop()
            if worker is not None:
                worker.stop()
            # litellm caches HTTP clients per event loop; close them with the app's loop.
            close = getattr(llm_client, "aclose", None)
            if close is not None:
                await close()
            await engine.dispose()

    app = FastAPI(
        title="taskrunner",
        version=__version__,
        description="Schedule LLM-agent tasks: on time, in the right timezone, exactly once, with a record.",
        lifespan=lifespan,
        generate_unique_id_function=contract.operation_id,
        openapi_tags=contract.TAGS,
        docs_url=None,  # served from local assets by app.api.docs
        redoc_url=None,
    )
    errors.install(app)
    contract.install(app)
    mcp_endpoint = McpEndpoint()
    app.router.routes.append(Route("/mcp", endpoint=mcp_endpoint, methods=["GET", "POST", "DELETE"]))
    for module in (
        task_bundles,
        tasks,
        templates,
        functions,
        triggers,
        hooks,
        executions,
        schedules,
        chat,
        health,
        keys,
        controls,
        workers,
    ):
        app.include_router(module.router)
    app.include_router(upcoming.router)
    docs.install(app)
    web.install(app)
    app.add_middleware(
        ApiKeyAuth,
        own_auth_prefixes=[web.PREFIX],
        read_credential=web.accepts_session_cookie,
        login_path=web.PREFIX + "/login",
        login_redirect_paths=["/docs", "/redoc"],
    )
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_request_bytes)
    app.add_middleware(RequestContext)  # outermost: request id and metrics on every answer
    return app


def _worker_timing(settings: Settings) -> WorkerTiming:
    return WorkerTiming(
        heartbeat_seconds=settings.worker_heartbeat_seconds,
        stale_seconds=settings.worker_stale_seconds,
        sweep_seconds=settings.worker_sweep_seconds,
    )


def _start_worker(
    settings: Settings,
    clock: Clock,
    runner_factory: Callable[[PreviousRuns], Runner] | None,
    timing: WorkerTiming,
    events: EventBroker,
) -> WorkerThread:
    """The worker that ``serve`` runs beside the API when runs go through the queue."""
    from app.notify import build_notifier
    from app.workers.service import WorkerThread
    from app.workers.worker import WorkerProcess

    thread = WorkerThread(
        WorkerProcess(
            settings.database_url,
            runner_factory or _default_runner_factory(settings, clock),
            clock,
            concurrency=settings.worker_concurrency,
            default_model=settings.llm_model,
            stop_grace_seconds=settings.worker_stop_grace_seconds,
            timing=timing,
            notifier_factory=lambda sessions: build_notifier(settings, clock=clock, sessionmaker=sessions),
            install_signal_handlers=False,
            kind="serve",
            preload=None if runner_factory is not None else _preload_llm,
            controls=ControlSettings.from_settings(settings),
            on_run_finished=_run_finished_publisher(events),
            conditions=_condition_checker(settings),
            kinds=_kind_runners(settings, clock),
        )
    )
    thread.start()
    return thread


def _condition_checker(settings: Settings) -> ConditionChecker:
    """Run conditions reach what the agent's HTTP tool reaches (HTTP_TOOL_ALLOW_HOSTS, body limit)."""
    return ConditionChecker.from_settings(settings)


def _run_finished_publisher(events: EventBroker) -> RunFinishedHook:
    """What the scheduler and the worker call when a run ends: a RunFinished event for every client."""

    def publish(execution_id: int, task_id: int, status: str) -> None:
        events.publish([RunFinished(execution_id=execution_id, task_id=task_id, status=status)])

    return publish


def _preload_llm() -> None:
    from app.llm.litellm_client import preload

    preload()


def _default_llm(settings: Settings) -> LLMClient:
    from app.llm.litellm_client import LiteLLMClient

    return LiteLLMClient(settings)


def _kind_runners(settings: Settings, clock: Clock) -> KindRunners:
    from app.runner.kinds import KindRunners

    return KindRunners.from_settings(settings, clock)


def _default_runner_factory(settings: Settings, clock: Clock) -> Callable[[PreviousRuns], Runner]:
    from app.runner.factory import build_runner

    return lambda previous_runs: build_runner(settings, clock, previous_runs=previous_runs)


class BodySizeLimit:
    """Rejects request bodies over ``max_bytes`` with 413, whether or not Content-Length is sent."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await _reject(send, self.max_bytes)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await _reject(send, self.max_bytes)


class _TooLarge(Exception):
    pass


async def _reject(send: Send, max_bytes: int) -> None:
    import json

    body = json.dumps(error_body("payload_too_large", f"The request body is larger than {max_bytes} bytes.")).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
