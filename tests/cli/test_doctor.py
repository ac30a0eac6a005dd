"""`taskrunner doctor`: what is fine, what is not, and how to fix it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli.main import app as cli_app
from app.db.migrate import upgrade
from tests.support.openai_stub import OpenAIStub, openai_stub

__all__ = ["openai_stub"]


def _doctor(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], *args: str) -> tuple[int, str]:
    for name in ("LLM_API_KEY", "LLM_API_BASE", "OPENAI_API_KEY", "API_KEYS", "HOST"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(cli_app, ["doctor", *args])
    return result.exit_code, result.output


def test_unmigrated_database_and_missing_key_are_problems_with_fixes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/d.db"
    code, out = _doctor(monkeypatch, {"DATABASE_URL": url, "LLM_MODEL": "openai/gpt-4o-mini"})
    assert code == 1
    assert "FAIL  llm key: no key for openai/gpt-4o-mini" in out
    assert "FAIL  database: schema at nothing" in out and "fix: run `taskrunner migrate`" in out
    assert "2 problem(s) to fix." in out


def test_ready_with_a_tiny_model_call(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, openai_stub: OpenAIStub) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/d.db"
    upgrade(url)
    openai_stub.push_text("OK")
    env = {
        "DATABASE_URL": url,
        "LLM_MODEL": "openai/stub",
        "LLM_API_BASE": openai_stub.api_base,
        "LLM_API_KEY": "sk-doctor-test",
    }
    code, out = _doctor(monkeypatch, env, "--llm")
    assert code == 0, out
    assert "ok    database: reachable, schema up to date" in out
    assert "ok    llm call: openai/stub answered in" in out
    assert out.strip().endswith("Ready: `taskrunner serve`.")
    assert openai_stub.requests[0]["max_tokens"] == 5


def test_unreachable_model_and_public_bind_without_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, openai_stub: OpenAIStub
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/d.db"
    upgrade(url)
    openai_stub.push_error(401, "invalid api key")
    env = {
        "DATABASE_URL": url,
        "LLM_MODEL": "openai/stub",
        "LLM_API_BASE": openai_stub.api_base,
        "LLM_API_KEY": "sk-doctor-test",
        "HOST": "0.0.0.0",
    }
    code, out = _doctor(monkeypatch, env, "--llm")
    assert code == 1
    assert "FAIL  listen: Refusing to listen on 0.0.0.0 without API keys" in out
    assert "FAIL  llm call:" in out and "invalid api key" in out
