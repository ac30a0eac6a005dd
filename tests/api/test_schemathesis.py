"""Property-based: whatever a client sends that the OpenAPI document allows (or not), never a 5xx,
and every answer matches the documented contract.

Schemathesis generates valid and invalid requests for every operation from the
app's own OpenAPI document (the source of docs/openapi.json) and sends them over
real HTTP to a live server, on SQLite and PostgreSQL. Any 5xx fails, except the
documented 503 ``llm_unavailable`` (no LLM is configured here, so plain words
that need one say so). Every answer that is not a success must carry our error
envelope. Each answer must be a documented status for its operation, with a
documented content type and a body that validates against the documented schema.
One run checks both, so each operation's requests are generated and sent once.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.api.app import create_app
from app.config import Settings
from app.services.notifier import NullListener
from tests.support.live_server import serve_in_thread

EXAMPLES_PER_OPERATION = 20
CONTRACT_CHECKS = [status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def live_base(db_url: str) -> Iterator[str]:
    settings = Settings(
        database_url=db_url,
        scheduler_enabled=False,
        llm_model="openai/not-configured",
        llm_api_base="http://127.0.0.1:9/v1",  # nothing listens: the LLM is "down"
        llm_api_key="unused",
    )
    with serve_in_thread(create_app(settings, listener=NullListener())) as base:
        yield base


def _openapi_document() -> dict[str, Any]:
    """The document the app serves (it does not depend on the database or the lifespan)."""
    settings = Settings(database_url="sqlite+aiosqlite:///:memory:", scheduler_enabled=False)
    return create_app(settings, listener=NullListener()).openapi()


schema = schemathesis.openapi.from_dict(_openapi_document())


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_no_server_error_and_every_answer_matches_the_documented_contract(case: Any, live_base: str) -> None:
    response = case.call(base_url=live_base, timeout=30)
    status = response.status_code
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    if status >= 500:
        code = body["error"]["code"] if isinstance(body, dict) and "error" in body else None
        assert (status, code) == (503, "llm_unavailable"), (
            f"{case.method} {case.formatted_path} answered {status}: {response.text[:500]}\n{case.as_curl_command()}"
        )
    if status >= 400:
        assert isinstance(body, dict), f"{status} without our JSON envelope: {response.text[:300]}"
        assert set(body["error"]) == {"code", "message", "details"}, body
    case.validate_response(response, checks=CONTRACT_CHECKS)
