"""Server-sent events for live pages: send a fragment whenever it changes, until the subject is done."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from starlette.requests import Request
from starlette.responses import StreamingResponse

from app import sse
from app.sse import MAX_STREAM_SECONDS, POLL_SECONDS, encode

__all__ = ["MAX_STREAM_SECONDS", "POLL_SECONDS", "encode", "stream"]

Snapshot = Callable[[], Awaitable[tuple[str, bool]]]
Allowed = Callable[[], Awaitable[bool]]


def stream(
    request: Request, event: str, snapshot: Snapshot, *, allowed: Allowed, poll: float = POLL_SECONDS
) -> StreamingResponse:
    """Send ``event`` with the fragment ``snapshot()`` renders each time it differs from the last one sent.

    ``snapshot`` returns (html, done); when done, a ``done`` event follows the last
    fragment (pages close their EventSource on it) and the stream ends. The stream also
    ends as soon as ``allowed()`` says the visitor may no longer look (logged out, key revoked).
    """
    sent: list[str] = []

    async def changes() -> tuple[Sequence[str], bool]:
        html, done = await snapshot()
        messages = [] if sent and sent[-1] == html else [encode(event, html)]
        sent[:] = [html]
        return (*messages, encode("done", "")) if done else messages, done

    return sse.response(sse.polled(changes, disconnected=request.is_disconnected, allowed=allowed, interval=poll))
