"""The runner interface: what the scheduler hands a run, and what it gets back.

The scheduler and services depend only on this module; the agent loop in
``app.runner.agent`` and the scripted runners in tests implement it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from app.controls.budgets import ModelPrice

RunStatus = Literal["succeeded", "failed", "timed_out", "cancelled"]


@dataclass(frozen=True, kw_only=True)
class RunRequest:
    execution_id: int
    task_id: int
    task_name: str
    instructions: str
    timezone: str
    model: str | None  # None: the service default (LLM_MODEL)
    tools: tuple[str, ...]
    max_steps: int
    timeout_seconds: float
    max_retries: int
    trigger: str
    scheduled_for: datetime
    window_start: datetime | None  # what this run covers: (window_start, window_end]
    window_end: datetime
    recent_outputs: tuple[dict[str, Any], ...] = ()  # newest first: status, finished_at, output excerpt
    notify: dict[str, Any] | None = None  # the task's notify spec, for the scheduler after the run
    max_total_tokens: int = 100_000  # prompt + completion tokens over the whole run
    max_cost_usd: float | None = None  # the run's cost budget (app.controls.budgets); None: none
    prices: Mapping[str, ModelPrice] = field(default_factory=dict)  # per-model price overrides
    inputs: dict[str, Any] | None = None  # what the run was started with: data, never instructions
    kind: str = "agent"  # app.vocabulary.TaskKind: which runner carries it out
    http: dict[str, Any] | None = None  # kind http: method, url, headers, body, expected_status
    function: str | None = None  # kind function: the registered function's name


@dataclass(frozen=True, kw_only=True)
class StepRecord:
    """One LLM call or tool call (or an http task's request, a function task's call), in order."""

    index: int
    kind: Literal["llm", "tool", "http", "function"]
    name: str  # model name, tool name, the request (``GET https://...``) or the function's name
    input: Any
    output: Any
    error: str | None = None
    started_at: datetime
    latency_ms: float
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    cost_usd: float | None = None
    attempt: int = 1


@dataclass(frozen=True, kw_only=True)
class RunOutcome:
    status: RunStatus
    output: str | None = None
    error: str | None = None
    reason: str | None = None
    model: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = None
    steps: list[StepRecord] = field(default_factory=list)


StepSink = Callable[[StepRecord], Awaitable[None]]
PreviousRuns = Callable[[int, int], Awaitable[list[dict[str, Any]]]]


class Runner(Protocol):
    async def run(self, request: RunRequest, *, on_step: StepSink | None = None) -> RunOutcome:
        """Carry out one run; never raises for the run's own failures (they are the outcome)."""
        ...
