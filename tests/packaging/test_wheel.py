"""The wheel is enough: built, installed from the runtime lock in an empty virtualenv, it migrates and serves."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import httpx
import pytest

from tests.support.live_server import free_port

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def _run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{args} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    build = tmp_path_factory.mktemp("build")
    # Build from a copy so the work tree gets no build/ or egg-info litter.
    source = build / "src"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(".git", ".venv", "build", "*.egg-info", "__pycache__", ".*_cache", "data"),
    )
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", out, ".", cwd=source)
    (found,) = out.glob("taskrunner-*.whl")
    return found


def test_wheel_carries_every_migration(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    shipped = {Path(n).name for n in names if n.startswith("app/migrations/versions/") and n.endswith(".py")}
    assert shipped == {p.name for p in (ROOT / "alembic" / "versions").glob("*.py")}
    assert {"app/migrations/env.py", "app/migrations/script.py.mako"} <= set(names)


def test_fresh_virtualenv_migrates_and_serves(wheel: Path, tmp_path: Path) -> None:
    uv = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")
    if uv is None:
        pytest.skip("uv (in the dev lock) is not installed")
    venv = tmp_path / "venv"
    _run(uv, "venv", "--quiet", "--python", sys.executable, venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    _run(
        uv,
        "pip",
        "install",
        "--quiet",
        "--python",
        python,
        "--require-hashes",
        "-r",
        ROOT / "requirements" / "runtime.lock",
        cwd=tmp_path,
    )
    _run(uv, "pip", "install", "--quiet", "--python", python, "--no-deps", wheel, cwd=tmp_path)

    port = free_port()
    env = {
        "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/fresh.db",
        "PORT": str(port),
        "LOG_FORMAT": "json",
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    }
    work = tmp_path / "elsewhere"  # not the source tree: only the installed package is importable
    work.mkdir()
    assert "database is up to date" in _run(venv / "bin" / "taskrunner", "migrate", cwd=work, env=env)

    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen([str(venv / "bin" / "taskrunner"), "serve"], cwd=work, env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                ready = httpx.get(base + "/readyz", timeout=1)
                if ready.status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None and time.time() < deadline, (tmp_path / "serve.log").read_text()
            time.sleep(0.3)
        assert ready.json()["checks"]["database"] == "ok"
        created = httpx.post(
            base + "/api/tasks",
            json={"name": "n", "instructions": "i", "schedule": {"kind": "cron", "cron": "0 9 * * *"}},
        )
        assert created.status_code == 201, created.text
        assert httpx.get(base + "/openapi.json").json()["paths"]["/api/tasks"]["post"]["operationId"] == "createTask"
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(60)
        log.close()
    assert code == 0, (tmp_path / "serve.log").read_text()
    assert os.path.exists(tmp_path / "fresh.db")
