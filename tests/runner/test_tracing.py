"""OpenTelemetry: one trace per run, a span per LLM call and tool call with GenAI attributes (in-memory exporter)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import StatusCode

from app.config import Settings
from app.runner.base import StepRecord
from app.telemetry import TracedRunner, provider_for, traced
from tests.runner.conftest import MODEL, MakeRunner, make_request
from tests.support.openai_stub import OpenAIStub


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    memory = InMemorySpanExporter()
    yield memory
    memory.clear()


@pytest.fixture
def tracer(exporter: InMemorySpanExporter) -> Iterator[object]:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield provider.get_tracer("test")
    provider.shutdown()


async def test_a_run_is_one_trace_with_llm_and_tool_spans(
    openai_stub: OpenAIStub, make_runner: MakeRunner, tracer: object, exporter: InMemorySpanExporter
) -> None:
    openai_stub.push_tool_calls([("current_time", {"timezone": "UTC"})], prompt_tokens=11, completion_tokens=4)
    openai_stub.push_text("It is morning.", prompt_tokens=21, completion_tokens=6)
    seen: list[StepRecord] = []

    async def sink(step: StepRecord) -> None:
        seen.append(step)

    runner = TracedRunner(make_runner(), tracer, default_model=MODEL)  # type: ignore[arg-type]
    outcome = await runner.run(make_request(), on_step=sink)

    assert outcome.status == "succeeded"
    assert len(seen) == 3, "the wrapped runner's own step sink still gets every step"
    spans = exporter.get_finished_spans()
    assert [s.name for s in spans] == [
        f"chat {MODEL}",
        "execute_tool current_time",
        f"chat {MODEL}",
        "run status digest",
    ]
    run = spans[-1]
    assert {s.context.trace_id for s in spans} == {run.context.trace_id}
    assert all(s.parent is not None and s.parent.span_id == run.context.span_id for s in spans[:-1])
    first = spans[0].attributes or {}
    assert first["gen_ai.operation.name"] == "chat"
    assert first["gen_ai.request.model"] == MODEL
    assert first["gen_ai.usage.input_tokens"] == 11
    assert first["gen_ai.usage.output_tokens"] == 4
    assert "taskrunner.cost_usd" in first
    tool = spans[1].attributes or {}
    assert tool["gen_ai.tool.name"] == "current_time"
    totals = run.attributes or {}
    assert totals["gen_ai.usage.input_tokens"] == 32
    assert totals["taskrunner.execution_id"] == 7
    assert totals["taskrunner.status"] == "succeeded"
    assert spans[0].end_time is not None and spans[0].start_time is not None
    assert spans[0].end_time >= spans[0].start_time


async def test_a_failed_call_marks_its_span_and_the_run(
    openai_stub: OpenAIStub, make_runner: MakeRunner, tracer: object, exporter: InMemorySpanExporter
) -> None:
    openai_stub.push_error(401, "bad key", error_type="invalid_request_error")
    runner = TracedRunner(make_runner(), tracer, default_model=MODEL)  # type: ignore[arg-type]
    outcome = await runner.run(make_request())
    assert outcome.status == "failed"
    llm_span, run_span = exporter.get_finished_spans()
    assert llm_span.status.status_code is StatusCode.ERROR
    assert (llm_span.attributes or {})["gen_ai.request.model"] == MODEL
    assert run_span.status.status_code is StatusCode.ERROR


def test_tracing_is_off_without_an_endpoint(make_runner: MakeRunner) -> None:
    runner = make_runner()
    assert provider_for(Settings()) is None
    assert traced(runner, Settings()) is runner
    on = Settings(otel_exporter_otlp_endpoint="http://127.0.0.1:4318")
    assert isinstance(traced(runner, on), TracedRunner)
    provider = provider_for(on)
    assert provider is not None
    provider.shutdown()
