"""Plain-words benchmark: correctness on held-out phrasings, rules speed, and the LLM path under wrong answers.

Run: ``.venv/bin/python bench/bench_nl.py [--rounds 50]``

1. LLM down: each held-out batch (``tests/nl/heldout.py``: phrasings the rules were not
   written from) is read by the rules alone; reported: % correct, questions (acceptable
   misses) and WRONG schedules (target >= 85 % correct, 0 wrong). The generated families
   and the regression corpus are reported the same way.
2. Speed: ``parse_with_rules`` per phrase in-process over every phrase above, median and
   p99 (target p99 < 1 ms); baseline in the same run: ``compile_schedule`` +
   ``next_fires(5)`` for the same schedules, the work every answer is followed by anyway.
3. LLM up, adversarial: every phrase the rules do not answer goes to the real LLM path
   (litellm -> a local OpenAI-protocol server) scripted to answer WRONG every time (an
   hour off, a minute off, the zone dropped to UTC, an abbreviation for a zone, an interval
   for a clock time, a schedule for a non-schedule); reported: answers saved that
   contradict the text (target 0). Then the same server answers RIGHT: reported, the
   right answers accepted (the checks must not reject what the text says).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from app.config import Settings
from app.errors import TaskRunnerError
from app.nl import parse_description, parse_with_rules
from app.schedules import compile_schedule
from app.schedules.spec import CronSpec, IntervalSpec, OnceSpec
from bench.common import pct
from tests.nl.corpus import CORPUS
from tests.nl.families import generated
from tests.nl.heldout import HELD_OUT, HELD_OUT_2, Held
from tests.nl.scoring import same_schedule, verdict
from tests.support.openai_stub import OpenAIStub, Reply

Spec = CronSpec | OnceSpec | IntervalSpec


def score(batch: list[Held]) -> Counter[str]:
    out: Counter[str] = Counter()
    for held in batch:
        parsed = parse_with_rules(held.text, default_timezone=held.default_timezone, now=held.now)
        out[verdict(held, parsed)[0]] += 1
    return out


def line(name: str, counts: Counter[str]) -> str:
    total = sum(counts.values())
    return (
        f"{name:<24} {total:5d} phrases: {counts['correct'] / total:6.1%} correct, "
        f"{counts['miss']:3d} questions, {counts['wrong']:2d} WRONG"
    )


def corpus_as_held() -> list[Held]:
    out: list[Held] = []
    for case in CORPUS:
        if isinstance(case.expect, type):
            continue
        ok = () if case.expect is None else (case.expect,)
        out.append(Held(case.text, ok, case.default_timezone, case.now, case.instructions))
    return out


# -- wrong answers, as a model might give them -----------------------------------------------


def _args(spec: Spec | None, **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "kind": "cron", "cron": "0 9 * * *", "at": None, "every_seconds": None, "timezone": "UTC",
        "instructions": "do it", "name": "do it", "assumptions": [], "question": None,
    }  # fmt: skip
    if isinstance(spec, CronSpec):
        base.update(kind="cron", cron=spec.cron, timezone=spec.timezone)
    elif isinstance(spec, OnceSpec):
        base.update(kind="once", cron=None, at=spec.at.replace(tzinfo=None).isoformat(), timezone=spec.timezone)
    elif isinstance(spec, IntervalSpec):
        base.update(kind="interval", cron=None, every_seconds=spec.every_seconds, timezone=spec.timezone)
    return {**base, **extra}


def wrong_answers(held: Held) -> list[dict[str, Any]]:
    """Three wrong answers for ``held`` (one per call: the first and the two repairs)."""
    if not held.ok:
        return [
            _args(None),
            _args(None, cron="*/5 * * * *"),
            _args(None, kind="interval", cron=None, every_seconds=3600),
        ]
    spec = held.ok[0]
    out: list[dict[str, Any]] = []
    if isinstance(spec, CronSpec):
        m, h, dom, mon, dow = spec.cron.split()
        hour = str((int(h) + 1) % 24) if h.isdigit() else h
        minute = str((int(m) + 15) % 60) if m.isdigit() else m
        out.append(
            _args(spec, cron=f"{m} {hour} {dom} {mon} {dow}" if hour != h else f"{minute} {h} {dom} {mon} {dow}")
        )
        out.append(_args(spec, timezone="UTC" if spec.timezone != "UTC" else "America/New_York"))
        out.append(_args(spec, cron=f"{m} {h} {dom} {mon} *" if dow != "*" else f"{minute} {h} {dom} {mon} {dow}"))
    elif isinstance(spec, OnceSpec):
        at = spec.at.replace(tzinfo=None)
        out.append(_args(spec, at=at.replace(hour=(at.hour + 1) % 24).isoformat()))
        out.append(_args(spec, timezone="UTC" if spec.timezone != "UTC" else "EST"))
        out.append(_args(spec, at=at.replace(minute=(at.minute + 15) % 60).isoformat()))
    else:
        out.append(_args(spec, every_seconds=spec.every_seconds * 2))
        out.append(_args(spec, kind="cron", every_seconds=None, cron="0 9 * * *"))
        out.append(_args(spec, every_seconds=spec.every_seconds + 60))
    return out


async def llm_round(stub: OpenAIStub, cases: list[Held], *, right: bool, unknown: set[str]) -> Counter[str]:
    """``unknown``: phrases whose right answer is not written down (the corpus's "LLM's job" rows)."""
    from app.llm.litellm_client import LiteLLMClient

    llm = LiteLLMClient(Settings(llm_model="openai/bench", llm_api_base=stub.api_base, llm_api_key="sk-bench"))
    out: Counter[str] = Counter()
    for held in cases:
        script = [_args(held.ok[0])] if right and held.ok else wrong_answers(held)
        for args in script:
            stub.push(Reply(tool_calls=(("set_schedule", args),)))
        try:
            parsed = await parse_description(
                held.text, default_timezone=held.default_timezone, now=held.now, llm=llm, model="openai/bench"
            )
        except TaskRunnerError as exc:
            out[f"question ({exc.code})"] += 1
        else:
            if parsed.parser == "rules":
                out["answered by the rules"] += 1
            elif held.ok and any(same_schedule(parsed.schedule, ok, held) for ok in held.ok):
                out["saved, agrees with the text"] += 1
            elif held.text in unknown:
                out["saved, no known right answer, every fact checked holds"] += 1
            elif not held.ok and any("the model chose" in a for a in parsed.assumptions):
                out["saved, no time in the text: the chosen time is said"] += 1
            else:
                out["SAVED, CONTRADICTS THE TEXT"] += 1
        while stub.pending:  # unused scripted answers must not leak into the next phrase
            stub._queue.popleft()
    await llm.aclose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    families = [h for _, h in generated()]
    corpus = corpus_as_held()

    print("1. LLM down: the rules alone")
    for name, batch in (("held-out", HELD_OUT), ("held-out-2", HELD_OUT_2),
                        ("generated families", families), ("regression corpus", corpus)):  # fmt: skip
        print("   " + line(name, score(batch)))

    everything = HELD_OUT + HELD_OUT_2 + families + corpus
    for held in everything:  # warm caches (zone tables, compiled patterns) outside the timing
        parse_with_rules(held.text, default_timezone=held.default_timezone, now=held.now)
    samples: list[float] = []
    per_phrase: list[float] = []  # each phrase's median over the rounds: robust to other processes' load
    for held in everything:
        mine: list[float] = []
        for _ in range(args.rounds):
            start = time.perf_counter_ns()
            parse_with_rules(held.text, default_timezone=held.default_timezone, now=held.now)
            mine.append((time.perf_counter_ns() - start) / 1e3)
        samples.extend(mine)
        per_phrase.append(statistics.median(mine))
    baseline: list[float] = []
    for held in everything:
        for spec in held.ok[:1]:
            for _ in range(args.rounds):
                start = time.perf_counter_ns()
                compile_schedule(spec, anchor=held.now).next_fires(held.now, 5)
                baseline.append((time.perf_counter_ns() - start) / 1e3)
    med, p99 = statistics.median(samples), pct(samples, 99)
    b_med, b_p99 = statistics.median(baseline), pct(baseline, 99)
    print(f"2. speed: {len(everything)} phrases x {args.rounds} rounds")
    p99_phrase = pct(per_phrase, 99)
    print(f"   rules parser, every call:       median {med:7.1f} us   p99 {p99:7.1f} us   max {max(samples):8.1f} us")
    print(
        f"   rules parser, per phrase (median of its rounds): p99 {p99_phrase:7.1f} us   max {max(per_phrase):7.1f} us"
    )
    print(f"   baseline compile+next_fires(5): median {b_med:7.1f} us   p99 {b_p99:7.1f} us")
    print(f"   ratio rules/baseline: median {med / b_med:.2f}x   p99 {p99 / b_p99:.2f}x;"
          f" target p99 < 1000 us: every call {'met' if p99 < 1000 else 'MISSED'},"
          f" per phrase {'met' if p99_phrase < 1000 else 'MISSED'}")  # fmt: skip

    refused = [
        h
        for h in HELD_OUT + HELD_OUT_2 + corpus
        if parse_with_rules(h.text, default_timezone=h.default_timezone, now=h.now) is None
    ]
    with OpenAIStub() as stub:
        unknown = {h.text for h in corpus if not h.ok}
        wrong = asyncio.run(llm_round(stub, refused, right=False, unknown=unknown))
        right = asyncio.run(llm_round(stub, [h for h in refused if h.ok], right=True, unknown=unknown))
    print(f"3. LLM up: {len(refused)} phrases the rules leave to the LLM")
    print("   model answers WRONG every time: " + ", ".join(f"{k}: {v}" for k, v in sorted(wrong.items())))
    print("   model answers RIGHT:            " + ", ".join(f"{k}: {v}" for k, v in sorted(right.items())))
    print(f"   target 0 saved answers contradicting the text: "
          f"{'met' if not wrong['SAVED, CONTRADICTS THE TEXT'] else 'MISSED'}")  # fmt: skip


if __name__ == "__main__":
    main()
