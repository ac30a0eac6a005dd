"""Rules-parser benchmark over the test corpus: time per phrase and coverage, with a baseline.

Run: ``.venv/bin/python bench/bench_nl.py [--rounds 200]``

Reported: median and p99 time of ``parse_with_rules`` per phrase (target p99 < 1 ms),
and coverage: the share of the corpus the rules answer (target >= 90%; the corpus
counts phrases only the LLM may answer, so the figure is honest). Baseline in the
same run: ``compile_schedule`` + ``next_fires(5)`` for the expected schedules, the
work every answer is followed by anyway; printed with the ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.nl import parse_with_rules
from app.schedules import compile_schedule
from app.schedules.spec import CronSpec, IntervalSpec, OnceSpec
from tests.nl.corpus import CORPUS


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()

    for case in CORPUS:  # warm caches (zone tables, compiled patterns) outside the timing
        parse_with_rules(case.text, default_timezone=case.default_timezone, now=case.now)

    samples: list[float] = []
    answered = 0
    for case in CORPUS:
        for _ in range(args.rounds):
            start = time.perf_counter_ns()
            result = parse_with_rules(case.text, default_timezone=case.default_timezone, now=case.now)
            samples.append((time.perf_counter_ns() - start) / 1e3)
        answered += result is not None

    specs = [(c, c.expect) for c in CORPUS if isinstance(c.expect, CronSpec | IntervalSpec | OnceSpec)]
    baseline: list[float] = []
    for case, spec in specs:
        for _ in range(args.rounds):
            start = time.perf_counter_ns()
            compile_schedule(spec, anchor=case.now).next_fires(case.now, 5)
            baseline.append((time.perf_counter_ns() - start) / 1e3)

    should = sum(1 for c in CORPUS if c.expect is not None)
    med, p99 = statistics.median(samples), pct(samples, 99)
    b_med, b_p99 = statistics.median(baseline), pct(baseline, 99)
    print(f"corpus: {len(CORPUS)} phrases, {args.rounds} rounds each")
    print(f"rules parser     per phrase: median {med:7.1f} us   p99 {p99:7.1f} us   max {max(samples):7.1f} us")
    print(f"baseline compile+next_fires(5): median {b_med:7.1f} us   p99 {b_p99:7.1f} us")
    print(f"ratio rules/baseline: median {med / b_med:.2f}x   p99 {p99 / b_p99:.2f}x")
    print(
        f"coverage: {answered}/{len(CORPUS)} = {answered / len(CORPUS):.1%} answered by rules "
        f"({should} of the corpus are meant for the rules, {len(CORPUS) - should} for the LLM)"
    )
    print(
        f"target p99 < 1000 us: {'met' if p99 < 1000 else 'MISSED'}; "
        f"target coverage >= 90%: {'met' if answered / len(CORPUS) >= 0.9 else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
