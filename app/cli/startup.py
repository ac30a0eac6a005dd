"""What ``serve`` and ``migrate`` say at start: one banner line and notices.

With ``LOG_FORMAT=json`` these are log events (one JSON object a line, like
everything else the process prints); in a terminal they are plain sentences.
"""

from __future__ import annotations

import os
from typing import Any

import structlog
import typer

from app import __version__
from app.config import Settings
from app.logging import json_enabled

log = structlog.get_logger("taskrunner.service")

# Variables litellm reads for common providers; any of them counts as "a key is set".
PROVIDER_KEY_VARS = {
    "openai": "OPENAI_API_KEY",
    "anthropic": "ANTHROPIC_API_KEY",
    "azure": "AZURE_API_KEY",
    "gemini": "GEMINI_API_KEY",
    "mistral": "MISTRAL_API_KEY",
    "groq": "GROQ_API_KEY",
    "openrouter": "OPENROUTER_API_KEY",
    "deepseek": "DEEPSEEK_API_KEY",
}
KEYLESS_PROVIDERS = frozenset({"ollama", "ollama_chat", "vllm", "hosted_vllm", "lm_studio", "llamafile"})


def safe_url(url: str) -> str:
    """A database URL without its password."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def llm_key_state(settings: Settings) -> str:
    """``set``, ``not needed`` or ``missing``: whether the configured model has credentials."""
    provider = settings.llm_model.split("/", 1)[0] if "/" in settings.llm_model else "openai"
    if settings.llm_api_key:
        return "set"
    env = PROVIDER_KEY_VARS.get(provider)
    if env and os.environ.get(env):
        return "set"
    if provider in KEYLESS_PROVIDERS or settings.llm_api_base:
        return "not needed"
    return "missing"


def banner(settings: Settings, *, key_mode: str) -> tuple[str, dict[str, Any]]:
    """The start-up line and its fields: version, database, model and key, API-key mode, docs URL."""
    docs = f"http://{_url_host(settings.host)}:{settings.port}/docs"
    fields: dict[str, Any] = {
        "version": __version__,
        "database": safe_url(settings.database_url),
        "model": settings.llm_model,
        "llm_key": llm_key_state(settings),
        "api_keys": key_mode,
        "docs": docs,
    }
    text = (
        f"taskrunner {__version__} · database {fields['database']} · model {settings.llm_model} "
        f"(key {fields['llm_key']}) · API keys {key_mode} · docs {docs}"
    )
    return text, fields


def say(event: str, text: str, *, warning: bool = False, **fields: Any) -> None:
    """Tell the operator: a log event in JSON mode, else one line on stderr."""
    if json_enabled():
        (log.warning if warning else log.info)(event, message=text, **fields)
    else:
        typer.echo(text, err=True)


def _url_host(host: str) -> str:
    if host in ("0.0.0.0", "::", ""):
        return "127.0.0.1"
    return f"[{host}]" if ":" in host else host
