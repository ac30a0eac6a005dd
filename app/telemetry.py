"""OpenTelemetry traces of runs (optional; off unless ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set).

One trace per run: a ``run <task>`` span, and under it one span per LLM call
(``chat <model>``) and per tool call (``execute_tool <tool>``), named and
attributed after the GenAI semantic conventions (``gen_ai.request.model``,
``gen_ai.usage.input_tokens``/``output_tokens``, ``gen_ai.tool.name``), plus ours
(``taskrunner.cost_usd``, ``taskrunner.attempt``, task and execution ids).
Steps are reported after they happen, so their spans carry the step's own start
time and latency. litellm's own tracing stays off (``app.llm``), so no call is
traced twice.

It wraps any :class:`~app.runner.base.Runner` (:class:`TracedRunner`), so the
runner itself knows nothing about tracing. The OpenTelemetry packages (the
``otel`` extra) are imported only when tracing is on.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import structlog

from app import __version__
from app.config import Settings
from app.runner.base import Runner, RunOutcome, RunRequest, StepRecord, StepSink

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.trace import Span, Tracer

log = structlog.get_logger("taskrunner.telemetry")

_providers: dict[tuple[str, str], TracerProvider] = {}


def provider_for(settings: Settings) -> TracerProvider | None:
    """The process's tracer provider exporting to the configured endpoint (None when tracing is off)."""
    endpoint = settings.otel_exporter_otlp_endpoint
    if not endpoint:
        return None
    key = (endpoint, settings.otel_service_name)
    if key in _providers:
        return _providers[key]
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError:
        log.warning(
            "telemetry.unavailable",
            hint="OTEL_EXPORTER_OTLP_ENDPOINT is set but the OpenTelemetry packages are missing: "
            "pip install 'taskrunner[otel]'",
        )
        return None
    resource = Resource.create({"service.name": settings.otel_service_name, "service.version": __version__})
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=_traces_url(endpoint))))
    _providers[key] = provider
    log.info("telemetry.enabled", endpoint=endpoint)
    return provider


def traced(runner: Runner, settings: Settings) -> Runner:
    """``runner`` with a trace per run when tracing is configured, else ``runner`` itself."""
    provider = provider_for(settings)
    if provider is None:
        return runner
    return TracedRunner(runner, provider.get_tracer("taskrunner", __version__), default_model=settings.llm_model)


class TracedRunner:
    """A :class:`Runner` that reports each run and its steps as OpenTelemetry spans."""

    def __init__(self, runner: Runner, tracer: Tracer, *, default_model: str) -> None:
        self._runner = runner
        self._tracer = tracer
        self._default_model = default_model

    async def run(self, request: RunRequest, *, on_step: StepSink | None = None) -> RunOutcome:
        from opentelemetry import trace

        model = request.model or self._default_model
        attributes: dict[str, Any] = {
            "taskrunner.task_id": request.task_id,
            "taskrunner.task_name": request.task_name,
            "taskrunner.execution_id": request.execution_id,
            "taskrunner.trigger": request.trigger,
            "taskrunner.scheduled_for": request.scheduled_for.isoformat(),
            "gen_ai.request.model": model,
        }
        with self._tracer.start_as_current_span(
            f"run {request.task_name}", attributes=attributes, record_exception=True
        ) as span:
            context = trace.set_span_in_context(span)

            async def sink(step: StepRecord) -> None:
                self._step_span(step, model, context)
                if on_step is not None:
                    await on_step(step)

            outcome = await self._runner.run(request, on_step=sink)
            span.set_attributes(
                {
                    "taskrunner.status": outcome.status,
                    "gen_ai.usage.input_tokens": outcome.prompt_tokens,
                    "gen_ai.usage.output_tokens": outcome.completion_tokens,
                }
            )
            if outcome.cost_usd is not None:
                span.set_attribute("taskrunner.cost_usd", outcome.cost_usd)
            if outcome.status != "succeeded":
                _fail(span, outcome.error or outcome.reason or outcome.status, outcome.status)
            return outcome

    def _step_span(self, step: StepRecord, model: str, context: Any) -> None:
        attributes: dict[str, Any] = {"taskrunner.step_index": step.index, "taskrunner.attempt": step.attempt}
        if step.kind == "llm":
            name = f"chat {model}"
            attributes.update(
                {
                    "gen_ai.operation.name": "chat",
                    "gen_ai.provider.name": model.split("/", 1)[0] if "/" in model else "openai",
                    "gen_ai.request.model": model,
                    "gen_ai.response.model": step.name,
                }
            )
            if step.prompt_tokens is not None:
                attributes["gen_ai.usage.input_tokens"] = step.prompt_tokens
            if step.completion_tokens is not None:
                attributes["gen_ai.usage.output_tokens"] = step.completion_tokens
            if step.cost_usd is not None:
                attributes["taskrunner.cost_usd"] = step.cost_usd
        else:
            name = f"execute_tool {step.name}"
            attributes.update({"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": step.name})
        start = _ns(step.started_at)
        span = self._tracer.start_span(name, context=context, start_time=start, attributes=attributes)
        if step.error:
            _fail(span, step.error, "llm_error" if step.kind == "llm" else "tool_error")
        span.end(end_time=start + int(step.latency_ms * 1_000_000))


def _fail(span: Span, message: str, error_type: str) -> None:
    from opentelemetry.trace import Status, StatusCode

    span.set_attribute("error.type", error_type)
    span.set_status(Status(StatusCode.ERROR, message[:500]))


def _ns(at: datetime) -> int:
    return int(at.timestamp() * 1_000_000_000)


def _traces_url(endpoint: str) -> str:
    # The OTLP/HTTP convention: the base endpoint gets the signal path appended.
    base = endpoint.rstrip("/")
    return base if base.endswith("/v1/traces") else base + "/v1/traces"
