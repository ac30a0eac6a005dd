"""Property-based: every answer matches the documented contract (status code, content type, body schema).

Schemathesis sends valid and invalid requests built from docs/openapi.json's own
source (the app's document) to a live server; each answer must be a documented
status for its operation, with a documented content type and a body that
validates against the documented schema (our error envelope for errors).
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

EXAMPLES_PER_OPERATION = 8
CHECKS = [status_code_conformance, content_type_conformance, response_schema_conformance]


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


def _document() -> dict[str, Any]:
    settings = Settings(database_url="sqlite+aiosqlite:///:memory:", scheduler_enabled=False)
    return create_app(settings, listener=NullListener()).openapi()


schema = schemathesis.openapi.from_dict(_document())


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_every_answer_matches_the_documented_contract(case: Any, live_base: str) -> None:
    response = case.call(base_url=live_base, timeout=30)
    case.validate_response(response, checks=CHECKS)
