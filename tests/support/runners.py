"""Scripted runners implementing the Runner interface, for scheduler and API tests."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from app.runner.base import RunOutcome, RunRequest, StepRecord, StepSink


class ScriptedRunner:
    """Succeeds at once (or after ``gate`` opens), recording one step; remembers every request."""

    def __init__(self, *, output: str = "done", fail: bool = False) -> None:
        self.requests: list[RunRequest] = []
        self.output = output
        self.fail = fail
        self.gate: asyncio.Event | None = None
        self.started = asyncio.Event()

    async def run(self, request: RunRequest, *, on_step: StepSink | None = None) -> RunOutcome:
        self.requests.append(request)
        self.started.set()
        if self.gate is not None:
            await self.gate.wait()
        step = StepRecord(
            index=0,
            kind="llm",
            name="scripted",
            input={"instructions": request.instructions},
            output={"content": self.output},
            started_at=datetime.now(UTC),
            latency_ms=0.1,
            prompt_tokens=10,
            completion_tokens=5,
        )
        if on_step is not None:
            await on_step(step)
        if self.fail:
            return RunOutcome(status="failed", error="scripted failure", reason="the model failed", steps=[step])
        return RunOutcome(
            status="succeeded",
            output=self.output,
            model="scripted-model",
            prompt_tokens=10,
            completion_tokens=5,
            cost_usd=0.0001,
            steps=[step],
        )
