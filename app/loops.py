"""Event loops that a thread owns (the scheduler's, a worker's): run one to completion and close it cleanly."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any


def run_then_close(loop: asyncio.AbstractEventLoop, main: Coroutine[Any, Any, None]) -> None:
    """Run ``main`` on ``loop``, then cancel what it left running and close the loop.

    Like :func:`asyncio.run`, minus waiting for the default executor: a sync function
    still running in a worker thread cannot be stopped and must not hold a shutdown up.
    Tasks that libraries start on the loop (litellm's logging worker) are cancelled
    while the loop still runs, instead of being destroyed pending after it closed.
    """
    try:
        loop.run_until_complete(main)
    finally:
        try:
            leftovers = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for task in leftovers:
                task.cancel()
            if leftovers:
                loop.run_until_complete(asyncio.gather(*leftovers, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()
