"""Scoring a rules answer against a held-out phrase: correct, an acceptable miss (a question), or WRONG."""

from __future__ import annotations

from typing import Literal

from app.nl import parse_with_rules
from app.nl.result import ParsedDescription
from app.schedules import compile_schedule
from tests.nl.heldout import Held, Spec

Verdict = Literal["correct", "miss", "wrong"]


def fires(spec: Spec, held: Held, count: int = 60) -> list[str]:
    compiled = compile_schedule(spec, anchor=held.now)
    return [t.astimezone(compiled.tz).isoformat() for t in compiled.next_fires(held.now, count)]


def same_schedule(a: Spec, b: Spec, held: Held) -> bool:
    return fires(a, held) == fires(b, held)


def verdict(held: Held, parsed: ParsedDescription | None) -> tuple[Verdict, str]:
    """The verdict on ``parsed`` (None: the rules asked) and why."""
    if parsed is None:
        return ("correct" if not held.ok else "miss"), ""
    if not held.ok:
        return "wrong", f"answered {parsed.schedule!r} where only a question is right"
    if not any(same_schedule(parsed.schedule, ok, held) for ok in held.ok):
        return "wrong", f"read as {parsed.schedule!r}, expected one of {held.ok!r}"
    if held.instructions is not None and parsed.instructions != held.instructions:
        return "wrong", f"instructions {parsed.instructions!r}, expected {held.instructions!r}"
    lost = [w for w in held.keeps if w.lower() not in parsed.instructions.lower()]
    if lost:
        return "wrong", f"instructions {parsed.instructions!r} lost {lost!r}"
    return "correct", ""


def judge(held: Held) -> tuple[Verdict, str]:
    parsed = parse_with_rules(held.text, default_timezone=held.default_timezone, now=held.now)
    return verdict(held, parsed)
