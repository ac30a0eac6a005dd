"""The ``function`` task kind: a Python callable an installed package registers, called once per run.

A package registers functions under the entry-point group ``taskrunner.functions``::

    [project.entry-points."taskrunner.functions"]
    nightly-report = "acme.reports:nightly"

The callable takes one :class:`FunctionCall` (the run's task, time window and inputs)
and returns the run's output: a string, or any JSON value (stored as JSON text).
Plain functions run in a worker thread, ``async def`` ones on the worker's loop. An
exception fails the run with its type and message; the task's ``timeout_seconds``
bounds the call (a thread cannot be stopped: a sync function that overruns is
recorded ``timed_out`` and left to finish on its own, its result dropped).
"""

from __future__ import annotations

import asyncio
import inspect
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import EntryPoint, entry_points
from types import MappingProxyType
from typing import Any

from app.clip import clip_bytes, clip_value
from app.clock import Clock
from app.redact import Redactor
from app.runner.base import RunOutcome, RunRequest, RunStatus, StepRecord, StepSink

GROUP = "taskrunner.functions"


@dataclass(frozen=True, kw_only=True)
class FunctionCall:
    """What a registered function is called with: the run it carries out, as plain values.

    The run covers ``(window_start, window_end]`` (``window_start`` is None on a task's
    first run); ``inputs`` is what the run was started with (an event's body, say), read-only.
    """

    task_id: int
    task_name: str
    execution_id: int
    trigger: str
    scheduled_for: datetime
    window_start: datetime | None
    window_end: datetime
    timezone: str
    inputs: Mapping[str, Any]


@dataclass(frozen=True, kw_only=True)
class RegisteredFunction:
    """A function some installed package registers: its name, target and the first line of its docstring."""

    name: str
    target: str  # "package.module:callable"
    summary: str | None
    problem: str | None = None  # why it cannot be loaded, when it cannot


class UnknownFunction(LookupError):
    """No installed package registers a function by this name."""


def _entry_points() -> dict[str, EntryPoint]:
    found: dict[str, EntryPoint] = {}
    for ep in entry_points(group=GROUP):
        found.setdefault(ep.name, ep)  # the first distribution on the path wins, as imports do
    return found


def registered_names() -> list[str]:
    """Names of every registered function, sorted (read from the installed packages' metadata each time)."""
    return sorted(_entry_points())


def describe_registered() -> list[RegisteredFunction]:
    """Every registered function, loaded to read its docstring; one that fails to load says why."""
    out: list[RegisteredFunction] = []
    for name, ep in sorted(_entry_points().items()):
        try:
            target = ep.load()
        except Exception as exc:  # a broken package must not hide the others
            out.append(
                RegisteredFunction(name=name, target=ep.value, summary=None, problem=f"{type(exc).__name__}: {exc}")
            )
            continue
        problem = None if callable(target) else f"{ep.value} is not callable"
        out.append(RegisteredFunction(name=name, target=ep.value, summary=_first_line(target), problem=problem))
    return out


def load(name: str) -> Callable[[FunctionCall], Any]:
    """The callable registered as ``name``; :class:`UnknownFunction` if none is, import errors as they are."""
    ep = _entry_points().get(name)
    if ep is None:
        raise UnknownFunction(name)
    target = ep.load()
    if not callable(target):
        raise TypeError(f"{ep.value} is not callable")
    return target  # type: ignore[no-any-return]


def _first_line(target: object) -> str | None:
    doc = inspect.getdoc(target)
    return doc.strip().splitlines()[0] if doc and doc.strip() else None


class _NotJson(Exception):
    pass


def as_output(result: Any) -> str | None:
    """A function's result as the run's output: text as it is, None as nothing, anything else as JSON."""
    if result is None or isinstance(result, str):
        return result
    try:
        return json.dumps(result, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise _NotJson(f"the function returned {type(result).__name__}, which is neither text nor JSON") from exc


class FunctionRunner:
    """Implements :class:`app.runner.base.Runner` for ``kind: function``."""

    def __init__(
        self,
        *,
        clock: Clock,
        output_max_bytes: int = 256 * 1024,
        step_text_max_chars: int = 16_000,
        secrets: tuple[str, ...] = (),
        loader: Callable[[str], Callable[[FunctionCall], Any]] = load,
    ) -> None:
        self.clock = clock
        self.output_max_bytes = output_max_bytes
        self.step_text_max_chars = step_text_max_chars
        self.redact = Redactor(secrets)
        self.loader = loader

    async def run(self, request: RunRequest, *, on_step: StepSink | None = None) -> RunOutcome:
        """Call the task's function once; its failures are the outcome, never exceptions."""
        name = request.function or ""
        call = FunctionCall(
            task_id=request.task_id,
            task_name=request.task_name,
            execution_id=request.execution_id,
            trigger=request.trigger,
            scheduled_for=request.scheduled_for,
            window_start=request.window_start,
            window_end=request.window_end,
            timezone=request.timezone,
            inputs=MappingProxyType(dict(request.inputs or {})),
        )
        started = self.clock.now()
        t0 = time.perf_counter()
        status, output, error, reason = await self._call(name, call, request.timeout_seconds)
        step = StepRecord(
            index=0,
            kind="function",
            name=name[:200],
            input=clip_value(
                {
                    "scheduled_for": call.scheduled_for.isoformat(),
                    "window_start": call.window_start.isoformat() if call.window_start else None,
                    "window_end": call.window_end.isoformat(),
                    "inputs": dict(call.inputs),
                },
                self.step_text_max_chars,
                redactor=self.redact,
            ),
            output={"chars": len(output)} if output is not None else None,
            error=error,
            started_at=started,
            latency_ms=(time.perf_counter() - t0) * 1000,
        )
        if on_step is not None:
            await on_step(step)
        stored = clip_bytes(output, self.output_max_bytes, redactor=self.redact) if output is not None else None
        return RunOutcome(status=status, output=stored, error=error, reason=reason, steps=[step])

    async def _call(
        self, name: str, call: FunctionCall, seconds: float
    ) -> tuple[RunStatus, str | None, str | None, str | None]:
        """(status, output, error, reason) of one call."""
        deadline = asyncio.timeout(seconds)
        try:
            async with deadline:
                # Importing the package may be slow (or block): off the loop, like a sync call.
                target = await asyncio.to_thread(self.loader, name)
                if inspect.iscoroutinefunction(target):
                    result = await target(call)
                else:
                    result = await asyncio.to_thread(target, call)
                    if inspect.isawaitable(result):
                        result = await result
            return "succeeded", as_output(result), None, None
        except asyncio.CancelledError:
            raise
        except UnknownFunction:
            error = f"no installed package registers a function named {name!r} (entry-point group {GROUP})"
            return "failed", None, error, "unknown function"
        except _NotJson as exc:
            return "failed", None, str(exc), "the function's result cannot be stored"
        except TimeoutError as exc:
            if deadline.expired():
                reason = f"the function took longer than the task's timeout ({seconds:g}s)"
                return "timed_out", None, reason, reason
            return "failed", None, self._error(exc), f"the function raised {type(exc).__name__}"
        except Exception as exc:  # the function's own failure is the run's outcome
            return "failed", None, self._error(exc), f"the function raised {type(exc).__name__}"

    def _error(self, exc: BaseException) -> str:
        text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return str(self.redact.text(text))[: self.step_text_max_chars]
