"""The agent runner: one bounded LLM tool loop per run, every step recorded as it happens.

A run asks the model (with the task's allowed tools), executes the tools it calls,
in parallel when it asks for several, feeds the results back, and repeats until
the model answers without tool calls: that answer is the output. It is bounded
by :mod:`app.runner.budget` (steps, tokens, run time, call time) and retries
transient LLM failures by :mod:`app.runner.retry`. Records and logs go through
:mod:`app.redact`; the model itself sees the real conversation.
"""

from __future__ import annotations

import asyncio
import json
import random as _random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import structlog

from app.clip import clip_bytes, clip_json, clip_text, clip_value, storable
from app.clock import Clock
from app.config import Settings
from app.controls.budgets import price_call
from app.llm.base import LLMClient, LLMError, LLMNotConfigured, LLMResponse, LLMTransientError, ToolCall
from app.netguard import Resolver
from app.redact import Redactor, configured_secrets
from app.runner.base import PreviousRuns, RunOutcome, RunRequest, RunStatus, StepRecord, StepSink
from app.runner.budget import Budget, Limits
from app.runner.prompt import initial_messages
from app.runner.retry import RetryPolicy
from app.runner.tools import REGISTRY, HttpToolConfig, Tool, ToolContext, ToolError

log = structlog.get_logger("taskrunner.runner")

Sleep = Callable[[float], Awaitable[None]]
_CALL_GRACE_SECONDS = 0.5  # past the provider timeout, before we stop waiting ourselves


@dataclass(frozen=True, kw_only=True)
class AgentConfig:
    """Service-wide runner settings; per-task limits come with each :class:`RunRequest`."""

    default_model: str
    call_timeout_seconds: float = 120.0
    http: HttpToolConfig = field(default_factory=HttpToolConfig)
    retry_base_delay: float = 1.0
    retry_max_delay: float = 30.0
    max_tool_result_chars: int = 16_000  # each string in a step, and each tool result the model reads
    run_output_max_bytes: int = 256 * 1024  # the stored output of a run
    max_tool_calls_per_turn: int = 20  # calls beyond this in one model answer are not run
    max_concurrent_tool_calls: int = 4  # per run: bounds its outbound connections
    secrets: tuple[str, ...] = ()  # literal values never to record (the LLM API key, webhook secret...)

    @classmethod
    def from_settings(cls, settings: Settings, *, resolver: Resolver | None = None) -> AgentConfig:
        """The runner configuration the service's settings describe."""
        return cls(
            default_model=settings.llm_model,
            call_timeout_seconds=settings.llm_call_timeout_seconds,
            http=HttpToolConfig.from_settings(settings, resolver=resolver),
            max_tool_result_chars=settings.step_text_max_chars,
            run_output_max_bytes=settings.run_output_max_bytes,
            max_tool_calls_per_turn=settings.max_tool_calls_per_turn,
            max_concurrent_tool_calls=settings.max_concurrent_tool_calls_per_run,
            secrets=configured_secrets(settings),
        )


class AgentRunner:
    """Implements :class:`app.runner.base.Runner` with an LLM tool loop."""

    def __init__(
        self,
        llm: LLMClient,
        *,
        clock: Clock,
        config: AgentConfig,
        tools: Mapping[str, Tool] = REGISTRY,
        previous_runs: PreviousRuns | None = None,
        sleep: Sleep = asyncio.sleep,
        random: Callable[[], float] = _random.random,
    ) -> None:
        self.llm = llm
        self.clock = clock
        self.config = config
        self.tools = tools
        self.previous_runs = previous_runs
        self.sleep = sleep
        self.random = random
        self.redact = Redactor(config.secrets)

    async def run(self, request: RunRequest, *, on_step: StepSink | None = None) -> RunOutcome:
        """Carry out ``request``; failures and limits are the outcome, never exceptions."""
        return await _Run(self, request, on_step).execute()


