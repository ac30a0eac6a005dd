"""The production :class:`~app.llm.base.LLMClient`: one ``litellm.acompletion`` call per ``complete``.

litellm is imported lazily (it takes seconds) and only here. Its own retries are
off (``num_retries=0`` and the OpenAI SDK's ``max_retries=0``): the runner owns the
retry policy and records every attempt. Its exceptions become our tree::

    transient  Timeout, RateLimitError, APIConnectionError, InternalServerError,
               ServiceUnavailableError, BadGatewayError, any status 408/409/429/5xx
    permanent  AuthenticationError, BadRequestError (context window, unsupported
               params...), NotFoundError (unknown model), PermissionDeniedError, ...
    not configured  no key, no api base and no provider key in the environment

Messages keep the provider's words, with secrets (the API key, bearer tokens) removed.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import threading
import time
import warnings
from typing import Any

import structlog

from app.config import Settings
from app.llm.base import (
    LLMError,
    LLMNotConfigured,
    LLMPermanentError,
    LLMResponse,
    LLMTransientError,
    ToolCall,
)
from app.logging import adopt_library_loggers

log = structlog.get_logger("taskrunner.llm")

_TRANSIENT_NAMES = frozenset(
    {
        "Timeout",
        "RateLimitError",
        "APIConnectionError",
        "InternalServerError",
        "ServiceUnavailableError",
        "BadGatewayError",
        "APITimeoutError",
        "MidStreamFallbackError",
    }
)
_TRANSIENT_STATUS = frozenset({408, 409, 425, 429})
_SETTINGS_HINT = (
    "set LLM_MODEL (a litellm model string such as openai/gpt-4o-mini or ollama/llama3), "
    "and LLM_API_KEY (or the provider's own variable, e.g. OPENAI_API_KEY) "
    "or LLM_API_BASE for an OpenAI-compatible server"
)


_litellm: Any = None
_import_lock = threading.Lock()


def _import_litellm() -> Any:
    """litellm, imported once (thread-safe); the first import takes seconds of CPU."""
    global _litellm
    with _import_lock:
        if _litellm is None:
            os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
            # Its import builds pydantic models of its own TypedDicts, too (see _READONLY_NOTICE).
            warnings.filterwarnings("ignore", message=_READONLY_NOTICE, category=UserWarning)
            import litellm

            # No telemetry, no prompt logging, no "give feedback" banners: we log what we choose.
            litellm.telemetry = False
            litellm.suppress_debug_info = True
            litellm.turn_off_message_logging = True
            # Our spans cover LLM calls (app.telemetry); litellm must not trace them a second time.
            litellm.callbacks = [c for c in litellm.callbacks if c not in ("otel", "opentelemetry")]
            # litellm attaches its own plain-text handlers at import; send its records through ours.
            adopt_library_loggers()
            _build_response_models(litellm)
            _litellm = litellm
        return _litellm


# litellm's TypedDicts use `ReadOnly`, which pydantic notes with a UserWarning when it builds
# litellm's response models: noise about litellm's own code, never about ours.
# One item or several: "Item 'x' ... is using" / "Items 'x', 'y' ... are using".
_READONLY_NOTICE = "Items? .* (is|are) using the `ReadOnly` qualifier"


def _build_response_models(litellm: Any) -> None:
    """Build litellm's deferred response models now, with pydantic's notice about them ignored.

    Otherwise the first reply carrying tool calls builds them inside a model call, where a
    process that turns warnings into errors would fail the call ("... ReadOnly qualifier").
    """
    warnings.filterwarnings("ignore", message=_READONLY_NOTICE, category=UserWarning)
    try:
        litellm.types.utils.Message.model_rebuild()
    except Exception as exc:  # the first call builds it instead, as before
        log.debug("llm.models_not_prebuilt", error=str(exc)[:200])


async def _litellm_module() -> Any:
    """litellm without blocking the event loop: the first import runs in a worker thread."""
    if _litellm is not None:
        return _litellm
    return await asyncio.to_thread(_import_litellm)


def preload() -> None:
    """Import litellm now (seconds of CPU), e.g. before a worker starts beating, not inside its first run."""
    _import_litellm()


class LiteLLMClient:
    """Calls any litellm provider with the service's settings (model, api base, api key)."""

    _warming: threading.Thread | None = None

    def warm_up(self) -> None:
        """Import litellm in a background thread now, so the first model call finds it loaded."""
        if _litellm is None:
            self._warming = threading.Thread(target=preload, name="litellm-import", daemon=True)
            self._warming.start()

    def __init__(self, settings: Settings) -> None:
        self._default_model = settings.llm_model
        self._api_base = settings.llm_api_base
        self._api_key = settings.llm_api_key
        self._secrets = tuple(s for s in (settings.llm_api_key,) if s)

    async def complete(
        self,
        messages: list[dict[str, Any]],
        *,
        model: str | None = None,
        tools: list[dict[str, Any]] | None = None,
        tool_choice: str | dict[str, Any] | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - passed through to the provider call
        max_tokens: int | None = None,
    ) -> LLMResponse:
        """One chat completion; raises :class:`LLMTransientError` or :class:`LLMPermanentError`."""
        chosen = model or self._default_model
        litellm = await _litellm_module()
        kwargs: dict[str, Any] = {
            "model": chosen,
            "messages": messages,
            "num_retries": 0,
            "max_retries": 0,
        }
        kwargs.update(self._credentials(chosen))
        if tools:
            kwargs["tools"] = tools
            # litellm looks for MCP gateway tools whenever tools are passed, importing the
            # optional `mcp` package; we never send MCP tools, so skip that path.
            kwargs["_skip_mcp_handler"] = True
            if tool_choice is not None:
                kwargs["tool_choice"] = tool_choice
        if timeout is not None:
            kwargs["timeout"] = timeout
        if max_tokens is not None:
            kwargs["max_tokens"] = max_tokens
        started = time.perf_counter()
        try:
            if timeout is not None:
                # Belt and braces: some providers ignore `timeout`; never wait past it.
                response = await asyncio.wait_for(litellm.acompletion(**kwargs), timeout + 1.0)
            else:
                response = await litellm.acompletion(**kwargs)
        except TimeoutError as exc:
            raise LLMTransientError(f"LLM call timed out after {timeout:g}s", status_code=408) from exc
        except Exception as exc:  # mapped into our tree, never swallowed
            raise self.map_error(exc) from exc
        latency_ms = (time.perf_counter() - started) * 1000
        return _to_response(litellm, response, chosen, latency_ms)

    def _credentials(self, model: str) -> dict[str, Any]:
        creds: dict[str, Any] = {}
        if self._api_base:
            creds["api_base"] = self._api_base
        if self._api_key:
            creds["api_key"] = self._api_key
        elif self._api_base and model.startswith("openai/") and not os.environ.get("OPENAI_API_KEY"):
            # Local OpenAI-compatible servers (vLLM, Ollama, LM Studio) need no key, but the
            # OpenAI SDK refuses to start without one.
            creds["api_key"] = "not-needed"
        elif not self._api_base and not _provider_keys_present(model):
            raise LLMNotConfigured(f"No LLM is configured for model {model!r}: {_SETTINGS_HINT}.")
        return creds

    def map_error(self, exc: BaseException) -> LLMError:
        """The :class:`LLMError` for a litellm/OpenAI SDK exception, secrets removed."""
        status = getattr(exc, "status_code", None)
        status = status if isinstance(status, int) else None
        # litellm sometimes appends a whole traceback to the message; people need the first words.
        text = (str(exc) or type(exc).__name__).split("Traceback (most recent call last)", 1)[0].strip()
        if "Invalid response object" in text:
            # litellm could not read the provider's 200 answer (a choice without a message...).
            text = "the LLM answered with a malformed chat completion that could not be read"
        message = _scrub(text[:500] + ("…" if len(text) > 500 else ""), self._secrets)
        names = {cls.__name__ for cls in type(exc).__mro__}
        if names & _TRANSIENT_NAMES or (status is not None and (status in _TRANSIENT_STATUS or status >= 500)):
            return LLMTransientError(message, status_code=status)
        if "AuthenticationError" in names and "api_key" in message and "must be set" in message:
            return LLMNotConfigured(f"{message} ({_SETTINGS_HINT})", status_code=status)
        return LLMPermanentError(message, status_code=status)

    async def aclose(self) -> None:
        """Close the HTTP clients litellm cached for the running event loop's calls."""
        if self._warming is not None:
            # Never leave a half-imported litellm behind (the import runs on in its thread).
            await asyncio.to_thread(self._warming.join)
            self._warming = None
        litellm = _litellm
        if litellm is None:
            return  # never used: nothing to close, and no reason to import it now
        await litellm.close_litellm_async_clients()
        litellm.in_memory_llm_clients_cache.flush_cache()


