"""What one run may take: output, step, tool-call and connection limits, each cut visible in the record."""

from __future__ import annotations

import asyncio
import gzip
import json
import tracemalloc
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from prometheus_client import REGISTRY as PROM

from app import metrics
from app.runner.tools import REGISTRY, Tool, ToolContext
from tests.runner.conftest import MakeRunner, make_request
from tests.support.live_server import serve_handler
from tests.support.openai_stub import OpenAIStub


def tool_messages(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in body["messages"] if m["role"] == "tool"]


async def test_a_huge_answer_is_stored_cut_with_a_marker(openai_stub: OpenAIStub, make_runner: MakeRunner) -> None:
    openai_stub.push_text("é" * (3 * 1024 * 1024))  # 6 MiB of UTF-8

    outcome = await make_runner().run(make_request(tools=()))

    assert outcome.status == "succeeded"
    assert outcome.output is not None
    body, marker = outcome.output.split("…[", 1)
    assert len(body.encode()) <= 256 * 1024
    assert marker == "output truncated at 256 KiB of 6.0 MiB]"
    (step,) = outcome.steps
    content = step.output["content"]
    assert len(content) < 17_000 and content.endswith("[truncated at 16000 of 3145728 characters]")


async def test_output_limit_is_configurable(openai_stub: OpenAIStub, make_runner: MakeRunner) -> None:
    openai_stub.push_text("x" * 5000)
    outcome = await make_runner(config={"run_output_max_bytes": 2048}).run(make_request(tools=()))
    assert outcome.output == "x" * 2048 + "…[output truncated at 2 KiB of 4.9 KiB]"


async def test_tool_calls_past_the_per_turn_cap_are_not_run_and_the_cut_is_recorded(
    openai_stub: OpenAIStub, make_runner: MakeRunner
) -> None:
    openai_stub.push_tool_calls([("current_time", {"timezone": "UTC"})] * 30)
    openai_stub.push_text("done")

    outcome = await make_runner(config={"max_tool_calls_per_turn": 5}).run(make_request())

    assert outcome.status == "succeeded"
    kinds = [(s.kind, s.name) for s in outcome.steps]
    assert kinds.count(("tool", "current_time")) == 5
    (cut,) = [s for s in outcome.steps if s.name == "(tool call limit)"]
    assert cut.error == "25 tool call(s) not run: at most 5 tool calls per model turn (this answer asked for 30)"
    answers = tool_messages(openai_stub.requests[1])
    assert len(answers) == 30  # every call is answered, as the protocol requires
    assert sum("not run" in a["content"] for a in answers) == 25
    shown = outcome.steps[0].output
    assert len(shown["tool_calls"]) == 5 and shown["tool_calls_not_shown"] == 25


async def test_one_run_keeps_a_bounded_number_of_tool_calls_in_flight(
    openai_stub: OpenAIStub, make_runner: MakeRunner
) -> None:
    running = 0
    peak = 0

    async def slow(ctx: ToolContext, args: dict[str, Any]) -> str:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.02)
        running -= 1
        return "ok"

    tool = Tool(name="slow", description="waits", parameters={"type": "object"}, handler=slow)
    openai_stub.push_tool_calls([("slow", {})] * 12)
    openai_stub.push_text("done")

    runner = make_runner(tools={**REGISTRY, "slow": tool}, config={"max_concurrent_tool_calls": 3})
    outcome = await runner.run(make_request(tools=("slow",)))

    assert outcome.status == "succeeded"
    assert sum(s.name == "slow" for s in outcome.steps) == 12
    assert peak == 3


async def test_tool_arguments_are_stored_cut(openai_stub: OpenAIStub, make_runner: MakeRunner) -> None:
    openai_stub.push_tool_calls([("current_time", {"timezone": "Z" * 50_000})])
    openai_stub.push_text("done")

    outcome = await make_runner().run(make_request())

    tool_step = outcome.steps[1]
    stored = tool_step.input["arguments"]["timezone"]
    assert len(stored) < 16_100 and stored.endswith("[truncated at 16000 of 50000 characters]")
    assert len(json.dumps(outcome.steps[0].output)) < 20_000  # the LLM step's copy of the call too


@pytest.mark.parametrize(
    "result",
    [
        {"status": 200, "body": "x" * 50_000 + "the end"},  # one long string
        {"items": [f"item {i:05d}" for i in range(4000)]},  # many short ones
    ],
    ids=["long-string", "many-strings"],
)
async def test_a_long_tool_result_is_cut_once_and_the_marker_counts_the_whole(
    openai_stub: OpenAIStub, make_runner: MakeRunner, result: dict[str, Any]
) -> None:
    async def big(ctx: ToolContext, args: dict[str, Any]) -> dict[str, Any]:
        return result

    tool = Tool(name="big", description="answers a lot", parameters={"type": "object"}, handler=big)
    openai_stub.push_tool_calls([("big", {})])
    openai_stub.push_text("done")

    outcome = await make_runner(tools={**REGISTRY, "big": tool}).run(make_request(tools=("big",)))

    whole = len(json.dumps(result, ensure_ascii=False))
    (told,) = tool_messages(openai_stub.requests[1])
    (stored,) = outcome.steps[2].input["new_messages"]
    assert stored["content"] == told["content"]  # the record shows what the model read
    assert stored["content"].count("…[truncated at") == 1
    assert stored["content"].endswith(f"…[truncated at 16000 of {whole} characters]")
    assert stored["content"].startswith(json.dumps(result, ensure_ascii=False)[:16000])


