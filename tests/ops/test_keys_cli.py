"""``taskrunner keys create|list|revoke`` against a live server with key auth."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.conftest import Cli
from tests.ops.conftest import ops_app
from tests.support.live_server import serve_in_thread


@pytest.fixture
def cli(db_url: str, tmp_path: Path) -> Iterator[Cli]:
    with serve_in_thread(ops_app(db_url)) as url:
        yield Cli(url=url, state_dir=tmp_path / "state")


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
