"""The ``http`` task kind: one HTTP request per run, no model.

The request goes through :func:`app.runner.fetch.fetch`, the agent's ``http_request``
tool's own path (network guard, pinned resolution, redirects, body limit), bounded
by the task's ``timeout_seconds``. The run succeeds on a 2xx answer, or on exactly
``expected_status`` when the task sets one; any other answer, a refusal or a
connection failure is ``failed`` with the reason, running out of time ``timed_out``.

The record holds one step of kind ``http`` (method, URL, status, latency, sizes) and,
as the run's output, a one-line summary and the body's start. Secret headers
(``Authorization``, ``Cookie``, ``X-Api-Key``...) never reach the record: their
values are redacted wherever they appear, even echoed back in the answer's body.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from app.clip import clip_bytes, clip_text, clip_value, size_words
from app.clock import Clock
from app.redact import Redactor, is_secret_key
from app.runner.base import RunOutcome, RunRequest, StepRecord, StepSink
from app.runner.fetch import Fetched, FetchError, HttpLimits, check_http_url, fetch

USER_AGENT = "taskrunner-http-task/0.1"


@dataclass(frozen=True, kw_only=True)
class HttpTaskConfig:
    """Service-wide limits of http tasks; the request itself comes with each run."""

    limits: HttpLimits = field(default_factory=HttpLimits)
    body_excerpt_bytes: int = 16 * 1024  # of the answer's body, in the run's output
    step_text_max_chars: int = 16_000  # each string in the step's input and output
    secrets: tuple[str, ...] = ()  # literal values never to record (the service's own keys)


class RequestFailed(Exception):
    """The request was refused, could not be made, or ran out of time (``timed_out``)."""

    def __init__(self, message: str, *, timed_out: bool = False) -> None:
        super().__init__(message)
        self.timed_out = timed_out


async def send(
    limits: HttpLimits, method: str, url: str, headers: dict[str, str], body: str | None, seconds: float
) -> Fetched:
    """The task's request through the guarded fetch, within ``seconds``; :class:`RequestFailed` else."""
    if not any(k.lower() == "user-agent" for k in headers):
        headers = {**headers, "User-Agent": USER_AGENT}
    try:
        target = check_http_url(url)
        async with asyncio.timeout(seconds):
            return await fetch(limits, method, target, headers, body, limit_seconds=seconds)
    except (TimeoutError, httpx.TimeoutException) as exc:
        raise RequestFailed(f"request timed out after {seconds:g}s", timed_out=True) from exc
    except FetchError as exc:
        raise RequestFailed(str(exc)) from exc
    except (httpx.HTTPError, OSError) as exc:
        raise RequestFailed(f"request failed: {type(exc).__name__}: {exc}") from exc


def accepted(status: int, expected: int | None) -> bool:
    """Whether an answer with ``status`` is a success: exactly ``expected`` if set, else any 2xx."""
    return status == expected if expected is not None else 200 <= status < 300


class HttpTaskRunner:
    """Implements :class:`app.runner.base.Runner` for ``kind: http``."""

    def __init__(self, *, clock: Clock, config: HttpTaskConfig | None = None) -> None:
        self.clock = clock
        self.config = config or HttpTaskConfig()

    async def run(self, request: RunRequest, *, on_step: StepSink | None = None) -> RunOutcome:
        """Make the task's request once; every failure is the outcome, never an exception."""
        spec = request.http or {}
        method = str(spec.get("method") or "GET").upper()
        url = str(spec.get("url") or "")
        headers: dict[str, str] = dict(spec.get("headers") or {})
        body = spec.get("body")
        expected = spec.get("expected_status")
        # The task's own secret header values are removed wherever they show up (an echoing server).
        redact = Redactor((*self.config.secrets, *(v for k, v in headers.items() if is_secret_key(k))))
        limit = self.config.step_text_max_chars
        shown_url = redact.text(url)
        step_input = clip_value(
            {"method": method, "url": url, "headers": headers, "body": body, "expected_status": expected},
            limit,
            redactor=redact,
        )
        started = self.clock.now()
        t0 = time.perf_counter()
        try:
            answer = await send(self.config.limits, method, url, headers, body, request.timeout_seconds)
        except RequestFailed as exc:
            latency_ms = (time.perf_counter() - t0) * 1000
            error = redact.text(str(exc))
            step = StepRecord(
                index=0,
                kind="http",
                name=clip_text(f"{method} {shown_url}", 200, redactor=redact),
                input=step_input,
                output=None,
                error=error,
                started_at=started,
                latency_ms=latency_ms,
            )
            if on_step is not None:
                await on_step(step)
            if exc.timed_out:
                reason = f"the request took longer than the task's timeout ({request.timeout_seconds:g}s)"
                return RunOutcome(status="timed_out", error=error, reason=reason, steps=[step])
            return RunOutcome(status="failed", error=error, reason=f"{method} {shown_url}: {error}", steps=[step])
        latency_ms = (time.perf_counter() - t0) * 1000
        ok = accepted(answer.status, expected)
        reason = httpx.codes.get_reason_phrase(answer.status)
        size = size_words(len(answer.data)) + (", truncated" if answer.truncated else "")
        summary = f"HTTP {answer.status} {reason} from {method} {shown_url} in {latency_ms:.0f} ms ({size})"
        excerpt = clip_bytes(answer.text, self.config.body_excerpt_bytes, what="body", redactor=redact)
        output: dict[str, Any] = {
            "status": answer.status,
            "reason": reason,
            "url": answer.url,
            "latency_ms": round(latency_ms, 1),
            "bytes_read": len(answer.data),
            "truncated": answer.truncated,
            "redirects": answer.redirects,
            "headers": answer.headers,
        }
        wanted = f"HTTP {expected}" if expected is not None else "a 2xx status"
        mismatch = None if ok else f"expected {wanted}, got HTTP {answer.status} {reason}".rstrip()
        step = StepRecord(
            index=0,
            kind="http",
            name=clip_text(f"{method} {shown_url}", 200, redactor=redact),
            input=step_input,
            output=clip_value(output, limit, redactor=redact),
            error=mismatch,
            started_at=started,
            latency_ms=latency_ms,
        )
        if on_step is not None:
            await on_step(step)
        text = redact.text(summary) + (f"\n\n{excerpt}" if excerpt else "")
        if ok:
            return RunOutcome(status="succeeded", output=text, steps=[step])
        return RunOutcome(status="failed", output=text, error=mismatch, reason=mismatch, steps=[step])