class _Failed(Exception):
    def __init__(self, reason: str, error: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.error = error


class _Run:
    """The state of one run: conversation, budget and steps."""

    def __init__(self, runner: AgentRunner, request: RunRequest, on_step: StepSink | None) -> None:
        self.r = runner
        self.request = request
        self.on_step = on_step
        self.model = request.model or runner.config.default_model
        self.steps: list[StepRecord] = []
        self.tools = {t.name: t for t in (runner.tools[n] for n in request.tools if n in runner.tools)}
        self.budget = Budget(
            limits=Limits(
                max_steps=request.max_steps,
                max_total_tokens=request.max_total_tokens,
                run_timeout=request.timeout_seconds,
                call_timeout=runner.config.call_timeout_seconds,
                max_cost_usd=request.max_cost_usd,
            ),
            started=time.monotonic(),
        )
        self.policy = RetryPolicy(
            max_retries=request.max_retries,
            base_delay=runner.config.retry_base_delay,
            max_delay=runner.config.retry_max_delay,
        )
        self.ctx = ToolContext(
            task_id=request.task_id,
            timezone=request.timezone,
            clock=runner.clock,
            http=runner.config.http,
            previous_runs=runner.previous_runs,
            recent_outputs=request.recent_outputs,
        )
        self.last_content: str | None = None
        self._emit_lock = asyncio.Lock()
        self._tool_slots = asyncio.Semaphore(runner.config.max_concurrent_tool_calls)
        self.log = log.bind(task_id=request.task_id, execution_id=request.execution_id)

    async def execute(self) -> RunOutcome:
        self.log.debug("run.started", model=self.model, tools=sorted(self.tools))
        try:
            async with asyncio.timeout(self.request.timeout_seconds) as deadline:
                outcome = await self._loop()
        except TimeoutError:
            if not deadline.expired():
                raise
            reason = f"run timed out after {self.request.timeout_seconds:g}s"
            outcome = self._outcome("timed_out", reason=reason, error=reason)
        except _Failed as failed:
            outcome = self._outcome("failed", reason=failed.reason, error=failed.error)
        self.log.info(
            "run.finished",
            status=outcome.status,
            reason=outcome.reason,
            steps=len(self.steps),
            tokens=outcome.prompt_tokens + outcome.completion_tokens,
        )
        return outcome

    def _outcome(
        self,
        status: RunStatus,
        *,
        output: str | None = None,
        reason: str | None = None,
        error: str | None = None,
    ) -> RunOutcome:
        b = self.budget
        text = output if output is not None else self.last_content
        if text is not None:
            text = clip_bytes(text, self.r.config.run_output_max_bytes, redactor=self.r.redact)
        return RunOutcome(
            status=status,
            output=text,
            error=clip_text(error, self.r.config.max_tool_result_chars, redactor=self.r.redact) if error else error,
            reason=reason,
            model=self.model,
            prompt_tokens=b.prompt_tokens,
            completion_tokens=b.completion_tokens,
            cost_usd=b.cost_usd if b.steps else None,
            steps=list(self.steps),
        )

    async def _loop(self) -> RunOutcome:
        specs = [tool.spec() for tool in self.tools.values()]
        messages = initial_messages(self.request, self.r.clock.now(), list(self.tools))
        shown = self._for_record(messages)  # messages not yet shown in a recorded step's input, as stored
        while True:
            stop = self.budget.check(time.monotonic())
            if stop is not None:
                return self._outcome(stop.status, reason=stop.reason, error=stop.reason)
            response = await self._ask(messages, shown, specs)
            messages.append(response.raw_message)
            if response.content:
                self.last_content = response.content
            if not response.tool_calls:
                return self._outcome("succeeded", output=response.content or "")
            cap = self.r.config.max_tool_calls_per_turn
            run, refused = response.tool_calls[:cap], response.tool_calls[cap:]
            results = await asyncio.gather(*(self._call_tool(call) for call in run))
            if refused:
                results.extend(await self._refuse(refused, cap))
            messages.extend(
                {"role": "tool", "tool_call_id": call.id, "content": content}
                for call, content in zip(response.tool_calls, results, strict=True)
            )
            # The contents are already redacted and cut once (_call_tool): cutting them again
            # would replace their marker with one counting the cut text, not the tool's result.
            shown = [
                {"role": "tool", "tool_call_id": self._for_record(call.id), "content": content}
                for call, content in zip(response.tool_calls, results, strict=True)
            ]

    # -- LLM calls ----------------------------------------------------------------
    async def _ask(
        self, messages: list[dict[str, Any]], shown: list[dict[str, Any]], specs: list[dict[str, Any]]
    ) -> LLMResponse:
        """One model turn, retried per the policy; raises :class:`_Failed` when it gives up.

        ``shown`` is the stored form of the messages added since the last recorded turn.
        """
        step_input = {
            "new_messages": shown,
            "message_count": len(messages),
            "tools": [s["function"]["name"] for s in specs],
        }
        attempt = 0
        while True:
            attempt += 1
            timeout = self.budget.call_timeout()
            started_at = self.r.clock.now()
            t0 = time.perf_counter()
            try:
                response = await asyncio.wait_for(
                    self.r.llm.complete(messages, model=self.model, tools=specs or None, timeout=timeout),
                    timeout + _CALL_GRACE_SECONDS,
                )
            except TimeoutError:
                error: LLMError = LLMTransientError(f"LLM call timed out after {timeout:g}s", status_code=408)
            except LLMError as exc:
                error = exc
            else:
                # Controls: a configured per-model price wins over litellm's (or its unknown) cost.
                cost = price_call(
                    response.model or self.model,
                    response.prompt_tokens,
                    response.completion_tokens,
                    response.cost_usd,
                    self.request.prices,
                )
                self.budget.charge(
                    prompt_tokens=response.prompt_tokens,
                    completion_tokens=response.completion_tokens,
                    cost_usd=cost,
                )
                await self._record(
                    kind="llm",
                    name=storable((response.model or self.model)[:200]),
                    input=step_input,
                    output=self._for_record(_llm_output(response, self.r.config.max_tool_calls_per_turn)),
                    started_at=started_at,
                    latency_ms=response.latency_ms or (time.perf_counter() - t0) * 1000,
                    prompt_tokens=response.prompt_tokens,
                    completion_tokens=response.completion_tokens,
                    cost_usd=cost,
                    attempt=attempt,
                )
                return response
            message = self.r.redact.text(error.message)
            await self._record(
                kind="llm",
                name=self.model,
                input=step_input,
                output=None,
                error=message,
                started_at=started_at,
                latency_ms=(time.perf_counter() - t0) * 1000,
                attempt=attempt,
            )
            status = f" ({error.status_code})" if error.status_code else ""
            if isinstance(error, LLMNotConfigured):
                raise _Failed("no LLM configured", message)
            decision = self.policy.decide(
                error,
                attempt=attempt,
                rand=self.r.random(),
                remaining=self.budget.remaining(time.monotonic()),
            )
            if not decision.retry:
                if isinstance(error, LLMTransientError):
                    raise _Failed(f"LLM unavailable{status}: {decision.reason}", message)
                raise _Failed(f"the LLM provider rejected the request{status}", message)
            self.log.info("run.llm_retry", attempt=attempt, delay=round(decision.delay, 3), error=message)
            await self.r.sleep(decision.delay)

    # -- tools --------------------------------------------------------------------
    async def _call_tool(self, call: ToolCall) -> str:
        """Run one tool call and record it; returns the content of the tool message for the model.

        That content is redacted and cut once, from the whole result, so it may be stored as is.
        """
        started_at = self.r.clock.now()
        t0 = time.perf_counter()
        args: Any = call.arguments
        result: Any = None
        error: str | None = None
        try:
            args = json.loads(call.arguments or "{}")
            tool = self.tools.get(call.name)
            if tool is None:
                raise ToolError(f"no tool named {call.name!r}; available: {', '.join(self.tools) or 'none'}")
            if not isinstance(args, dict):
                raise ToolError("arguments must be a JSON object")
            async with self._tool_slots:
                result = await tool.handler(self.ctx, args)
        except ToolError as exc:
            error = str(exc)
        except json.JSONDecodeError as exc:
            error = f"arguments are not valid JSON: {exc}"
        except Exception as exc:  # a broken tool must not crash the run: the model is told, we log it
            error = f"{call.name} failed: {type(exc).__name__}: {exc}"
            self.log.warning("run.tool_crashed", tool=call.name, exc_info=True)
        answer = {"error": error} if error else result
        output = self._for_record(answer)
        await self._record(
            kind="tool",
            name=storable(call.name[:200]),
            input={"call_id": call.id, "arguments": self._for_record(args)},
            output=output,
            error=output["error"] if error else None,  # already redacted and cut by _for_record
            started_at=started_at,
            latency_ms=(time.perf_counter() - t0) * 1000,
        )
        return clip_json(answer, self.r.config.max_tool_result_chars, redactor=self.r.redact)

    async def _refuse(self, calls: list[ToolCall], cap: int) -> list[str]:
        """Answer tool calls past the per-turn cap without running them; one step records the cut."""
        reason = f"not run: at most {cap} tool calls per model turn (this answer asked for {cap + len(calls)})"
        await self._record(
            kind="tool",
            name="(tool call limit)",
            input={"call_ids": [c.id for c in calls][:cap], "not_run": len(calls)},
            output=None,
            error=f"{len(calls)} tool call(s) {reason}",
            started_at=self.r.clock.now(),
            latency_ms=0.0,
        )
        self.log.warning("run.tool_calls_refused", refused=len(calls), cap=cap)
        return [json.dumps({"error": reason})] * len(calls)

    def _for_record(self, value: Any) -> Any:
        """``value`` as steps store it: secrets removed, long strings cut visibly."""
        return clip_value(value, self.r.config.max_tool_result_chars, redactor=self.r.redact)

    async def _record(self, **fields: Any) -> None:
        # A lock keeps indexes and sink calls in one order when tools finish concurrently.
        async with self._emit_lock:
            step = StepRecord(index=len(self.steps), **fields)
            self.steps.append(step)
            if self.on_step is not None:
                await self.on_step(step)


def _llm_output(response: LLMResponse, max_calls: int) -> dict[str, Any]:
    shown = response.tool_calls[:max_calls]
    out: dict[str, Any] = {
        "content": response.content,
        "tool_calls": [{"id": c.id, "name": c.name, "arguments": _maybe_json(c.arguments)} for c in shown],
    }
    if len(response.tool_calls) > len(shown):
        out["tool_calls_not_shown"] = len(response.tool_calls) - len(shown)
    return out


def _maybe_json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text
