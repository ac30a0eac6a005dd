"""Held-out phrasings and the generated families: a WRONG schedule is a failing test; a question is a miss."""

from __future__ import annotations

import pytest

from tests.nl.families import generated
from tests.nl.heldout import HELD_OUT, HELD_OUT_2, Held
from tests.nl.scoring import judge

_GENERATED = generated()


@pytest.mark.parametrize("held", HELD_OUT + HELD_OUT_2, ids=[h.text[:60] for h in HELD_OUT + HELD_OUT_2])
def test_held_out_never_wrong(held: Held) -> None:
    verdict, why = judge(held)
    assert verdict != "wrong", why


@pytest.mark.parametrize("batch", [HELD_OUT, HELD_OUT_2], ids=["held-out", "held-out-2"])
def test_held_out_mostly_answered(batch: list[Held]) -> None:
    correct = sum(judge(h)[0] == "correct" for h in batch)
    assert correct / len(batch) >= 0.85


@pytest.mark.parametrize(("family", "held"), _GENERATED, ids=[f"{f}: {h.text[:50]}" for f, h in _GENERATED])
def test_generated_family(family: str, held: Held) -> None:
    verdict, why = judge(held)
    assert verdict != "wrong", why
    if held.ok:  # the families are what the rules are built for: answered, not only not wrong
        assert verdict == "correct", "rules asked a question"


def test_families_are_large() -> None:
    assert len(_GENERATED) >= 500
    assert len({f for f, _ in _GENERATED}) >= 10
