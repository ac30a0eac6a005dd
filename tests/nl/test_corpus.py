"""The rules parser over the shared corpus: compared by the next fire times, never by spelling."""

from __future__ import annotations

import pytest

from app.nl import parse_description, parse_with_rules
from app.schedules import compile_schedule
from tests.nl.corpus import CORPUS, Case


def _fires(case: Case, spec: object) -> list[str]:
    compiled = compile_schedule(spec, anchor=case.now)  # type: ignore[arg-type]
    return [t.isoformat() for t in compiled.next_fires(case.now, 48)]


@pytest.mark.parametrize("case", CORPUS, ids=[c.text[:60] for c in CORPUS])
async def test_corpus(case: Case) -> None:
    if isinstance(case.expect, type):
        with pytest.raises(case.expect):
            await parse_description(case.text, default_timezone=case.default_timezone, now=case.now, llm=None)
        return
    parsed = parse_with_rules(case.text, default_timezone=case.default_timezone, now=case.now)
    if case.expect is None:
        assert parsed is None, f"rules must refuse, read {parsed and parsed.schedule}"
        return
    assert parsed is not None, "rules refused"
    assert parsed.parser == "rules"
    assert parsed.schedule.timezone == case.expect.timezone or parsed.schedule.kind == "interval"
    assert _fires(case, parsed.schedule) == _fires(case, case.expect)
    if case.instructions is not None:
        assert parsed.instructions == case.instructions
    assert len(parsed.name) <= 60
    # The full entry point agrees with the rules and validates the result.
    full = await parse_description(case.text, default_timezone=case.default_timezone, now=case.now, llm=None)
    assert full == parsed


def test_corpus_is_large_and_honest() -> None:
    assert len(CORPUS) >= 150
    refused = sum(1 for c in CORPUS if c.expect is None)
    assert refused >= 30  # phrases only the LLM may answer are counted, so coverage is honest
