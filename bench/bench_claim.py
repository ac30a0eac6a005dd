"""Claim-step benchmark: what the cross-process claim costs when a burst of runs starts.

Run: ``.venv/bin/python bench/bench_claim.py [--runs 2000] [--rounds 3]``
(needs the PostgreSQL on 127.0.0.1:5432; it creates and drops scratch databases).

``--runs`` queued executions (one per task) are handed to a :class:`~app.workers.in_process.InProcessExecutor`
whose runner returns at once. Measured: wall time until every run finished, and
each run's start delay (start minus due time). Compared, same run, same kind of
database:

- baseline: the executor without the controls' claim (the plain conditional batched
  ``queued`` -> ``running`` claim of WorkerRepository.claim);
- claim: the :class:`RunGate` claim step (conditional UPDATE, row locks, budgets);
- claim + key: the same runs all under one concurrency key with a limit of 50.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.clock import SystemClock
from app.db.engine import create_engine, create_sessionmaker
from app.db.models import ConcurrencyKey, Task
from app.db.repositories import ExecutionRepository, FireRow
from app.runner.base import RunOutcome, RunRequest, StepSink
from app.scheduler.gate import RunGate
from app.scheduler.writer import RecordWriter
from app.workers.in_process import InProcessExecutor
from bench.common import scratch_postgres


class Instant:
    def __init__(self) -> None:
        self.starts: list[float] = []

    async def run(self, request: RunRequest, *, on_step: StepSink | None = None) -> RunOutcome:
        self.starts.append(time.time() - request.scheduled_for.timestamp())
        return RunOutcome(status="succeeded", output="ok")


async def _seed(url: str, runs: int, key: str | None) -> list[tuple[int, int, datetime]]:
    engine = create_engine(url)
    now = datetime.now(UTC)
    async with create_sessionmaker(engine)() as s:
        if key:
            s.add(ConcurrencyKey(key=key, max_running=50, created_at=now, updated_at=now))
        tasks = [
            Task(
                name=f"t{i}",
                instructions="x",
                schedule_kind="cron",
                cron="0 0 1 1 *",
                timezone="UTC",
                tools=[],
                max_steps=5,
                timeout_seconds=60,
                max_retries=0,
                concurrency_key=key,
                created_at=now,
                updated_at=now,
                revision=1,
                state="active",
            )
            for i in range(runs)
        ]
        s.add_all(tasks)
        await s.flush()
        rows = [FireRow(task_id=t.id, scheduled_for=now, trigger="schedule", status="queued") for t in tasks]
        out = await ExecutionRepository(s).insert_fires(rows, now=now)
        await s.commit()
    await engine.dispose()
    return out


async def _round(url: str, runs: int, mode: str) -> tuple[float, float]:
    executions = await _seed(url, runs, "bench" if mode == "claim+key" else None)
    engine = create_engine(url, pool_size=10)
    sessions = create_sessionmaker(engine)
    clock = SystemClock()
    writer = RecordWriter(sessions, clock)
    writer.start()
    runner = Instant()
    background: set[asyncio.Task[Any]] = set()

    def spawn(coro: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        background.add(task)
        task.add_done_callback(background.discard)

    gate = RunGate(sessions, clock) if mode != "baseline" else None
    dispatcher = InProcessExecutor(sessions, runner, writer, clock, spawn=spawn, gate=gate)
    t0 = time.perf_counter()
    dispatcher.submit([execution_id for execution_id, _task_id, _at in executions])
    while len(runner.starts) < runs:
        await asyncio.gather(*dispatcher.inflight.values())
        await asyncio.sleep(0.005)
    wall = time.perf_counter() - t0
    await writer.close()
    await engine.dispose()
    return wall, statistics.median(runner.starts) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    from app.logging import configure

    configure("WARNING", "json")
    results: dict[str, list[tuple[float, float]]] = {"baseline": [], "claim": [], "claim+key": []}
    for _ in range(args.rounds):
        for mode in results:
            with scratch_postgres() as url:
                results[mode].append(asyncio.run(_round(url, args.runs, mode)))
    base = statistics.median(w for w, _ in results["baseline"])
    for mode, values in results.items():
        wall = statistics.median(w for w, _ in values)
        delay = statistics.median(d for _, d in values)
        print(
            f"{mode:10s} {args.runs} runs: wall median {wall:.2f} s ({wall / base:.2f}x baseline), "
            f"median start delay {delay:.0f} ms"
        )


if __name__ == "__main__":
    main()
