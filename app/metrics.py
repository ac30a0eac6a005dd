"""Prometheus metrics (prometheus_client's default registry), named ``taskrunner_*``.

Fire outcomes, trigger delay and the on-time rate, runs by status and their
duration, LLM calls/tokens/cost by model, tool calls by tool and outcome, and
whether this instance leads the scheduler.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

ON_TIME_SECONDS = 60.0

FIRES = Counter("taskrunner_fires_total", "Due fires by outcome", ["outcome"])
TRIGGER_DELAY = Histogram(
    "taskrunner_trigger_delay_seconds",
    "Run start minus scheduled time",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600),
)
RUNS_STARTED = Counter("taskrunner_runs_started_total", "Runs started", ["on_time"])
ON_TIME_RATE = Gauge("taskrunner_on_time_rate", f"Share of runs started within {ON_TIME_SECONDS:.0f} s of their time")
RUNS = Counter("taskrunner_runs_total", "Finished runs by status", ["status"])
RUN_DURATION = Histogram(
    "taskrunner_run_duration_seconds",
    "Run duration",
    buckets=(0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800),
)
LLM_CALLS = Counter("taskrunner_llm_calls_total", "LLM calls", ["model", "outcome"])
LLM_TOKENS = Counter("taskrunner_llm_tokens_total", "LLM tokens", ["model", "kind"])
LLM_COST = Counter("taskrunner_llm_cost_usd_total", "LLM cost in US dollars (when known)", ["model"])
TOOL_CALLS = Counter("taskrunner_tool_calls_total", "Tool calls", ["tool", "outcome"])
SLA_BREACHES = Counter(
    "taskrunner_sla_breaches_observed_total", "SLA breaches seen by this process", ["task_id", "kind"]
)
SCHEDULER_LEADER = Gauge("taskrunner_scheduler_leader", "1 if this instance runs the scheduler")

_started = {"on_time": 0, "late": 0}


def fire_recorded(status: str) -> None:
    outcome = {"queued": "ran", "duplicate": None}.get(status, status)
    if outcome:
        FIRES.labels(outcome=outcome).inc()


def run_started(delay_seconds: float) -> None:
    TRIGGER_DELAY.observe(max(delay_seconds, 0.0))
    key = "on_time" if delay_seconds <= ON_TIME_SECONDS else "late"
    _started[key] += 1
    RUNS_STARTED.labels(on_time="true" if key == "on_time" else "false").inc()
    ON_TIME_RATE.set(_started["on_time"] / (_started["on_time"] + _started["late"]))


def run_finished(status: str, duration_seconds: float) -> None:
    RUNS.labels(status=status).inc()
    RUN_DURATION.observe(max(duration_seconds, 0.0))


def step_recorded(
    kind: str,
    name: str,
    error: str | None,
    prompt_tokens: int | None,
    completion_tokens: int | None,
    cost_usd: float | None,
) -> None:
    outcome = "error" if error else "ok"
    if kind == "llm":
        LLM_CALLS.labels(model=name, outcome=outcome).inc()
        if prompt_tokens:
            LLM_TOKENS.labels(model=name, kind="prompt").inc(prompt_tokens)
        if completion_tokens:
            LLM_TOKENS.labels(model=name, kind="completion").inc(completion_tokens)
        if cost_usd:
            LLM_COST.labels(model=name).inc(cost_usd)
    else:
        TOOL_CALLS.labels(tool=name, outcome=outcome).inc()


def sla_breached(task_id: int, kind: str) -> None:
    SLA_BREACHES.labels(task_id=str(task_id), kind=kind).inc()
