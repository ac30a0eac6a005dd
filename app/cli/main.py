"""The ``taskrunner`` command: ``serve``, ``migrate``, and client commands over HTTP."""

from __future__ import annotations

import os
import signal
import sys

import typer

from app.cli import chat as chat_command
from app.cli import controls as control_commands
from app.cli import doctor as doctor_command
from app.cli import keys as key_commands
from app.cli import mcp as mcp_command
from app.cli import runs as runs_commands
from app.cli import schedules as schedule_commands
from app.cli import tasks as task_commands
from app.cli import templates as template_commands
from app.config import Settings

app = typer.Typer(
    name="taskrunner",
    help="Schedule LLM-agent tasks: serve the API and scheduler, or manage tasks over HTTP.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(task_commands.app, name="task")
app.add_typer(template_commands.app, name="template")
app.add_typer(template_commands.functions_app, name="functions")
app.add_typer(runs_commands.app, name="runs")
app.add_typer(key_commands.app, name="keys")
app.add_typer(schedule_commands.app, name="schedules")
# Controls: per-task controls, concurrency keys and model prices (app/cli/controls.py).
task_commands.app.command("controls")(control_commands.task_controls)
app.add_typer(control_commands.keys_app, name="concurrency-keys")
app.add_typer(control_commands.prices_app, name="prices")
app.command("chat")(chat_command.chat)
app.command("doctor")(doctor_command.doctor)
app.command("mcp")(mcp_command.mcp)


@app.command()
def migrate() -> None:
    """Bring the database schema up to date (Alembic), then exit."""
    from app.cli.startup import safe_url, say
    from app.logging import configure
    from app.services.database import migrate as upgrade

    settings = Settings()
    configure(settings.log_level, settings.log_format)
    upgrade(settings.database_url)
    say("db.migrated", f"database is up to date ({safe_url(settings.database_url)})")


@app.command()
def openapi() -> None:
    """Print the API's OpenAPI document (the contract in docs/openapi.json)."""
    from app.api.openapi_document import render

    typer.echo(render(), nl=False)


@app.command()
def serve(
    host: str | None = typer.Option(None, help="Address to listen on (default: HOST or 127.0.0.1)."),
    port: int | None = typer.Option(None, help="Port to listen on (default: PORT or 8000)."),
    no_scheduler: bool = typer.Option(False, "--no-scheduler", help="Serve the API only; do not schedule."),
    no_worker: bool = typer.Option(
        False,
        "--no-worker",
        help="Do not run runs here (same as RUN_WORKER=false): `taskrunner worker` processes run them (PostgreSQL).",
    ),
    migrate_first: bool = typer.Option(
        True,
        "--migrate/--no-migrate",
        help="Migrate the database before serving (--no-migrate when a deploy step runs `taskrunner migrate`).",
    ),
    allow_insecure_public: bool = typer.Option(
        False,
        "--allow-insecure-public",
        help="Listen on a non-loopback address without API keys (only behind something that authenticates).",
    ),
) -> None:
    """Migrate the database, then serve the API and run the scheduler."""
    import uvicorn

    from app.api.app import create_app
    from app.logging import configure
    from app.services.database import migrate as upgrade

    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    settings = Settings()
    overrides: dict[str, object] = {}
    if host:
        overrides["host"] = host
    if port:
        overrides["port"] = port
    if no_scheduler:
        overrides["scheduler_enabled"] = False
    if no_worker:
        overrides["run_worker"] = False
    settings = settings.model_copy(update=overrides)
    configure(settings.log_level, settings.log_format)
    if not settings.run_worker and not settings.uses_queue:
        typer.echo(
            "error: --no-worker (RUN_WORKER=false) needs PostgreSQL: workers take runs from its queue; "
            "on SQLite the scheduler runs them itself.",
            err=True,
        )
        raise typer.Exit(2)
    if migrate_first:
        upgrade(settings.database_url)
    from app.security import InsecureBind, check_bind, has_stored_keys

    has_keys = bool(settings.api_key_list) or has_stored_keys(settings.database_url)
    from app.cli.startup import banner, say

    try:
        notice = check_bind(settings.host, has_keys, allow_insecure_public)
    except InsecureBind as exc:
        say("serve.refused", f"error: {exc.message}", warning=True)
        raise typer.Exit(2) from None
    if notice:
        say("serve.bind_notice", notice, warning=True)
    mode = "required" if has_keys else "off (loopback only)" if not allow_insecure_public else "off (public!)"
    text, fields = banner(settings, key_mode=mode)
    say("service.starting", text, **fields)
    if settings.scheduler_enabled and settings.run_worker:
        # Runs happen in this process: import litellm now rather than inside the first run,
        # where its seconds of CPU would stall every run (and heartbeat) on the loop.
        from app.llm.litellm_client import preload

        preload()
    # uvicorn stops gracefully on SIGTERM (the lifespan lets runs finish and releases the
    # scheduler lock), then re-raises the signal under the handler that was there before it
    # started; a no-op handler makes that a clean exit 0 instead of death by signal.
    signal.signal(signal.SIGTERM, lambda _sig, _frame: None)
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        timeout_graceful_shutdown=30,
    )


@app.command()
def worker(
    concurrency: int | None = typer.Option(
        None, "--concurrency", min=1, max=1000, help="Runs at a time (default: WORKER_CONCURRENCY or 50)."
    ),
) -> None:
    """Run runs from the queue (PostgreSQL); start as many as you need, on any machine."""
    import asyncio

    from app.clock import SystemClock
    from app.controls.settings import ControlSettings
    from app.llm.litellm_client import preload
    from app.logging import configure
    from app.notify import build_notifier
    from app.runner.conditions import ConditionChecker
    from app.runner.factory import build_runner
    from app.runner.kinds import KindRunners
    from app.workers.base import WorkerTiming
    from app.workers.worker import WorkerProcess

    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    settings = Settings()
    if concurrency:
        settings = settings.model_copy(update={"worker_concurrency": concurrency})
    configure(settings.log_level, settings.log_format)
    if not settings.is_postgres:
        typer.echo("error: workers need PostgreSQL (DATABASE_URL=postgresql+asyncpg://...).", err=True)
        raise typer.Exit(2)
    clock = SystemClock()
    process = WorkerProcess(
        settings.database_url,
        lambda previous_runs: build_runner(settings, clock, previous_runs=previous_runs),
        clock,
        concurrency=settings.worker_concurrency,
        default_model=settings.llm_model,
        stop_grace_seconds=settings.worker_stop_grace_seconds,
        timing=WorkerTiming(
            heartbeat_seconds=settings.worker_heartbeat_seconds,
            stale_seconds=settings.worker_stale_seconds,
            sweep_seconds=settings.worker_sweep_seconds,
        ),
        notifier_factory=lambda sessions: build_notifier(settings, clock=clock, sessionmaker=sessions),
        preload=preload,
        controls=ControlSettings.from_settings(settings),
        conditions=ConditionChecker.from_settings(settings),
        kinds=KindRunners.from_settings(settings, clock),
    )
    # SIGTERM/SIGINT: no new runs, the grace period, then the rest cut off and recorded.
    asyncio.run(process.run())
    # Everything is recorded and closed; skip tearing down litellm's module graph (seconds of
    # CPU at exit) so an orchestrator's stop timeout is spent on runs, not on interpreter shutdown.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
