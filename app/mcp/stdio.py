"""``taskrunner mcp``: the MCP server over stdin/stdout, straight on the database or bridged to a running service."""

from __future__ import annotations

from typing import Any

from mcp.server import Server
from mcp.server.stdio import stdio_server

from app.clock import SystemClock
from app.config import Settings
from app.mcp.bridge import build_bridge
from app.mcp.server import Backend, build_server
from app.services.catalog import ServiceDeps
from app.services.database import open_engine, sessions_for
from app.services.events import EventBroker
from app.services.session import committed


async def serve_database(settings: Settings, *, read_only: bool) -> None:
    """Serve the tools straight on ``settings.database_url`` (the running scheduler picks changes up by polling)."""
    engine = open_engine(settings.database_url)
    llm = _llm(settings)
    sessions = sessions_for(engine)
    clock = SystemClock()
    deps = ServiceDeps(
        clock=clock, llm=llm, llm_model=settings.llm_model, http_allow_hosts=tuple(settings.http_allow_host_list)
    )
    # No scheduler in this process: the leader finds the changes in the database by polling.
    broker = EventBroker()
    backend = Backend(services=lambda: committed(sessions, deps, broker), clock=clock, read_only=read_only)
    try:
        await _serve(build_server(backend))
    finally:
        close = getattr(llm, "aclose", None)
        if close is not None:
            await close()
        await engine.dispose()


async def serve_bridge(url: str, *, api_key: str | None, read_only: bool) -> None:
    """Serve the tools of the taskrunner at ``url`` (its /mcp), for clients that only speak stdio."""
    await _serve(build_bridge(url, api_key=api_key, read_only=read_only))


async def _serve(server: Server[Any]) -> None:
    async with stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())


def _llm(settings: Settings) -> Any:
    from app.llm.litellm_client import LiteLLMClient

    return LiteLLMClient(settings)
