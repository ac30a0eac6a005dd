"""Server-sent events: the message format, sending only changes, and ending when done or no longer allowed."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.types import Message

from app.web.events import encode, stream


async def _never() -> Message:
    await asyncio.sleep(3600)
    return {"type": "http.disconnect"}


def _request() -> Request:
    return Request({"type": "http", "method": "GET", "path": "/ui/runs/events", "headers": []}, _never)


async def _body(chunks: Any) -> str:
    parts = [c if isinstance(c, str) else bytes(c).decode() async for c in chunks]
    return "".join(parts)


async def _yes() -> bool:
    return True


def test_encode_gives_every_line_its_own_data_field() -> None:
    assert encode("run", "<p>a</p>\n<p>b</p>") == "event: run\ndata: <p>a</p>\ndata: <p>b</p>\n\n"
    assert encode("done", "") == "event: done\ndata: \n\n"


async def test_only_changes_are_sent_and_done_ends_the_stream() -> None:
    frames = iter([("a", False), ("a", False), ("b", False), ("c", True)])

    async def snapshot() -> tuple[str, bool]:
        return next(frames)

    body = await _body(stream(_request(), "run", snapshot, allowed=_yes, poll=0).body_iterator)
    assert body.count("event: run\n") == 3  # a, b, c: the repeated "a" is not sent again
    assert body.endswith("event: done\ndata: \n\n")


async def test_the_stream_ends_when_the_visitor_may_no_longer_look() -> None:
    answers = iter([True, True, False])
    sent = 0

    async def allowed() -> bool:
        return next(answers)

    async def snapshot() -> tuple[str, bool]:
        nonlocal sent
        sent += 1
        return f"frame {sent}", False

    body = await _body(stream(_request(), "rows", snapshot, allowed=allowed, poll=0).body_iterator)
    assert body.count("event: rows\n") == 2 and "event: done" not in body
