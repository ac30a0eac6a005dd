"""A worker in a thread of its own (``serve`` on PostgreSQL runs one beside the API)."""

from __future__ import annotations

import asyncio
import threading

import structlog

from app.loops import run_then_close
from app.workers.worker import WorkerProcess

log = structlog.get_logger("taskrunner.workers")


class WorkerThread:
    def __init__(self, process: WorkerProcess) -> None:
        self.process = process
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    @property
    def worker_id(self) -> str:
        return self.process.worker_id

    def start(self) -> None:
        ready = threading.Event()
        self._thread = threading.Thread(target=self._main, args=(ready,), name="worker", daemon=True)
        self._thread.start()
        ready.wait(5)

    def stop(self, timeout: float = 60.0) -> None:
        """Stop fetching, let runs finish within the grace period, settle the rest."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self.process.request_stop)
        if self._thread is not None:
            self._thread.join(timeout)

    def _main(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        ready.set()
        try:
            run_then_close(loop, self.process.run())
        except Exception:
            log.exception("worker.failed", worker_id=self.process.worker_id)
