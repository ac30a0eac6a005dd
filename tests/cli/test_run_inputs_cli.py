"""``taskrunner task run`` with inputs, an idempotency key and ``--wait``."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from pathlib import Path

import pytest

from app.db.engine import create_engine, create_sessionmaker
from app.db.repositories import ExecutionRepository, FireRow
from app.vocabulary import Trigger
from tests.cli.conftest import Cli, Live, insert_runs
from tests.cli.test_tasks_cli import create, one_error_line
from tests.scheduler.conftest import START


def test_inputs_from_flags_and_a_file(cli: Cli, tmp_path: Path) -> None:
    create(cli)
    data = tmp_path / "in.json"
    data.write_text(json.dumps({"ticket": "INC-9", "priority": 2}))
    result = cli(
        "task", "run", "1", "--input-json", str(data), "--input", "priority=high", "--input", "x=a=b", "--json"
    )
    assert result.exit_code == 0, result.output
    run = json.loads(result.stdout)
    assert run["inputs"] == {"ticket": "INC-9", "priority": "high", "x": "a=b"}
    shown = cli("runs", "show", str(run["id"]))
    assert shown.exit_code == 0 and '"ticket": "INC-9"' in shown.stdout


def test_bad_inputs_are_one_line(cli: Cli, tmp_path: Path) -> None:
    create(cli)
    assert "KEY=VALUE" in one_error_line(cli("task", "run", "1", "--input", "novalue"))
    listed = tmp_path / "list.json"
    listed.write_text("[1, 2]")
    assert "JSON object" in one_error_line(cli("task", "run", "1", "--input-json", str(listed)))
    assert "cannot read" in one_error_line(cli("task", "run", "1", "--input-json", str(tmp_path / "missing.json")))


def test_wait_prints_output_and_exit_code_follows_status(cli: Cli, live: Live) -> None:
    create(cli)
    fire = FireRow(task_id=1, scheduled_for=START, trigger=Trigger.MANUAL, status="queued", idempotency_key="done")
    insert_runs(live.db_url, [(fire, {"status": "succeeded", "output": "all quiet", "finished_at": START})])
    ok = cli("task", "run", "1", "--idempotency-key", "done", "--wait")
    assert ok.exit_code == 0, ok.output
    assert "all quiet" in ok.stdout and "succeeded" in ok.stdout

    create(cli)
    fire = FireRow(task_id=2, scheduled_for=START, trigger=Trigger.MANUAL, status="queued", idempotency_key="bad")
    insert_runs(live.db_url, [(fire, {"status": "failed", "error": "model refused", "finished_at": START})])
    failed = cli("task", "run", "2", "--idempotency-key", "bad", "--wait")
    assert failed.exit_code == 1 and "failed (model refused)" in failed.stdout


def test_wait_polls_until_the_run_ends(cli: Cli, live: Live) -> None:
    create(cli)

    async def finish_when_queued() -> None:
        engine = create_engine(live.db_url)
        try:
            for _ in range(100):
                async with create_sessionmaker(engine)() as session:
                    repo = ExecutionRepository(session)
                    queued = await repo.queued()
                    if queued:
                        await repo.update_many([{"id": queued[0].id, "status": "succeeded", "output": "finished"}])
                        await session.commit()
                        return
                await asyncio.sleep(0.1)
        finally:
            await engine.dispose()

    finisher = threading.Thread(target=lambda: asyncio.run(finish_when_queued()))
    finisher.start()
    started = time.monotonic()
    result = cli("task", "run", "1", "--input", "k=v", "--wait", "--json")
    finisher.join()
    assert result.exit_code == 0, result.output
    run = json.loads(result.stdout)
    assert run["status"] == "succeeded" and run["output"] == "finished" and run["inputs"] == {"k": "v"}
    assert time.monotonic() - started < 10


def test_backfill_lists_then_queues_in_the_task_timezone(cli: Cli) -> None:
    created = cli(
        "task", "create", "--cron", "0 9 * * *", "--tz", "Europe/Berlin", "--name", "d", "--instructions", "x", "--json"
    )
    assert created.exit_code == 0, created.output
    window = ["--start", "2026-10-24T00:00", "--end", "2026-10-26T23:00"]
    dry = cli("task", "backfill", "1", *window, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "Sun 2026-10-25 09:00 CET" in dry.stdout and "Sat 2026-10-24 09:00 CEST" in dry.stdout
    assert "3 fire(s) in the window: 3 would run, 0 already recorded" in dry.stdout
    done = json.loads(cli("task", "backfill", "1", *window, "--json").stdout)
    assert [f["status"] for f in done["fires"]] == ["queued", "waiting", "waiting"]
    assert "not an ISO 8601 time" in one_error_line(cli("task", "backfill", "1", "--start", "soon", "--end", "later"))


def test_hook_enable_rotate_show_disable(cli: Cli) -> None:
    create(cli)
    enabled = cli("task", "hook", "1")
    assert enabled.exit_code == 0, enabled.output
    assert "POST " in enabled.stdout and "/api/hooks/hk_" in enabled.stdout and "whs_" in enabled.stdout
    rotated = json.loads(cli("task", "hook", "1", "--grace", "60", "--json").stdout)
    assert rotated["secret"] not in enabled.stdout and rotated["previous_secret_valid_until"]
    shown = cli("task", "hook", "1", "--show")
    assert shown.exit_code == 0 and rotated["hook_id"] in shown.stdout and "whs_" not in shown.stdout
    assert cli("task", "hook", "1", "--disable").exit_code == 0
    assert "not_found" in one_error_line(cli("task", "hook", "1", "--show"))


def test_the_client_signs_hook_deliveries(cli: Cli, live: Live) -> None:
    from app.client import APIError, TaskrunnerClient

    create(cli)
    with TaskrunnerClient(live.url) as client:
        hook = client.enable_task_hook(1)
        now = int(START.timestamp())
        accepted = client.deliver_hook_event(hook["hook_id"], {"k": "v"}, secret=hook["secret"], timestamp=now)
        run = client.get_execution(accepted["execution_id"])
        assert run["trigger"] == "event" and run["inputs"] == {"k": "v"}
        with pytest.raises(APIError, match="bad signature"):
            client.deliver_hook_event(hook["hook_id"], {"k": "v"}, secret="whs_wrong", timestamp=now)
        reasons = [d["reason"] for d in client.get_task_hook(1)["deliveries"]]
        assert reasons == ["bad signature", None]