_TOKEN_PATTERNS = re.compile(r"(?i)(bearer\s+)[^\s'\",]+|\bsk-[A-Za-z0-9_\-]{6,}")


def _scrub(text: str, secrets: tuple[str, ...]) -> str:
    # Provider messages sometimes echo the key ("Incorrect API key provided: sk-...").
    for secret in secrets:
        text = text.replace(secret, "[REDACTED]")
    return _TOKEN_PATTERNS.sub(lambda m: (m.group(1) or "") + "[REDACTED]", text)


def _provider_keys_present(model: str) -> bool:
    # Not cached: it reads the environment, which may change (and does, in tests).
    litellm = _import_litellm()
    try:
        found = litellm.validate_environment(model=model)
    except Exception:  # unknown provider: let the call itself report the provider's error
        return True
    return bool(found.get("keys_in_environment", True))


def _to_response(litellm: Any, response: Any, model: str, latency_ms: float) -> LLMResponse:
    """Our :class:`LLMResponse`; a completion without a usable message raises :class:`LLMTransientError`.

    Providers (and proxies in front of them) sometimes answer 200 with an empty
    ``choices`` list, a choice without a message, or tool calls without a name: a
    glitch worth another try, reported in words rather than as an ``IndexError``.
    """
    choices = getattr(response, "choices", None) or []
    if not choices:
        raise LLMTransientError("the LLM answered without a completion (empty `choices` list)")
    message = getattr(choices[0], "message", None)
    if message is None:
        raise LLMTransientError("the LLM answered with a choice that has no message")
    calls: list[ToolCall] = []
    for i, c in enumerate(getattr(message, "tool_calls", None) or []):
        function = getattr(c, "function", None)
        name = getattr(function, "name", None)
        if not isinstance(name, str) or not name:
            raise LLMTransientError(f"the LLM answered with a tool call (#{i + 1}) that names no function")
        arguments = getattr(function, "arguments", None)
        if not isinstance(arguments, str):
            # Not JSON text as the protocol says: keep what was sent so the step shows it.
            arguments = "{}" if arguments is None else json.dumps(arguments, default=str)
        calls.append(ToolCall(id=str(getattr(c, "id", None) or f"call_{i}"), name=name, arguments=arguments or "{}"))
    content = message.content if isinstance(message.content, str) or message.content is None else str(message.content)
    raw: dict[str, Any] = {"role": "assistant", "content": content}
    if calls:
        raw["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}} for c in calls
        ]
    usage = getattr(response, "usage", None)
    return LLMResponse(
        content=content,
        tool_calls=calls,
        model=getattr(response, "model", None) or model,
        prompt_tokens=_count(getattr(usage, "prompt_tokens", 0)),
        completion_tokens=_count(getattr(usage, "completion_tokens", 0)),
        cost_usd=_cost(litellm, response, model),
        latency_ms=latency_ms,
        raw_message=raw,
    )


def _count(value: Any) -> int:
    try:
        return max(0, int(value or 0))
    except (TypeError, ValueError):
        return 0


def _cost(litellm: Any, response: Any, model: str) -> float | None:
    hidden = getattr(response, "_hidden_params", None) or {}
    known = hidden.get("response_cost")
    if isinstance(known, int | float):
        return float(known)  # litellm already priced it while logging the call
    try:
        return float(litellm.completion_cost(completion_response=response, model=model))
    except Exception:  # model not in litellm's price map: cost unknown, not an error
        return None
