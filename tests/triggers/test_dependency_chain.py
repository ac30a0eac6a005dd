"""A chain A -> B -> C through the real runner, litellm and a local OpenAI-compatible stub."""

from __future__ import annotations

from sqlalchemy import select

from app.clock import SystemClock
from app.config import Settings
from app.db.models import Execution
from app.llm.litellm_client import LiteLLMClient
from app.runner.factory import build_runner
from tests.scheduler.conftest import Harness
from tests.support.openai_stub import OpenAIStub, openai_stub  # noqa: F401

FAR = {"kind": "cron", "cron": "0 0 1 1 *", "timezone": "UTC"}


async def test_a_chain_of_three_runs_each_after_the_one_before(
    harness: Harness,
    openai_stub: OpenAIStub,  # noqa: F811
) -> None:
    settings = Settings(llm_model="openai/test-model", llm_api_base=openai_stub.api_base, llm_api_key="sk-test")
    llm = LiteLLMClient(settings)
    harness.runner = build_runner(settings, SystemClock(), llm=llm)  # type: ignore[assignment]
    try:
        for text in ("prices: 41 EUR", "summary: prices up", "mail sent"):
            openai_stub.push_text(text)
        await harness.start()
        a = await harness.create(name="fetch", instructions="Fetch prices.", schedule=FAR, tools=[])
        b = await harness.create(name="sum", instructions="Summarise.", schedule=FAR, tools=[], after={"task_id": a})
        c = await harness.create(name="mail", instructions="Mail it.", schedule=FAR, tools=[], after={"task_id": b})
        first = await harness.call(lambda svc: svc.run_now(a))
        assert harness.core is not None
        await harness.core.drain()
        async with harness.sessions() as s:
            runs = list((await s.execute(select(Execution).order_by(Execution.id))).scalars())
        assert [(r.task_id, r.trigger, r.status) for r in runs] == [
            (a, "manual", "succeeded"),
            (b, "dependency", "succeeded"),
            (c, "dependency", "succeeded"),
        ]
        run_a, run_b, run_c = runs
        assert run_a.id == first.id
        assert (run_b.upstream_execution_id, run_c.upstream_execution_id) == (run_a.id, run_b.id)
        assert run_b.inputs == {
            "upstream": {
                "task_id": a,
                "task_name": "fetch",
                "execution_id": run_a.id,
                "status": "succeeded",
                "finished_at": run_a.finished_at.isoformat() if run_a.finished_at else None,
                "output": "prices: 41 EUR",
                "error": None,
            }
        }
        assert run_c.inputs is not None and run_c.inputs["upstream"]["output"] == "summary: prices up"
        # Each agent saw its upstream's output as data, after its own instructions.
        prompts = [str(r["messages"]) for r in openai_stub.requests]
        assert "prices: 41 EUR" not in prompts[0]
        assert "Summarise." in prompts[1] and "prices: 41 EUR" in prompts[1] and "run_inputs" in prompts[1]
        assert "Mail it." in prompts[2] and "summary: prices up" in prompts[2]
        # The API's run view names the upstream run.
        view = await harness.call(lambda svc: svc.get(c))
        assert view.after is not None and view.after.tasks[0].task_id == b
    finally:
        await harness.stop()
        await llm.aclose()
