"""Server-sent events: send a fragment whenever it changes, until the subject is done or the client leaves."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

from starlette.requests import Request
from starlette.responses import StreamingResponse

# How often a live page re-reads the database, and how long one stream lasts (the browser reconnects).
POLL_SECONDS = 1.0
MAX_STREAM_SECONDS = 600.0

Snapshot = Callable[[], Awaitable[tuple[str, bool]]]
Allowed = Callable[[], Awaitable[bool]]


def encode(event: str, data: str) -> str:
    """One SSE message; every line of ``data`` gets its own ``data:`` field."""
    lines = "".join(f"data: {line}\n" for line in data.splitlines() or [""])
    return f"event: {event}\n{lines}\n"


def stream(
    request: Request, event: str, snapshot: Snapshot, *, allowed: Allowed, poll: float = POLL_SECONDS
) -> StreamingResponse:
    """Send ``event`` with the fragment ``snapshot()`` renders each time it differs from the last one sent.

    ``snapshot`` returns (html, done); when done, a ``done`` event follows the last
    fragment (pages close their EventSource on it) and the stream ends. The stream also
    ends as soon as ``allowed()`` says the visitor may no longer look (logged out, key revoked).
    """

    async def events() -> AsyncIterator[str]:
        sent: str | None = None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + MAX_STREAM_SECONDS
        yield "retry: 3000\n\n"
        while True:
            if not await allowed():
                return
            html, done = await snapshot()
            if html != sent:
                yield encode(event, html)
                sent = html
            if done:
                yield encode("done", "")
                return
            if loop.time() > deadline or await request.is_disconnected():
                return
            await asyncio.sleep(poll)

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
