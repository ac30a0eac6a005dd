"""A real installed package registering ``taskrunner.functions``: a module and its ``*.dist-info`` on sys.path.

``importlib.metadata`` finds the entry points the way it finds any installed
package's, so discovery, loading and calling are exercised for real.
"""

from __future__ import annotations

import importlib
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

MODULE_SOURCE = '''
"""Functions for taskrunner tests."""

import asyncio
import time


def echo(call):
    """Answer the call's task, window and inputs as JSON.

    More text that is not the summary.
    """
    return {
        "task_id": call.task_id,
        "execution_id": call.execution_id,
        "scheduled_for": call.scheduled_for.isoformat(),
        "window_start": call.window_start.isoformat() if call.window_start else None,
        "window_end": call.window_end.isoformat(),
        "inputs": dict(call.inputs),
    }


async def greet(call):
    """Say hello, asynchronously."""
    await asyncio.sleep(0)
    return "hello from " + call.task_name


def boom(call):
    raise ValueError("the data is bad")


async def slow(call):
    await asyncio.sleep(30)
    return "too late"


def sleepy(call):
    time.sleep(1.6)
    return "too late"


def opaque(call):
    return object()


def huge(call):
    return "x" * 300_000


NOT_CALLABLE = 42
'''

FUNCTIONS = {
    "echo": "echo",
    "greet": "greet",
    "boom": "boom",
    "slow": "slow",
    "sleepy": "sleepy",
    "opaque": "opaque",
    "huge": "huge",
    "not-callable": "NOT_CALLABLE",
}


@contextmanager
def installed_functions(root: Path, functions: dict[str, str] | None = None) -> Iterator[str]:
    """Install a package registering ``functions`` (name -> attribute of its module); yields the module name."""
    module = f"trk_testfns_{uuid.uuid4().hex[:8]}"
    (root / f"{module}.py").write_text(MODULE_SOURCE)
    dist = root / f"{module}-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 1.0\n")
    lines = [f"{name} = {module}:{attr}" for name, attr in (functions or FUNCTIONS).items()]
    (dist / "entry_points.txt").write_text("[taskrunner.functions]\n" + "\n".join(lines) + "\n")
    sys.path.insert(0, str(root))
    importlib.invalidate_caches()
    try:
        yield module
    finally:
        sys.path.remove(str(root))
        sys.modules.pop(module, None)
        importlib.invalidate_caches()


__all__ = ["FUNCTIONS", "installed_functions"]