def test_metric_labels_never_take_invented_tool_or_model_names() -> None:
    before = PROM.get_sample_value("taskrunner_tool_calls_total", {"tool": "other", "outcome": "error"}) or 0.0
    for i in range(5):
        metrics.step_recorded("tool", f"invented_tool_{i}", "no tool named that", None, None, None)
    after = PROM.get_sample_value("taskrunner_tool_calls_total", {"tool": "other", "outcome": "error"})
    assert after == before + 5
    assert PROM.get_sample_value("taskrunner_tool_calls_total", {"tool": "invented_tool_0", "outcome": "error"}) is None
    metrics.step_recorded("tool", "current_time", None, None, None, None)
    assert PROM.get_sample_value("taskrunner_tool_calls_total", {"tool": "current_time", "outcome": "ok"})

    for i in range(metrics.MAX_MODEL_LABELS + 20):
        metrics.step_recorded("llm", f"model-{i}", None, 1, 1, None)
    models = {s.labels["model"] for m in PROM.collect() for s in m.samples if m.name == "taskrunner_llm_calls"}
    assert len(models) <= metrics.MAX_MODEL_LABELS + 1
    assert "other" in models


# -- the http_request tool against hostile answers ----------------------------------

BOMB = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)  # 64 MiB inflated, ~64 KiB sent


class _Hostile(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        if self.path == "/bomb":
            body, coding = BOMB, "gzip"
        elif self.path == "/double":
            body, coding = gzip.compress(BOMB), "gzip, gzip"
        elif self.path == "/empty-blocks":
            z = zlib.compressobj(wbits=16 + zlib.MAX_WBITS)
            body = z.compress(b"") + b"\x00\x00\x00\xff\xff" * 400_000  # empty stored blocks
            coding = "gzip"
        elif self.path == "/deflate":
            body, coding = zlib.compress(b"hello deflate " * 10), "deflate"
        else:
            body, coding = gzip.compress(b"hello gzip " * 10), "gzip"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Encoding", coding)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def hostile() -> Iterator[str]:
    with serve_handler(_Hostile) as port:
        yield f"http://127.0.0.1:{port}"


async def _fetch(openai_stub: OpenAIStub, make_runner: MakeRunner, url: str) -> Any:
    openai_stub.push_tool_calls([("http_request", {"url": url})])
    openai_stub.push_text("done")
    outcome = await make_runner(allow=("127.0.0.1",)).run(make_request())
    return outcome.steps[1].output


async def test_a_gzip_bomb_inflates_no_further_than_the_body_cap(
    openai_stub: OpenAIStub, make_runner: MakeRunner, hostile: str
) -> None:
    await _fetch(openai_stub, make_runner, hostile + "/gzip")  # litellm imported before tracing starts
    tracemalloc.start()
    try:
        result = await _fetch(openai_stub, make_runner, hostile + "/bomb")
        _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result["truncated"] is True
    assert result["bytes_read"] == 256 * 1024
    assert peak < 16 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB while reading a 64 MiB bomb"


async def test_compressed_answers_are_read_and_layered_codings_refused(
    openai_stub: OpenAIStub, make_runner: MakeRunner, hostile: str
) -> None:
    plain = await _fetch(openai_stub, make_runner, hostile + "/gzip")
    assert plain["body"] == "hello gzip " * 10 and plain["truncated"] is False
    deflated = await _fetch(openai_stub, make_runner, hostile + "/deflate")
    assert deflated["body"] == "hello deflate " * 10
    double = await _fetch(openai_stub, make_runner, hostile + "/double")
    assert double == {"error": "unsupported Content-Encoding 'gzip, gzip' (only gzip or deflate are accepted)"}


async def test_configured_secrets_never_reach_output_steps_or_tool_results(
    openai_stub: OpenAIStub, make_runner: MakeRunner, settings: Any
) -> None:
    key = settings.llm_api_key
    hook = "whsec-0123456789"

    async def leaky(ctx: ToolContext, args: dict[str, Any]) -> dict[str, str]:
        return {"env": f"LLM key {key} and webhook secret {hook}"}

    tool = Tool(name="leaky", description="leaks", parameters={"type": "object"}, handler=leaky)
    openai_stub.push_tool_calls([("leaky", {"note": f"use {hook}"})], content=f"calling with {key}")
    openai_stub.push_text(f"The key is {key}; the webhook secret is {hook}.")

    runner = make_runner(tools={**REGISTRY, "leaky": tool}, config={"secrets": (key, hook)})
    outcome = await runner.run(make_request(tools=("leaky",)))

    assert outcome.output == "The key is [REDACTED]; the webhook secret is [REDACTED]."
    stored = json.dumps([(s.input, s.output, s.error) for s in outcome.steps])
    assert key not in stored and hook not in stored
    assert stored.count("[REDACTED]") >= 4


def test_every_configured_secret_is_known_to_the_runner() -> None:
    from app.config import Settings
    from app.runner.agent import AgentConfig

    settings = Settings(
        llm_api_key="sk-llm-secret-1",
        webhook_secret="hook-secret-2",
        smtp_password="smtp-secret-3",
        api_keys="api-key-4,api-key-5",
    )
    assert set(AgentConfig.from_settings(settings).secrets) == {
        "sk-llm-secret-1",
        "hook-secret-2",
        "smtp-secret-3",
        "api-key-4",
        "api-key-5",
    }


async def test_a_compressed_stream_that_inflates_to_nothing_is_not_read_on_and_on(
    openai_stub: OpenAIStub, make_runner: MakeRunner, hostile: str
) -> None:
    result = await _fetch(openai_stub, make_runner, hostile + "/empty-blocks")  # 2 MB of empty deflate blocks
    assert (result["truncated"], result["bytes_read"], result["body"]) == (True, 0, "")
