"""The shared ScheduleTask tool (MCP and chat) creates tasks of every kind and shows what they do."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.clock import ManualClock
from app.db.engine import create_engine, create_sessionmaker
from app.services.catalog import ServiceDeps, Services
from app.services.inputs import TemplateCreate
from app.services.templates import TemplateService
from app.tools import args as A
from app.tools.base import ToolContext
from app.tools.definitions import schedule_task

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
HOURLY = {"kind": "interval", "every_seconds": 3600}


async def _call(session: AsyncSession, **arguments: object) -> dict[str, object]:
    ctx = ToolContext(services=Services(session, ServiceDeps(clock=ManualClock(NOW))), now=NOW, timezone="UTC")
    return await schedule_task(ctx, A.ScheduleTask.model_validate(arguments))


async def test_schedule_task_makes_http_and_templated_tasks(db_url: str) -> None:
    engine = create_engine(db_url)
    try:
        async with create_sessionmaker(engine)() as session:
            http = await _call(
                session,
                schedule=HOURLY,
                kind="http",
                http={"url": "https://example.com/ping", "headers": {"Authorization": "Bearer abcdefgh12"}},
            )
            task = http["task"]
            assert isinstance(task, dict) and task["kind"] == "http" and task["name"] == "https://example.com/ping"
            assert task["http"]["headers"] == {"Authorization": "[REDACTED]"}
            await TemplateService(session, ManualClock(NOW)).create(TemplateCreate(name="d", instructions="See {{x}}."))
            templated = await _call(session, schedule=HOURLY, template="d", params={"x": "it"}, name="tpl")
            made = templated["task"]
            assert isinstance(made, dict) and made["instructions"] == "See it." and made["params"] == {"x": "it"}
    finally:
        await engine.dispose()
