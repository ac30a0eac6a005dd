"""Streamable HTTP for the app: a stateless session manager at /mcp (any instance answers any request)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from starlette.types import Receive, Scope, Send

from app.mcp.server import Backend, build_server

LOOPBACK_HOSTS = ("127.0.0.1:*", "localhost:*", "[::1]:*")


class McpEndpoint:
    """The ASGI endpoint mounted at /mcp; it answers once :meth:`running` has started it."""

    def __init__(self) -> None:
        self._manager: StreamableHTTPSessionManager | None = None

    @asynccontextmanager
    async def running(self, backend: Backend, *, allowed_hosts: Sequence[str]) -> AsyncIterator[None]:
        """Serve MCP for the life of the block (the app's lifespan)."""
        hosts = list(allowed_hosts) or list(LOOPBACK_HOSTS)
        security = TransportSecuritySettings(
            enable_dns_rebinding_protection="*" not in hosts,
            allowed_hosts=hosts,
            allowed_origins=[f"{scheme}://{h}" for h in hosts for scheme in ("http", "https")],
        )
        manager = StreamableHTTPSessionManager(
            app=build_server(backend), stateless=True, json_response=True, security_settings=security
        )
        # The manager's task group lives in a task of its own: a lifespan may be entered and left
        # in different tasks (test fixtures do), and a task group must be left where it was entered.
        started, stop = asyncio.Event(), asyncio.Event()

        async def serve() -> None:
            async with manager.run():
                started.set()
                await stop.wait()

        task = asyncio.create_task(serve(), name="mcp-session-manager")
        waiter = asyncio.create_task(started.wait())
        await asyncio.wait([task, waiter], return_when=asyncio.FIRST_COMPLETED)
        if not waiter.done():
            waiter.cancel()
            task.result()  # the manager failed to start: raise why
        self._manager = manager
        try:
            yield
        finally:
            self._manager = None
            stop.set()
            await task

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._manager is None:
            raise RuntimeError("the MCP endpoint is not running (the app's lifespan has not started)")
        await self._manager.handle_request(scope, receive, send)
