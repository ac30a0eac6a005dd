"""Run conditions: a cheap HTTP check before a run, so a run with nothing to do spends no LLM tokens.

A task may carry one condition (docs/triggers.md, "Conditions"):

- ``{"url_changed": URL}``: run only if the body at URL differs from what the last
  check saw, compared by SHA-256 of the body (after Content-Encoding is undone, cut at
  ``HTTP_TOOL_MAX_BODY_BYTES``). Each check stores its hash on its execution; "the last
  check" is the most recently started execution of the task that stored one, whatever
  its status (a skipped run's check counts too, so "unchanged since run 123" names the
  run whose hash matched). The first check (no hash stored yet) runs. The answer must
  be 2xx: an error page is not content, so another status is an error, not a change.
- ``{"http_ok": URL}``: run only if URL answers 2xx (after redirects).

The request goes through :func:`app.runner.fetch.fetch`, the agent's HTTP tool's
own path (network guard, pinned address, redirects re-checked, bounded body, timeout).
A check that gets no answer (unreachable, refused by the guard, timed out, too many
redirects) is an ``error``: the run is recorded ``skipped`` with the reason, stores no
hash, and is counted (``taskrunner_condition_checks_total{outcome="error"}``).

:class:`ConditionSpec` is the checked shape every client sends; :class:`ConditionChecker`
makes the request; :func:`judge` turns an answer into a :class:`ConditionResult` (pure).
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
from dataclasses import dataclass, field
from typing import Any

import httpx
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
    model_validator,
)

from app.config import Settings
from app.netguard import BlockedAddress, NetGuard, Resolver
from app.runner.fetch import AddressRefused, Fetched, FetchError, HttpLimits, URLRefused, check_http_url, fetch
from app.vocabulary import ConditionKind, ConditionOutcome

MAX_URL_CHARS = 2000
_URL_HELP = "an absolute http(s) URL (at most 2000 characters), fetched with GET through the network guard"


class ConditionSpec(BaseModel):
    """Exactly one of ``url_changed`` or ``http_ok``; stored and answered as ``{kind: url}``."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    url_changed: str | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_URL_CHARS,
        description=f"run only if its content changed: {_URL_HELP}",
    )
    http_ok: str | None = Field(
        default=None, min_length=1, max_length=MAX_URL_CHARS, description=f"run only if it answers 2xx: {_URL_HELP}"
    )

    @field_validator("url_changed", "http_ok")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            check_http_url(value)
        except URLRefused as exc:
            raise ValueError(str(exc)) from exc
        return value

    @model_validator(mode="after")
    def _exactly_one(self) -> ConditionSpec:
        given = [k for k in ConditionKind if getattr(self, k.value) is not None]
        if len(given) != 1:
            raise ValueError("a condition is exactly one of `url_changed` or `http_ok`, each an http(s) URL")
        return self

    @model_serializer(mode="wrap")
    def _only_the_given_key(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return {k: v for k, v in handler(self).items() if v is not None}

    @property
    def kind(self) -> ConditionKind:
        return ConditionKind.URL_CHANGED if self.url_changed is not None else ConditionKind.HTTP_OK

    @property
    def url(self) -> str:
        value = self.url_changed if self.url_changed is not None else self.http_ok
        assert value is not None
        return value

    def describe(self) -> str:
        """The condition in words: ``only when the content at URL changed``."""
        if self.kind == ConditionKind.URL_CHANGED:
            return f"only when the content at {shown(self.url)} changed"
        return f"only when {shown(self.url)} answers 2xx"


def parse_condition(raw: dict[str, Any] | None) -> ConditionSpec | None:
    """The condition stored on a task, or None when there is none."""
    return ConditionSpec.model_validate(raw) if raw else None


async def literal_refusal(url: str, guard: NetGuard) -> str | None:
    """Why ``guard`` refuses ``url`` when its host is an IP address (decided without DNS), else None."""
    try:
        parsed = check_http_url(url)
    except URLRefused as exc:
        return str(exc)
    try:
        ipaddress.ip_address(parsed.host.strip("[]"))
    except ValueError:
        return None  # a name: resolved and checked at run time
    try:
        await guard.vet(parsed.host, parsed.port or (443 if parsed.scheme == "https" else 80))
    except BlockedAddress as exc:
        return str(exc).removeprefix("refused: ")
    return None


def shown(url: str) -> str:
    """``url`` without user and password, as reasons and logs write it."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return url
    if not parsed.userinfo:
        return url
    return str(parsed.copy_with(username=None, password=None))


@dataclass(frozen=True, kw_only=True)
class PreviousCheck:
    """The last stored hash of a ``url_changed`` check: which execution stored it, and the hash."""

    execution_id: int
    content_hash: str


@dataclass(frozen=True, kw_only=True)
class ConditionResult:
    """What one check found; ``text`` is stored on the execution (``condition_result``)."""

    kind: ConditionKind
    outcome: ConditionOutcome
    text: str
    content_hash: str | None = None  # url_changed: the SHA-256 of the body read (None: nothing read)

    @property
    def met(self) -> bool:
        return self.outcome == ConditionOutcome.MET

    @property
    def skip_reason(self) -> str:
        """The reason of a run skipped by this result (empty when met)."""
        if self.outcome == ConditionOutcome.NOT_MET:
            return f"condition not met: {self.text}"
        if self.outcome == ConditionOutcome.ERROR:
            return f"condition could not be checked: {self.text}"
        return ""


@dataclass(frozen=True, kw_only=True)
class Answer:
    """What a check's request got: an HTTP status and body, or why there was none."""

    status: int | None = None
    data: bytes = b""
    failure: str | None = None  # "unreachable: connection refused", "refused by the network guard: ..."


def judge(spec: ConditionSpec, answer: Answer, previous: PreviousCheck | None) -> ConditionResult:
    """The result of ``spec`` given ``answer`` and, for ``url_changed``, the last stored hash."""
    url = shown(spec.url)
    kind = spec.kind
    if answer.failure is not None or answer.status is None:
        return ConditionResult(kind=kind, outcome=ConditionOutcome.ERROR, text=f"{url} {answer.failure}")
    ok = 200 <= answer.status < 300
    if kind == ConditionKind.HTTP_OK:
        outcome = ConditionOutcome.MET if ok else ConditionOutcome.NOT_MET
        return ConditionResult(kind=kind, outcome=outcome, text=f"{url} answered {answer.status}")
    if not ok:
        return ConditionResult(
            kind=kind, outcome=ConditionOutcome.ERROR, text=f"{url} answered {answer.status}, content not compared"
        )
    digest = hashlib.sha256(answer.data).hexdigest()
    if previous is None:
        text, outcome = f"content at {url} checked for the first time", ConditionOutcome.MET
    elif previous.content_hash == digest:
        text, outcome = f"content at {url} unchanged since run {previous.execution_id}", ConditionOutcome.NOT_MET
    else:
        text, outcome = f"content at {url} changed since run {previous.execution_id}", ConditionOutcome.MET
    return ConditionResult(kind=kind, outcome=outcome, text=text, content_hash=digest)


@dataclass(frozen=True)
class ConditionChecker:
    """Checks conditions with the HTTP tool's limits (guard, allow-list, body size, timeout)."""

    limits: HttpLimits = field(default_factory=HttpLimits)

    @classmethod
    def from_settings(cls, settings: Settings, *, resolver: Resolver | None = None) -> ConditionChecker:
        return cls(HttpLimits.from_settings(settings, resolver=resolver))

    async def check(self, spec: ConditionSpec, previous: PreviousCheck | None) -> ConditionResult:
        """Fetch the condition's URL once and judge it; never raises for what the network does."""
        return judge(spec, await self.ask(spec.url), previous)

    async def ask(self, url: str) -> Answer:
        """GET ``url`` through the guard: its status and body, or why there is none."""
        limit = self.limits.timeout_seconds
        try:
            async with asyncio.timeout(limit):
                got: Fetched = await fetch(self.limits, "GET", check_http_url(url), limit_seconds=limit)
        except TimeoutError:
            return Answer(failure=f"unreachable: no answer within {limit:g} s")
        except AddressRefused as exc:
            words = str(exc).removeprefix("refused: ")
            if words.startswith("cannot resolve") or words.endswith("resolves to no address"):
                return Answer(failure=f"unreachable: {words}")  # DNS, not policy
            return Answer(failure=f"refused by the network guard: {words}")
        except FetchError as exc:
            return Answer(failure=f"could not be read: {exc}")
        except (httpx.HTTPError, OSError) as exc:
            return Answer(failure=f"unreachable: {transport_words(exc)}")
        return Answer(status=got.status, data=got.data)


def transport_words(exc: BaseException) -> str:
    """A transport failure in a few words: ``connection refused``, ``name not resolved``, ..."""
    chain: list[BaseException] = []
    seen: BaseException | None = exc
    while seen is not None and len(chain) < 10:
        chain.append(seen)
        seen = seen.__cause__ or seen.__context__
    for item in chain:
        if isinstance(item, ConnectionRefusedError):
            return "connection refused"
        if isinstance(item, ConnectionResetError):
            return "connection reset"
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"broken answer ({exc})" if str(exc) else "broken answer"
    detail = str(exc) or type(exc).__name__
    return detail if len(detail) <= 300 else detail[:299] + "…"
