"""Prometheus metrics (prometheus_client's default registry), named ``taskrunner_*``.

Fire outcomes, trigger delay and the on-time rate, runs by status and their
duration, LLM calls/tokens/cost/retries by model (the model the run asked for,
the same label on success and error), tool calls by tool and outcome, SLA
breaches, run-condition checks by kind and outcome, queued and running runs,
HTTP latency by route template and status, and whether this instance leads the
scheduler. :func:`initialise` creates every
label series at start so dashboards and alerts see zeros, not gaps. No series is
per task: labels stay bounded by configuration (models, tools, routes).
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import Counter, Gauge, Histogram

from app.vocabulary import HookRefusal

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
TASK_SLA_BREACHES = Counter(
    "taskrunner_task_sla_breaches_total",
    "Breaches of a task's own SLA (max_delay_seconds, max_duration_seconds) seen by this process",
    ["task_id", "kind"],
)
CONDITION_CHECKS = Counter(
    "taskrunner_condition_checks_total",
    "Run conditions checked before a run, by kind and outcome (met: ran; not_met, error: skipped)",
    ["kind", "outcome"],
)
SCHEDULER_LEADER = Gauge("taskrunner_scheduler_leader", "1 if this instance runs the scheduler")
LLM_RETRIES = Counter("taskrunner_llm_retries_total", "LLM calls retried after a transient failure", ["model"])
SLA_BREACHES = Counter(
    "taskrunner_sla_breaches_total",
    f"Fires that did not run well: late_start (over {ON_TIME_SECONDS:.0f} s late), missed, timed_out, failed",
    ["kind"],
)
RUNS_QUEUED = Gauge("taskrunner_runs_queued", "Runs waiting to start (whole database, at scrape time)")
RUNS_RUNNING = Gauge("taskrunner_runs_running", "Runs in progress (whole database, at scrape time)")
HOOK_REFUSALS = Counter("taskrunner_hook_refusals_total", "Inbound hook deliveries refused, by reason", ["reason"])
HTTP_DURATION = Histogram(
    "taskrunner_http_request_duration_seconds",
    "HTTP request duration by method, route template and status",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)

FIRE_OUTCOMES = ("ran", "skipped", "missed", "failed")
RUN_STATUSES = ("succeeded", "failed", "timed_out", "cancelled", "interrupted")
SLA_KINDS = ("late_start", "missed", "timed_out", "failed")
CONDITION_KINDS = ("url_changed", "http_ok")
CONDITION_OUTCOMES = ("met", "not_met", "error")

_started = {"on_time": 0, "late": 0}

# Label values never come from model output as they are: every value becomes a series
# kept until restart. Tool names are the registered ones or "other"; model names (which
# providers echo back) are the first MAX_MODEL_LABELS seen, then "other".
OTHER = "other"
MAX_MODEL_LABELS = 50
_models: set[str] = set()


def tool_label(name: str) -> str:
    """The ``tool`` label for a tool call the model asked for: a registered name, or ``other``."""
    from app.runner.tools.registry import TOOL_NAMES

    return name if name in TOOL_NAMES else OTHER


def model_label(name: str) -> str:
    """The ``model`` label: the name itself while fewer than MAX_MODEL_LABELS were seen, else ``other``."""
    if name in _models:
        return name
    if len(_models) < MAX_MODEL_LABELS and len(name) <= 200:
        _models.add(name)
        return name
    return OTHER


def initialise(models: Iterable[str], tools: Iterable[str]) -> None:
    """Create every label series this process can report, at zero (idempotent)."""
    for outcome in FIRE_OUTCOMES:
        FIRES.labels(outcome=outcome)
    for status in RUN_STATUSES:
        RUNS.labels(status=status)
    for on_time in ("true", "false"):
        RUNS_STARTED.labels(on_time=on_time)
    for kind in SLA_KINDS:
        SLA_BREACHES.labels(kind=kind)
    for kind in CONDITION_KINDS:
        for outcome in CONDITION_OUTCOMES:
            CONDITION_CHECKS.labels(kind=kind, outcome=outcome)
    for model in map(model_label, models):
        for outcome in ("ok", "error"):
            LLM_CALLS.labels(model=model, outcome=outcome)
        for kind in ("prompt", "completion"):
            LLM_TOKENS.labels(model=model, kind=kind)
        LLM_COST.labels(model=model)
        LLM_RETRIES.labels(model=model)
    for tool in tools:
        for outcome in ("ok", "error"):
            TOOL_CALLS.labels(tool=tool, outcome=outcome)
    for refusal in HookRefusal:
        HOOK_REFUSALS.labels(reason=refusal)


def fire_recorded(status: str) -> None:
    outcome = {"queued": "ran", "duplicate": None}.get(status, status)
    if outcome:
        FIRES.labels(outcome=outcome).inc()
    if outcome == "missed":
        SLA_BREACHES.labels(kind="missed").inc()


def hook_refused(reason: HookRefusal) -> None:
    HOOK_REFUSALS.labels(reason=reason).inc()


def http_request(method: str, route: str, status: int, seconds: float) -> None:
    HTTP_DURATION.labels(method=method, route=route, status=str(status)).observe(max(seconds, 0.0))


def run_counts(queued: int, running: int) -> None:
    RUNS_QUEUED.set(queued)
    RUNS_RUNNING.set(running)


def run_started(delay_seconds: float) -> None:
    TRIGGER_DELAY.observe(max(delay_seconds, 0.0))
    key = "on_time" if delay_seconds <= ON_TIME_SECONDS else "late"
    _started[key] += 1
    RUNS_STARTED.labels(on_time="true" if key == "on_time" else "false").inc()
    if key == "late":
        SLA_BREACHES.labels(kind="late_start").inc()
    ON_TIME_RATE.set(_started["on_time"] / (_started["on_time"] + _started["late"]))


def run_finished(status: str, duration_seconds: float) -> None:
    RUNS.labels(status=status).inc()
    RUN_DURATION.observe(max(duration_seconds, 0.0))
    if status in ("timed_out", "failed"):
        SLA_BREACHES.labels(kind=status).inc()


def step_recorded(
    kind: str,
    name: str,
    error: str | None,
    prompt_tokens: int | None,
    completion_tokens: int | None,
    cost_usd: float | None,
    *,
    attempt: int = 1,
) -> None:
    """One runner step; for LLM steps ``name`` is the model the run asked for (the label everywhere)."""
    outcome = "error" if error else "ok"
    if kind == "llm":
        name = model_label(name)
        if attempt > 1:
            LLM_RETRIES.labels(model=name).inc()
        LLM_CALLS.labels(model=name, outcome=outcome).inc()
        if prompt_tokens:
            LLM_TOKENS.labels(model=name, kind="prompt").inc(prompt_tokens)
        if completion_tokens:
            LLM_TOKENS.labels(model=name, kind="completion").inc(completion_tokens)
        if cost_usd:
            LLM_COST.labels(model=name).inc(cost_usd)
    else:
        TOOL_CALLS.labels(tool=tool_label(name), outcome=outcome).inc()


def condition_checked(kind: str, outcome: str) -> None:
    """A run condition was checked (app.runner.conditions); labels are the vocabulary's, so bounded."""
    CONDITION_CHECKS.labels(kind=kind, outcome=outcome).inc()


def sla_breached(task_id: int, kind: str) -> None:
    """A task's own SLA (max_delay_seconds / max_duration_seconds) was breached."""
    TASK_SLA_BREACHES.labels(task_id=str(task_id), kind=kind).inc()


# Roles and the queue, refreshed from the database at each scrape (any instance can answer).
WORKERS_ALIVE = Gauge("taskrunner_workers_alive", "Workers with a fresh heartbeat")
WORKER_HEARTBEAT_AGE = Gauge(
    "taskrunner_worker_heartbeat_age_seconds", "Seconds since each live worker's last heartbeat", ["worker", "kind"]
)
WORKER_RUNNING = Gauge("taskrunner_worker_running_runs", "Runs each live worker holds", ["worker", "kind"])
QUEUE_DEPTH = Gauge("taskrunner_queue_depth", "Runs queued, waiting for a worker")
OLDEST_QUEUED_AGE = Gauge("taskrunner_oldest_queued_age_seconds", "Age of the oldest queued run (0 when none)")
WORKER_HERE = Gauge("taskrunner_worker_in_process", "1 if this instance runs runs itself")
