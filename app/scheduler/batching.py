"""Lookups and claims batched: per turn of the event loop, and while a batch is in flight.

Thousands of runs starting in the same second would otherwise each open a session
and query for themselves; every :meth:`TickBatcher.load` made in one turn of the
loop shares one query (in chunks of ``chunk`` ids) instead. :class:`GroupBatcher`
sends one batch at a time and gathers what arrives meanwhile into the next (the
gate's claims).
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


T = TypeVar("T")
R = TypeVar("R")


class GroupBatcher(Generic[T, R]):
    """``submit(item)`` answers ``flush(items)[i]``: items submitted while a flush runs go into the next.

    One flush at a time, at most ``chunk`` items each (a group commit): under load the
    batches grow by themselves, and a lone item waits only one turn of the loop. When
    ``flush`` raises, every item of that batch gets the exception.
    """

    def __init__(self, flush: Callable[[list[T]], Awaitable[list[R]]], *, chunk: int = 500) -> None:
        self._flush = flush
        self._chunk = chunk
        self._pending: list[tuple[T, asyncio.Future[R]]] = []
        self._flusher: asyncio.Task[None] | None = None

    def submit(self, item: T) -> asyncio.Future[R]:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if self._flusher is None:
            self._flusher = asyncio.get_running_loop().create_task(self._run())
        return future

    async def _run(self) -> None:
        batch: list[tuple[T, asyncio.Future[R]]] = []
        try:
            await asyncio.sleep(0)  # let the rest of this tick's items join
            while self._pending:
                batch, self._pending = self._pending[: self._chunk], self._pending[self._chunk :]
                try:
                    results = await self._flush([item for item, _ in batch])
                except Exception as exc:
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for (_, future), result in zip(batch, results, strict=True):
                    if not future.done():
                        future.set_result(result)
        finally:
            self._flusher = None
            # Cancelled mid-flush (the loop is going away): nobody is left to answer these.
            left, self._pending = batch + self._pending, []
            for _, future in left:
                if not future.done():
                    future.cancel()
