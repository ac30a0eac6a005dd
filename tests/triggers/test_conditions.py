"""Run conditions: checked after the claim and before any LLM call, against a real loopback site.

The site is a local ``http.server`` reached under the name ``site.test``, which the
network guard's resolver maps to 127.0.0.1 and the allow-list lets through (as
``HTTP_TOOL_ALLOW_HOSTS`` would); without the allow-list the guard refuses it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler

import pytest
from prometheus_client import REGISTRY

from app.clock import SystemClock
from app.config import Settings
from app.llm.litellm_client import LiteLLMClient
from app.netguard import NetGuard
from app.runner.conditions import ConditionChecker
from app.runner.factory import build_runner
from app.runner.fetch import HttpLimits
from app.services.executions import ExecutionService
from tests.scheduler.conftest import Harness
from tests.scheduler.test_firing import executions
from tests.support.live_server import free_port, serve_handler
from tests.support.openai_stub import OpenAIStub, openai_stub  # noqa: F401

HOUR = timedelta(hours=1)
TEN = timedelta(minutes=10)
FIRST = datetime(2026, 11, 23, 8, 10, tzinfo=UTC)  # the first ten-minute fire after the harness's start
NINE = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


class Site:
    """What the loopback site answers (changeable by the test) and how often it was asked."""

    def __init__(self) -> None:
        self.body = b"release 1.0"
        self.status = 200
        self.hits = 0
        self.port = 0

    def url(self, path: str = "/") -> str:
        return f"http://site.test:{self.port}{path}"

    def handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.hits += 1
                self.send_response(site.status)
                self.send_header("Content-Length", str(len(site.body)))
                self.end_headers()
                self.wfile.write(site.body)

            def log_message(self, *args: object) -> None:
                return None

        return Handler


@pytest.fixture
def site() -> Iterator[Site]:
    s = Site()
    with serve_handler(s.handler()) as port:
        s.port = port
        yield s


async def _site_test_is_loopback(host: str, port: int) -> list[str]:
    if host == "site.test":
        return ["127.0.0.1"]
    raise OSError(f"no such host {host}")


def checker(*, allow: tuple[str, ...] = ("site.test",)) -> ConditionChecker:
    return ConditionChecker(HttpLimits(guard=NetGuard(allow=allow, resolver=_site_test_is_loopback)))


def checks(kind: str, outcome: str) -> float:
    return REGISTRY.get_sample_value("taskrunner_condition_checks_total", {"kind": kind, "outcome": outcome}) or 0.0


async def hourly(harness: Harness, condition: dict[str, str], cron: str = "0 * * * *") -> int:
    return await harness.create(schedule={"kind": "cron", "cron": cron, "timezone": "UTC"}, condition=condition)


async def test_url_changed_runs_first_skips_unchanged_naming_the_run_and_runs_on_change(
    harness: Harness,
    site: Site,
    openai_stub: OpenAIStub,  # noqa: F811
) -> None:
    settings = Settings(llm_model="openai/test-model", llm_api_base=openai_stub.api_base, llm_api_key="sk-test")
    llm = LiteLLMClient(settings)
    harness.runner = build_runner(settings, SystemClock(), llm=llm)  # type: ignore[assignment]
    try:
        await harness.start(conditions=checker())
        # Every ten minutes: litellm's cached HTTP client outlives the whole test (its TTL is an hour).
        task_id = await hourly(harness, {"url_changed": site.url("/releases")}, cron="*/10 * * * *")
        before = {o: checks("url_changed", o) for o in ("met", "not_met", "error")}

        openai_stub.push_text("New release 1.0.")
        await harness.move_to(FIRST)  # first check: no hash stored yet, so it runs
        await harness.move_to(FIRST + TEN)  # same content: skipped
        await harness.move_to(FIRST + 2 * TEN)  # same content: skipped, naming the skipped run
        site.body = b"release 1.1"
        openai_stub.push_text("New release 1.1.")
        await harness.move_to(FIRST + 3 * TEN)  # changed: runs

        first, second, third, fourth = await executions(harness, task_id)
        assert [r.status for r in (first, second, third, fourth)] == ["succeeded", "skipped", "skipped", "succeeded"]
        url = site.url("/releases")
        assert first.condition_result == f"content at {url} checked for the first time"
        assert second.reason == f"condition not met: content at {url} unchanged since run {first.id}"
        assert third.reason == f"condition not met: content at {url} unchanged since run {second.id}"
        assert fourth.condition_result == f"content at {url} changed since run {third.id}"
        old, new = (hashlib.sha256(b).hexdigest() for b in (b"release 1.0", b"release 1.1"))
        assert [r.condition_hash for r in (first, second, third, fourth)] == [old, old, old, new]
        # Skips cost no LLM call: two runs, two requests; the skipped ones never got a model or tokens.
        assert len(openai_stub.requests) == 2
        assert all(r.model is None and r.prompt_tokens is None for r in (second, third))
        assert site.hits == 4
        assert checks("url_changed", "met") - before["met"] == 2
        assert checks("url_changed", "not_met") - before["not_met"] == 2
        assert checks("url_changed", "error") == before["error"]
    finally:
        await harness.stop()
        await llm.aclose()


async def test_http_ok_runs_on_2xx_skips_on_503_and_on_a_closed_port(harness: Harness, site: Site) -> None:
    await harness.start(conditions=checker())
    healthy = await hourly(harness, {"http_ok": site.url("/health")})
    closed = f"http://site.test:{free_port()}/health"
    down = await hourly(harness, {"http_ok": closed})
    before = {o: checks("http_ok", o) for o in ("met", "not_met", "error")}

    await harness.move_to(NINE)
    site.status = 503
    await harness.move_to(NINE + HOUR)

    ok, unavailable = await executions(harness, healthy)
    assert ok.status == "succeeded" and ok.condition_result == f"{site.url('/health')} answered 200"
    assert unavailable.status == "skipped"
    assert unavailable.reason == f"condition not met: {site.url('/health')} answered 503"
    unreachable = await executions(harness, down)
    assert [r.status for r in unreachable] == ["skipped", "skipped"]
    assert unreachable[0].reason == f"condition could not be checked: {closed} unreachable: connection refused"
    assert unreachable[0].condition_hash is None
    # Only the healthy task's first fire reached the runner.
    assert [r.execution_id for r in harness.runner.requests] == [ok.id]
    assert checks("http_ok", "met") - before["met"] == 1
    assert checks("http_ok", "not_met") - before["not_met"] == 1
    assert checks("http_ok", "error") - before["error"] == 2


async def test_url_changed_does_not_compare_an_error_page(harness: Harness, site: Site) -> None:
    await harness.start(conditions=checker())
    task_id = await hourly(harness, {"url_changed": site.url()})
    await harness.move_to(NINE)
    site.status, site.body = 500, b"oops"
    await harness.move_to(NINE + HOUR)
    site.status, site.body = 200, b"release 1.0"
    await harness.move_to(NINE + 2 * HOUR)
    first, broken, back = await executions(harness, task_id)
    assert broken.status == "skipped" and broken.condition_hash is None
    assert broken.reason == f"condition could not be checked: {site.url()} answered 500, content not compared"
    # The error page stored no hash: the content is compared with the first run's, and is the same.
    assert back.status == "skipped"
    assert back.reason == f"condition not met: content at {site.url()} unchanged since run {first.id}"


async def test_the_guard_refuses_a_private_address_unless_allowed(harness: Harness, site: Site) -> None:
    await harness.start(conditions=checker(allow=()))
    task_id = await hourly(harness, {"http_ok": site.url()})
    await harness.move_to(NINE)
    (run,) = await executions(harness, task_id)
    assert run.status == "skipped"
    assert run.reason is not None
    assert run.reason.startswith(
        f"condition could not be checked: {site.url()} refused by the network guard: "
        "'site.test' resolves to 127.0.0.1, which is a loopback address"
    )
    assert site.hits == 0 and harness.runner.requests == []


async def test_runs_asked_for_on_purpose_do_not_check(harness: Harness, site: Site) -> None:
    await harness.start(conditions=checker())
    task_id = await hourly(harness, {"http_ok": site.url()})
    site.status = 503
    run = await harness.call(lambda svc: svc.run_now(task_id))
    record = next(r for r in await executions(harness, task_id) if r.id == run.id)
    assert record.status == "succeeded" and record.condition_result is None
    assert site.hits == 0


async def test_explain_says_the_condition_was_not_met(harness: Harness, site: Site) -> None:
    await harness.start(conditions=checker())
    task_id = await hourly(harness, {"url_changed": site.url()})
    await harness.move_to(NINE)
    await harness.move_to(NINE + HOUR)
    first, skipped = await executions(harness, task_id)
    async with harness.sessions() as s:
        explained = await ExecutionService(s, SystemClock()).explain(
            task_id, since=NINE + HOUR - timedelta(minutes=5), until=NINE + HOUR + timedelta(minutes=5)
        )
    assert explained.verdict == "skipped"
    assert any(
        f"was skipped: condition not met: content at {site.url()} unchanged since run {first.id}" in f
        for f in explained.findings
    ), explained.findings
    assert skipped.id in explained.execution_ids


async def test_run_views_show_what_the_check_found(harness: Harness, site: Site) -> None:
    await harness.start(conditions=checker())
    task_id = await hourly(harness, {"http_ok": site.url()})
    await harness.move_to(NINE)
    (run,) = await executions(harness, task_id)
    async with harness.sessions() as s:
        view = await ExecutionService(s, SystemClock()).get(run.id)
    assert view.condition_result == f"{site.url()} answered 200"
