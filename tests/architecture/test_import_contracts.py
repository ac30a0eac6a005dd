"""The layer arrows of the design, checked by import-linter (.importlinter), and proof that they bite."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT = Path(sys.executable).with_name("lint-imports")


def lint(where: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(where)}
    return subprocess.run(
        [str(LINT), "--no-cache", str(where / ".importlinter")],
        cwd=where,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def verdicts(output: str) -> dict[str, str]:
    """Each contract's KEPT or BROKEN from the summary (long names wrap onto a second line)."""
    summary = output.split("dependencies.", 1)[1].split("Contracts:", 1)[0]
    flat = " ".join(line.strip() for line in summary.splitlines() if line.strip() and not line.startswith("---"))
    found = re.findall(r"(.+?) (KEPT|BROKEN)(?: \(\d+ ignored imports?\))?", flat)
    return {next(c for c in CONTRACTS if name.strip().startswith(c)): verdict for name, verdict in found}


CONTRACTS = (
    "Layers",
    "No client imports db/",
    "scheduler/, workers/ and runner/",
    "FastAPI only in api/",
    "litellm only in llm/",
)


def test_the_code_keeps_every_contract() -> None:
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert verdicts(result.stdout) == dict.fromkeys(CONTRACTS, "KEPT")


@pytest.mark.parametrize(
    ("module", "source", "contract"),
    [
        ("app/mcp/shortcut.py", "from app.db.models import Task\n", "No client imports db/"),
        ("app/workers/shortcut.py", "import app.api.deps\n", "scheduler/, workers/ and runner/"),
        ("app/services/shortcut.py", "import litellm\n", "litellm only in llm/"),
        ("app/services/upward.py", "import app.tools\n", "Layers"),
    ],
)
def test_a_deliberate_violation_breaks_its_contract(tmp_path: Path, module: str, source: str, contract: str) -> None:
    shutil.copytree(ROOT / "app", tmp_path / "app", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / ".importlinter", tmp_path / ".importlinter")
    (tmp_path / module).write_text(source)
    result = lint(tmp_path)
    assert result.returncode != 0
    assert verdicts(result.stdout)[contract] == "BROKEN", result.stdout
