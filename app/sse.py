"""Server-sent events fed by polling the database: what the dashboard's live pages and the API's run events share.

A stream reads the database every ``interval`` (so it follows work done by any process),
sends what changed, ends when its subject is done, when the client leaves, or after
``max_seconds`` (the client reconnects), and sends a comment line as a heartbeat after
``heartbeat`` seconds of silence, so proxies keep the connection open.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

from starlette.responses import StreamingResponse

POLL_SECONDS = 1.0
MAX_STREAM_SECONDS = 600.0
HEARTBEAT = ": keepalive\n\n"

# One poll: the messages to send now (already encoded) and whether the subject is done.
Poll = Callable[[], Awaitable[tuple[Sequence[str], bool]]]
Check = Callable[[], Awaitable[bool]]


def encode(event: str, data: str, *, id: str | None = None) -> str:
    """One SSE message; every line of ``data`` gets its own ``data:`` field."""
    lines = "".join(f"data: {line}\n" for line in data.splitlines() or [""])
    head = f"id: {id}\n" if id is not None else ""
    return f"{head}event: {event}\n{lines}\n"


async def polled(
    poll: Poll,
    *,
    disconnected: Check,
    allowed: Check | None = None,
    interval: float = POLL_SECONDS,
    max_seconds: float = MAX_STREAM_SECONDS,
    heartbeat: float | None = None,
) -> AsyncIterator[str]:
    """The stream's text: ``poll()``'s messages until it says done (or ``allowed()`` stops saying yes)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + max_seconds
    quiet_since = loop.time()
    yield "retry: 3000\n\n"
    while True:
        if allowed is not None and not await allowed():
            return
        messages, done = await poll()
        for message in messages:
            yield message
        if messages:
            quiet_since = loop.time()
        if done:
            return
        if loop.time() > deadline or await disconnected():
            return
        if heartbeat is not None and loop.time() - quiet_since >= heartbeat:
            yield HEARTBEAT
            quiet_since = loop.time()
        await asyncio.sleep(interval)


def response(events: AsyncIterator[str]) -> StreamingResponse:
    """A ``text/event-stream`` answer that no cache or proxy holds back."""
    return StreamingResponse(
        events,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
