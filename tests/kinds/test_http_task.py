"""The http task runner against a real loopback server: success, status checks, limits, the guard, secrets."""

from __future__ import annotations

from typing import Any

import pytest

from app.clock import ManualClock
from app.netguard import NetGuard
from app.redact import REDACTED
from app.runner.base import RunRequest, StepRecord
from app.runner.fetch import HttpLimits
from app.runner.http_task import HttpTaskConfig, HttpTaskRunner, accepted
from tests.kinds.conftest import START, Web


def request(http: dict[str, Any], **changes: Any) -> RunRequest:
    values: dict[str, Any] = dict(
        execution_id=1,
        task_id=2,
        task_name="ping",
        instructions="",
        timezone="UTC",
        model=None,
        tools=(),
        max_steps=1,
        timeout_seconds=5.0,
        max_retries=0,
        trigger="schedule",
        scheduled_for=START,
        window_start=None,
        window_end=START,
        kind="http",
        http=http,
    )
    return RunRequest(**(values | changes))


def runner(*, allow: tuple[str, ...] = ("127.0.0.1",), **config: Any) -> HttpTaskRunner:
    limits = HttpLimits(guard=NetGuard(allow=allow), max_body_bytes=config.pop("max_body_bytes", 256 * 1024))
    return HttpTaskRunner(clock=ManualClock(START), config=HttpTaskConfig(limits=limits, **config))


class Steps:
    def __init__(self) -> None:
        self.seen: list[StepRecord] = []

    async def __call__(self, step: StepRecord) -> None:
        self.seen.append(step)


@pytest.mark.parametrize(
    ("status", "expected", "ok"),
    [
        (200, None, True),
        (204, None, True),
        (299, None, True),
        (301, None, False),
        (404, None, False),
        (500, None, False),
        (404, 404, True),
        (200, 201, False),
        (201, 201, True),
    ],
)
def test_success_is_any_2xx_or_exactly_the_expected_status(status: int, expected: int | None, ok: bool) -> None:
    assert accepted(status, expected) is ok


async def test_success_records_status_latency_and_body(web: Web) -> None:
    steps = Steps()
    outcome = await runner().run(request({"method": "GET", "url": web.url("/ok")}), on_step=steps)
    assert outcome.status == "succeeded", outcome
    assert outcome.output is not None
    assert outcome.output.startswith(f"HTTP 200 OK from GET {web.url('/ok')} in ")
    assert outcome.output.endswith("\n\nall good")
    assert outcome.prompt_tokens == 0 and outcome.model is None
    (step,) = steps.seen
    assert step.kind == "http" and step.name == f"GET {web.url('/ok')}"
    assert step.output["status"] == 200 and step.output["bytes_read"] == len("all good")
    assert step.output["latency_ms"] >= 0 and step.latency_ms > 0 and step.error is None


async def test_a_post_sends_its_headers_and_body(web: Web) -> None:
    spec = {"method": "POST", "url": web.url("/echo"), "headers": {"X-Trace": "t1"}, "body": '{"a": 1}'}
    outcome = await runner().run(request(spec))
    assert outcome.status == "succeeded"
    assert '"method": "POST"' in (outcome.output or "") and '"body": "{\\"a\\": 1}"' in (outcome.output or "")
    assert '"X-Trace": "t1"' in (outcome.output or "")


async def test_unexpected_status_fails_with_the_reason(web: Web) -> None:
    steps = Steps()
    outcome = await runner().run(request({"url": web.url("/status?code=503")}), on_step=steps)
    assert outcome.status == "failed"
    assert outcome.reason == outcome.error == "expected a 2xx status, got HTTP 503 Service Unavailable"
    assert "status 503" in (outcome.output or "")
    assert steps.seen[0].error == outcome.error and steps.seen[0].output["status"] == 503


async def test_expected_status_mismatch_fails_and_match_succeeds(web: Web) -> None:
    mismatch = await runner().run(request({"url": web.url("/ok"), "expected_status": 204}))
    assert mismatch.status == "failed" and mismatch.reason == "expected HTTP 204, got HTTP 200 OK"
    match = await runner().run(request({"url": web.url("/status?code=404"), "expected_status": 404}))
    assert match.status == "succeeded"


async def test_unreachable_host_fails_with_the_reason(web: Web) -> None:
    from tests.support.live_server import free_port

    url = f"http://127.0.0.1:{free_port()}/"
    steps = Steps()
    outcome = await runner().run(request({"url": url}), on_step=steps)
    assert outcome.status == "failed"
    assert outcome.error is not None and outcome.error.startswith("request failed: ConnectError")
    assert outcome.reason is not None and outcome.reason.startswith(f"GET {url}: request failed")
    assert steps.seen[0].error == outcome.error and steps.seen[0].output is None


@pytest.mark.parametrize(
    ("url", "why"),
    [("http://127.0.0.1:9/", "loopback"), ("http://10.1.2.3/", "private"), ("http://169.254.169.254/", "metadata")],
)
async def test_private_addresses_are_refused_unless_allowed(url: str, why: str) -> None:
    outcome = await runner(allow=()).run(request({"url": url}))
    assert outcome.status == "failed"
    assert outcome.error is not None and outcome.error.startswith("refused:") and why in outcome.error


async def test_body_is_clipped_in_the_output(web: Web) -> None:
    outcome = await runner(max_body_bytes=50_000, body_excerpt_bytes=1024).run(request({"url": web.url("/big")}))
    assert outcome.status == "succeeded"
    assert outcome.output is not None
    head, body = outcome.output.split("\n\n", 1)
    assert "(48.8 KiB, truncated)" in head
    assert body.startswith("y" * 1024) and body.endswith("…[body truncated at 1 KiB of 48.8 KiB]")
    assert len(outcome.output.encode()) < 1400


async def test_timeout_is_the_tasks_and_ends_timed_out(web: Web) -> None:
    outcome = await runner().run(request({"url": web.url("/slow")}, timeout_seconds=0.5))
    assert outcome.status == "timed_out"
    assert outcome.reason == "the request took longer than the task's timeout (0.5s)"


async def test_secret_headers_never_reach_the_record_even_when_echoed(web: Web) -> None:
    secret = "s3cr3t-token-value-123"
    spec = {
        "url": web.url("/echo?api_key=hunter22"),
        "headers": {"Authorization": f"Token {secret}", "X-Api-Key": "k-987654321", "X-Plain": "visible"},
    }
    steps = Steps()
    outcome = await runner().run(request(spec), on_step=steps)
    assert outcome.status == "succeeded"
    recorded = repr((outcome.output, outcome.error, steps.seen[0].input, steps.seen[0].output, steps.seen[0].name))
    for leaked in (secret, "k-987654321", "hunter22"):
        assert leaked not in recorded
    assert steps.seen[0].input["headers"] == {"Authorization": REDACTED, "X-Api-Key": REDACTED, "X-Plain": "visible"}
    assert "visible" in (outcome.output or "")
