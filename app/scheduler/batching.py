"""Lookups by id batched per turn of the event loop.

Thousands of runs starting in the same second would otherwise each open a session
and query for themselves; every :meth:`TickBatcher.load` made in one turn of the
loop shares one query (in chunks of ``chunk`` ids) instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, TypeVar

V = TypeVar("V")

Query = Callable[[Sequence[int]], Awaitable[dict[int, V]]]


class TickBatcher(Generic[V]):
    """``load(id)`` answers ``query(ids)[id]`` (None when absent); one ``query`` per tick and chunk."""

    def __init__(self, query: Query[V], *, chunk: int = 1000) -> None:
        self._query = query
        self._chunk = chunk
        self._waiting: dict[int, list[asyncio.Future[V | None]]] = {}
        self._flusher: asyncio.Task[Any] | None = None

    def load(self, key: int) -> asyncio.Future[V | None]:
        future: asyncio.Future[V | None] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(key, []).append(future)
        if self._flusher is None:
            self._flusher = asyncio.get_running_loop().create_task(self._flush())
        return future

    async def _flush(self) -> None:
        await asyncio.sleep(0)  # let the rest of this tick's loads join
        waiting, self._waiting, self._flusher = self._waiting, {}, None
        ids = list(waiting)
        found: dict[int, V] = {}
        try:
            for i in range(0, len(ids), self._chunk):
                found.update(await self._query(ids[i : i + self._chunk]))
        except Exception as exc:
            for futures in waiting.values():
                for f in futures:
                    if not f.done():
                        f.set_exception(exc)
            return
        for key, futures in waiting.items():
            for f in futures:
                if not f.done():
                    f.set_result(found.get(key))
