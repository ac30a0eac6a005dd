"""litellm (seconds to import) is imported in a thread: the event loop keeps answering meanwhile."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent(
    """
    import asyncio, json, sys, time
    from app.config import Settings
    from app.llm.litellm_client import LiteLLMClient
    from tests.support.openai_stub import OpenAIStub

    async def main():
        with OpenAIStub() as stub:
            stub.push_text("hello")
            settings = Settings(llm_model="openai/m", llm_api_base=stub.api_base, llm_api_key="sk-x")
            client = LiteLLMClient(settings)
            lag, stop = 0.0, False

            async def ticker():
                nonlocal lag
                last = time.perf_counter()
                while not stop:
                    await asyncio.sleep(0.01)
                    now = time.perf_counter()
                    lag, last = max(lag, now - last - 0.01), now

            ticking = asyncio.create_task(ticker())
            await asyncio.sleep(0.05)
            imported_before = "litellm" in sys.modules
            started = time.perf_counter()
            reply = await client.complete([{"role": "user", "content": "hi"}])
            first_call = time.perf_counter() - started
            stop = True
            await ticking
            await client.aclose()
            print(json.dumps({"imported_before": imported_before, "lag": lag, "first_call": first_call,
                              "content": reply.content}))

    asyncio.run(main())
    """
)


def test_the_first_model_call_does_not_stall_the_event_loop() -> None:
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["imported_before"] is False and result["content"] == "hello"
    # The import takes most of the first call. Imported on the loop, the loop would stall for about
    # that long; in a thread it keeps turning (the bound is relative, so a busy machine cannot fail it).
    assert result["lag"] < result["first_call"] / 4, result
