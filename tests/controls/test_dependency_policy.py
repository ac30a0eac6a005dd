"""The pure dependency rules: which ends count, when an `all` set is complete, which cycle an edge closes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.controls.dependencies import UpstreamEnd, completing_end, describe_cycle, find_cycle, matches
from app.vocabulary import ExecutionStatus

T0 = datetime(2026, 11, 23, 8, tzinfo=UTC)


@pytest.mark.parametrize(
    ("on", "status", "expected"),
    [
        ("succeeded", "succeeded", True),
        ("succeeded", "failed", False),
        ("failed", "failed", True),
        ("failed", "timed_out", True),
        ("failed", "interrupted", True),
        ("failed", "succeeded", False),
        ("failed", "cancelled", False),
        ("finished", "succeeded", True),
        ("finished", "timed_out", True),
        ("finished", "cancelled", False),
        ("finished", "skipped", False),
        ("finished", "missed", False),
        ("finished", "queued", False),
    ],
)
def test_which_ends_count(on: str, status: str, expected: bool) -> None:
    assert matches(on, status) is expected


def _end(execution_id: int, task_id: int, minutes: int) -> UpstreamEnd:
    return UpstreamEnd(
        execution_id=execution_id,
        task_id=task_id,
        status=ExecutionStatus.SUCCEEDED,
        finished_at=T0 + timedelta(minutes=minutes),
    )


def test_an_all_set_completes_with_the_latest_first_end() -> None:
    assert completing_end([1, 2], {1: _end(10, 1, 5)}) is None
    assert completing_end([], {}) is None
    done = completing_end([1, 2, 3], {1: _end(10, 1, 5), 2: _end(11, 2, 9), 3: _end(12, 3, 1)})
    assert done is not None and done.execution_id == 11
    # Ends at the same instant: the later record decides, so the answer never depends on order.
    tie = completing_end([1, 2], {2: _end(21, 2, 3), 1: _end(20, 1, 3)})
    assert tie is not None and tie.execution_id == 21


@pytest.mark.parametrize(
    ("task_id", "upstreams", "graph", "cycle"),
    [
        (1, [1], {}, [1, 1]),  # itself
        (1, [2], {}, None),
        (1, [2], {2: [1]}, [1, 2, 1]),  # direct: 2 runs after 1 already
        (1, [2], {2: [3], 3: [1]}, [1, 3, 2, 1]),  # indirect: 3 after 1, 2 after 3
        (1, [2, 4], {2: [3], 4: [5], 5: [1]}, [1, 5, 4, 1]),
        (1, [2], {2: [3], 3: [4]}, None),
        (1, [2, 3], {2: [4], 3: [4]}, None),  # a diamond is no cycle
        (1, [2], {1: [2], 2: []}, None),  # its own old edges do not count (they are replaced)
    ],
)
def test_cycles_are_found_in_run_order(
    task_id: int, upstreams: list[int], graph: dict[int, list[int]], cycle: list[int] | None
) -> None:
    assert find_cycle(task_id, upstreams, graph) == cycle


def test_a_cycle_in_words() -> None:
    assert describe_cycle([3, 5, 3], {3: "fetch", 5: "report"}) == "task 3 'fetch' → task 5 'report' → task 3 'fetch'"
