"""Chat keeps each stored message (and the reply) bounded and free of the service's secrets."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import time_machine

from app.api.app import create_app
from app.config import Settings
from app.services.notifier import NullListener
from tests.chat.conftest import StubScript, llm_for, say

KEY = "sk-chat-0123456789abcdef"


@pytest.fixture
async def limited(db_url: str, frozen: time_machine.Traveller, script: StubScript) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        database_url=db_url,
        scheduler_enabled=False,
        llm_model="openai/test",
        llm_api_key=KEY,
        chat_message_max_chars=1000,
    )
    app = create_app(settings, listener=NullListener(), llm=llm_for(script))
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
            yield c


async def test_a_huge_answer_is_stored_and_returned_cut(limited: httpx.AsyncClient, script: StubScript) -> None:
    script.reply("y" * 200_000)

    turn = await say(limited, "tell me everything")

    assert turn["reply"] == "y" * 1000 + "…[truncated at 1000 of 200000 characters]"
    detail = (await limited.get(f"/api/chat/conversations/{turn['conversation_id']}")).json()
    assert [len(m["content"]) for m in detail["messages"]] == [len("tell me everything"), len(turn["reply"])]


async def test_the_llm_key_never_reaches_a_reply_or_the_stored_conversation(
    limited: httpx.AsyncClient, script: StubScript
) -> None:
    script.reply(f"Your key is {KEY}.")

    turn = await say(limited, f"is my key {KEY}?")

    assert turn["reply"] == "Your key is [REDACTED]."
    detail = (await limited.get(f"/api/chat/conversations/{turn['conversation_id']}")).json()
    assert KEY not in str(detail)
    assert detail["title"] == "is my key [REDACTED]?"
