"""Benchmark: the agent runner's own cost over bare litellm calls.

A stub OpenAI server in a separate process answers every call after a fixed delay
(1 s by default): a ``current_time`` tool call while the conversation has fewer than
two tool results, then a final text. So each run is three LLM calls and two tool
steps. Two phases in this process, each with N runs started together:

- baseline: the same three sequential ``litellm.acompletion`` calls per run, no runner;
- runner:   N ``AgentRunner.run`` calls through ``LiteLLMClient``.

Printed: throughput of both and their ratio (target >= 80 %), peak RSS (target
< 1 GiB), and the runner's own CPU per step: the runner phase's process CPU time
minus (baseline CPU per LLM call x LLM calls), divided by steps (target < 1 ms).

    python bench/bench_runner.py [--runs N] [--delay SECONDS]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import resource
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psutil
import structlog

from app.clock import SystemClock
from app.config import Settings
from app.llm.litellm_client import LiteLLMClient
from app.runner.agent import AgentConfig, AgentRunner
from app.runner.base import RunRequest
from tests.support.openai_stub import Reply, serve_in_process

MODEL = "openai/gpt-4o-mini"
DELAY = float(os.environ.get("BENCH_STUB_DELAY", "1.0"))
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "current_time",
            "description": "now",
            "parameters": {"type": "object", "properties": {"timezone": {"type": "string"}}},
        },
    }
]


def responder(body: dict[str, Any]) -> Reply:
    """Two tool calls, then an answer; every reply after the fixed delay (set in the child's env)."""
    tool_results = sum(1 for m in body.get("messages", []) if m.get("role") == "tool")
    if tool_results < 2:
        return Reply(tool_calls=(("current_time", {"timezone": "Europe/Berlin"}),), delay=DELAY)
    return Reply(content="It is morning in Berlin.", delay=DELAY)


def request(i: int) -> RunRequest:
    now = datetime.now(UTC)
    return RunRequest(
        execution_id=i,
        task_id=i,
        task_name=f"bench {i}",
        instructions="Tell me the time in Berlin, twice.",
        timezone="Europe/Berlin",
        model=None,
        tools=("current_time",),
        max_steps=8,
        timeout_seconds=600,
        max_retries=0,
        trigger="manual",
        scheduled_for=now,
        window_start=None,
        window_end=now,
    )


async def bare_run(api_base: str) -> float:
    """Three sequential litellm calls shaped like a run's, without the runner."""
    import litellm

    started = time.perf_counter()
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": "You are an agent. Tell me the time in Berlin, twice."},
        {"role": "user", "content": "Carry out the task now."},
    ]
    for _ in range(3):
        response = await litellm.acompletion(
            model=MODEL,
            messages=messages,
            tools=TOOLS,
            api_base=api_base,
            api_key="sk-bench",
            num_retries=0,
            max_retries=0,
            timeout=600,
            _skip_mcp_handler=True,
        )
        message = response.choices[0].message
        calls = message.tool_calls or []
        messages.append(
            {
                "role": "assistant",
                "content": message.content,
                "tool_calls": [
                    {"id": c.id, "type": "function", "function": {"name": "current_time", "arguments": "{}"}}
                    for c in calls
                ],
            }
            if calls
            else {"role": "assistant", "content": message.content}
        )
        for c in calls:
            messages.append({"role": "tool", "tool_call_id": c.id, "content": '{"local_time": "now"}'})
    return time.perf_counter() - started


async def runner_run(runner: AgentRunner, i: int) -> float:
    started = time.perf_counter()
    outcome = await runner.run(request(i))
    if outcome.status != "succeeded" or len(outcome.steps) != 5:
        raise RuntimeError(f"run {i} ended {outcome.status}: {outcome.reason} {outcome.error}")
    return time.perf_counter() - started


async def phase(name: str, n: int, make: Any) -> dict[str, float]:
    proc = psutil.Process()
    cpu0 = proc.cpu_times()
    wall0 = time.perf_counter()
    latencies = await asyncio.gather(*(make(i) for i in range(n)))
    wall = time.perf_counter() - wall0
    cpu1 = proc.cpu_times()
    cpu = (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system)
    result = {
        "wall": wall,
        "cpu": cpu,
        "throughput": n / wall,
        "median": statistics.median(latencies),
        "p95": sorted(latencies)[int(0.95 * (n - 1))],
    }
    print(
        f"{name:9s} {n} runs in {wall:6.2f} s  {result['throughput']:7.1f} runs/s  "
        f"run latency median {result['median']:.2f} s p95 {result['p95']:.2f} s  CPU {cpu:.2f} s"
    )
    return result


async def main(runs: int) -> None:
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    logging.basicConfig(level=logging.WARNING)
    with serve_in_process(responder) as stub:
        settings = Settings(llm_model=MODEL, llm_api_base=stub.api_base, llm_api_key="sk-bench")
        client = LiteLLMClient(settings)
        runner = AgentRunner(client, clock=SystemClock(), config=AgentConfig.from_settings(settings))
        print(f"stub: pid {stub.pid}, {DELAY:g} s per LLM call; {runs} runs of 3 LLM calls + 2 tool steps")
        # Warm-up: imports, litellm's client cache, the cost map.
        await asyncio.gather(*(bare_run(stub.api_base) for _ in range(5)))
        await asyncio.gather(*(runner_run(runner, i) for i in range(5)))

        base = await phase("baseline", runs, lambda i: bare_run(stub.api_base))
        ours = await phase("runner", runs, lambda i: runner_run(runner, i))
        await client.aclose()

    llm_calls, steps = 3 * runs, 5 * runs
    cpu_per_call = base["cpu"] / llm_calls
    own_cpu_ms = (ours["cpu"] - cpu_per_call * llm_calls) / steps * 1000
    ratio = ours["throughput"] / base["throughput"]
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"throughput ratio runner/baseline: {ratio:.1%}  (target >= 80 %)")
    print(f"peak RSS: {peak_mib:.0f} MiB  (target < 1024 MiB)")
    print(f"litellm CPU per LLM call (baseline): {cpu_per_call * 1000:.2f} ms")
    print(f"runner's own CPU per step: {own_cpu_ms:.3f} ms  (target < 1 ms)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--delay", type=float, default=DELAY, help="seconds per LLM call at the stub")
    args = parser.parse_args()
    # The stub process reads the delay from its environment (spawned children re-import this module).
    os.environ["BENCH_STUB_DELAY"] = str(args.delay)
    DELAY = args.delay
    asyncio.run(main(args.runs))
