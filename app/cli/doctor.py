"""``taskrunner doctor``: check settings, database and the LLM, and say what to fix.

Each check prints one line, ``ok``, ``warn`` or ``FAIL``, with the fix for anything
that is not ok; the exit code is 1 when something failed. The LLM check makes
one tiny real call, so it runs only with ``--llm``.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Annotated, Literal

import typer
from pydantic import ValidationError

from app.cli.startup import llm_key_state, safe_url
from app.config import Settings

Level = Literal["ok", "warn", "FAIL"]


@dataclass(frozen=True)
class Check:
    level: Level
    name: str
    text: str
    fix: str | None = None

    def line(self) -> str:
        head = f"{self.level:<4}  {self.name}: {self.text}"
        return head if self.fix is None else f"{head}\n      fix: {self.fix}"


def doctor(
    llm: Annotated[bool, typer.Option("--llm", help="Also make one tiny call to the configured model.")] = False,
) -> None:
    """Check the settings, the database and (with --llm) the model; print what to fix."""
    try:
        settings = Settings()
    except ValidationError as exc:
        for error in exc.errors():
            field = ".".join(str(p) for p in error["loc"]).upper()
            typer.echo(Check("FAIL", "settings", f"{field}: {error['msg']}", "see docs/configuration.md").line())
        raise typer.Exit(1) from None
    checks = [*settings_checks(settings), database_check(settings)]
    if llm:
        checks.append(asyncio.run(llm_check(settings)))
    else:
        checks.append(Check("ok", "llm call", "skipped (add --llm to make one tiny call to the model)"))
    for check in checks:
        typer.echo(check.line())
    failed = [c for c in checks if c.level == "FAIL"]
    typer.echo(f"{len(failed)} problem(s) to fix." if failed else "Ready: `taskrunner serve`.")
    if failed:
        raise typer.Exit(1)


def settings_checks(settings: Settings) -> list[Check]:
    """What the settings say: the model's credentials and whether serve may listen where it is told."""
    from app.security import InsecureBind, check_bind

    out = [Check("ok", "database url", safe_url(settings.database_url))]
    key = llm_key_state(settings)
    if key == "missing":
        provider = settings.llm_model.split("/", 1)[0]
        out.append(
            Check(
                "FAIL",
                "llm key",
                f"no key for {settings.llm_model}",
                f"set LLM_API_KEY (or {provider.upper()}_API_KEY), or LLM_API_BASE for a local OpenAI-compatible "
                "server; or choose another LLM_MODEL (e.g. ollama/llama3)",
            )
        )
    else:
        out.append(Check("ok", "llm", f"{settings.llm_model} (key {key})"))
    try:
        notice = check_bind(settings.host, bool(settings.api_key_list), allow_public=False)
    except InsecureBind as exc:
        out.append(Check("FAIL", "listen", exc.message, "set API_KEYS, or HOST=127.0.0.1"))
    else:
        mode = "API keys required" if settings.api_key_list else "no API_KEYS (stored keys also count)"
        out.append(Check("warn" if notice else "ok", "listen", f"{settings.host}:{settings.port}, {mode}"))
    return out


def database_check(settings: Settings) -> Check:
    """Whether the database answers and its schema is at the newest migration."""
    from sqlalchemy.exc import SQLAlchemyError

    from app.services.database import schema_revisions

    try:
        current, head = schema_revisions(settings.database_url)
    except (SQLAlchemyError, OSError) as exc:
        reason = str(exc).splitlines()[0]
        return Check("FAIL", "database", f"cannot connect: {reason}", "check DATABASE_URL and that the server runs")
    if current != head:
        return Check(
            "FAIL", "database", f"schema at {current or 'nothing'}, newest is {head}", "run `taskrunner migrate`"
        )
    return Check("ok", "database", f"reachable, schema up to date ({head})")


async def llm_check(settings: Settings) -> Check:
    """One tiny completion with the configured model."""
    from app.llm.base import LLMError, LLMNotConfigured
    from app.llm.litellm_client import LiteLLMClient

    client = LiteLLMClient(settings)
    started = time.perf_counter()
    try:
        await client.complete(
            [{"role": "user", "content": "Reply with the word OK."}],
            max_tokens=5,
            timeout=min(30.0, settings.llm_call_timeout_seconds),
        )
    except LLMNotConfigured as exc:
        return Check("FAIL", "llm call", exc.message, "set LLM_API_KEY / the provider's key, or LLM_API_BASE")
    except LLMError as exc:
        return Check("FAIL", "llm call", exc.message, "check LLM_MODEL, LLM_API_BASE and the key")
    finally:
        await client.aclose()
    return Check("ok", "llm call", f"{settings.llm_model} answered in {time.perf_counter() - started:.1f} s")
