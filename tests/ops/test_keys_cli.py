"""``taskrunner keys create|list|revoke`` against a live server with key auth."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog
import uvicorn

from tests.cli.conftest import Cli
from tests.ops.conftest import free_port, ops_app


def ensure_keys_command() -> None:
    """Register ``keys`` on the ``taskrunner`` app until app/cli/main.py does it itself."""
    from app.cli import keys
    from app.cli.main import app as cli_app

    if not any(g.name == "keys" for g in cli_app.registered_groups):
        cli_app.add_typer(keys.app, name="keys")


@pytest.fixture
def cli(db_url: str, tmp_path: Path) -> Iterator[Cli]:
    ensure_keys_command()
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(ops_app(db_url), host="127.0.0.1", port=port, log_config=None, access_log=False, lifespan="on")
    )
    thread = threading.Thread(target=server.run, name="live-taskrunner-ops", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        with structlog.testing.capture_logs():
            yield Cli(url=f"http://127.0.0.1:{port}", state_dir=tmp_path / "state")
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def test_keys_create_list_revoke(cli: Cli) -> None:
    created = cli("keys", "create", "--name", "laptop")
    assert created.exit_code == 0, created.output
    secret = created.output.strip().splitlines()[-1]
    assert secret.startswith("trk_")
    assert "not shown again" in created.output

    # The server now wants a key.
    refused = cli("keys", "list")
    assert refused.exit_code == 1
    assert "unauthorized" in refused.output

    listed = cli("keys", "list", "--api-key", secret)
    assert listed.exit_code == 0, listed.output
    assert "laptop" in listed.output
    assert secret[:8] in listed.output
    assert secret not in listed.output

    second = cli("keys", "create", "--name", "ci", "--json", "--api-key", secret)
    assert second.exit_code == 0, second.output
    ci = json.loads(second.output)
    assert ci["key"].startswith("trk_")

    revoked = cli("keys", "revoke", str(ci["id"]), "--api-key", secret)
    assert revoked.exit_code == 0, revoked.output
    assert f"Revoked API key {ci['id']}" in revoked.output
    after = cli("task", "list", "--api-key", ci["key"])
    assert after.exit_code == 1
    assert "unauthorized" in after.output

    as_json = json.loads(cli("keys", "list", "--json", "--api-key", secret).output)
    assert [(k["name"], k["revoked_at"] is not None) for k in as_json["items"]] == [
        ("laptop", False),
        ("ci", True),
    ]
    missing = cli("keys", "revoke", "999", "--api-key", secret)
    assert missing.exit_code == 1
    assert "not_found" in missing.output
