"""Real ``taskrunner`` processes (``serve``, ``worker``) on a free loopback port, for end-to-end tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import httpx

from tests.support.live_server import free_port

ROOT = Path(__file__).resolve().parents[2]


def wait_for(predicate: Callable[[], object], timeout: float, what: str) -> None:
    """Poll ``predicate`` until it is true; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def answers_ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


class TaskrunnerProcess:
    """``taskrunner <args>`` with ``env`` over ours (``None`` unsets a variable), listening on its own
    port; output goes to ``log`` (stderr to ``stderr`` when given)."""

    def __init__(
        self, args: Sequence[str], log: Path, env: Mapping[str, str | None], *, stderr: Path | None = None
    ) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        merged = {
            **os.environ,
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "LOG_FORMAT": "json",
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            **env,
        }
        full_env = {name: value for name, value in merged.items() if value is not None}
        self.log_path = log
        self.log = log.open("w")
        self.err = stderr.open("w") if stderr is not None else self.log
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli.main", *args], cwd=ROOT, env=full_env, stdout=self.log, stderr=self.err
        )

    def wait_ready(self, timeout: float = 30) -> None:
        """Until ``/readyz`` answers 200; fails at once (with the log's tail) if the process exits first."""
        deadline = time.monotonic() + timeout
        while not answers_ok(self.base + "/readyz"):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{self.base} never became ready: {self.log_path.read_text()[-2000:]}")
            time.sleep(0.1)

    def role(self) -> str:
        """``leader`` or ``standby``: the scheduler check of ``/readyz``."""
        return str(httpx.get(self.base + "/readyz", timeout=5).json()["checks"]["scheduler"])

    def send(self, sig: int) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
        """Signal the process (if still running), wait for it and return its exit code."""
        self.send(sig)
        code = self.proc.wait(timeout)
        self.log.close()
        self.err.close()
        return code


class Instance(TaskrunnerProcess):
    """``taskrunner serve`` on ``url`` with no LLM configured: each run fails at once."""

    def __init__(self, url: str, log: Path) -> None:
        # OPENAI_API_KEY unset, not empty: an empty key passes litellm's check, then every run retries
        # the SDK's "Missing credentials" as transient for seconds, and a graceful stop waits for them.
        env = {"DATABASE_URL": url, "LLM_MODEL": "openai/not-configured", "OPENAI_API_KEY": None}
        super().__init__(["serve"], log, env)


def leader_and_standby(a: TaskrunnerProcess, b: TaskrunnerProcess) -> tuple[TaskrunnerProcess, TaskrunnerProcess]:
    """Once one of two serving processes leads and the other stands by: (leader, standby)."""
    wait_for(lambda: {a.role(), b.role()} == {"leader", "standby"}, 15, "one leader and one standby")
    return (a, b) if a.role() == "leader" else (b, a)
