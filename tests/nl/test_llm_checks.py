"""The LLM's answer checked against the text: each wrong answer scripted through the local OpenAI-protocol server.

A conflict goes back to the model as a repair with the reason; after the repairs it is a
question (AmbiguousSchedule), never a saved schedule. Malformed completions are never a 500.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from app.config import Settings
from app.errors import AmbiguousSchedule
from app.llm.litellm_client import LiteLLMClient
from app.nl import parse_description
from app.schedules.spec import CronSpec, OnceSpec
from tests.support.openai_stub import OpenAIStub, Reply

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # a Monday


@pytest.fixture
def stub() -> Iterator[OpenAIStub]:
    with OpenAIStub() as server:
        yield server


def answer(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "kind": "cron", "cron": "0 9 * * *", "at": None, "every_seconds": None, "timezone": "UTC",
        "instructions": "Check the doors", "name": "Check the doors", "assumptions": [], "question": None,
    }  # fmt: skip
    return {**base, **overrides}


async def parse(stub: OpenAIStub, text: str, default_timezone: str | None = None) -> Any:
    llm = LiteLLMClient(Settings(llm_model="openai/test-model", llm_api_base=stub.api_base, llm_api_key="sk-test"))
    return await parse_description(text, default_timezone=default_timezone, now=NOW, llm=llm, model="openai/test-model")


def script_wrong(stub: OpenAIStub, times: int, **wrong: Any) -> None:
    for _ in range(times):
        stub.push_tool_calls([("set_schedule", answer(**wrong))])


def repairs(stub: OpenAIStub) -> list[str]:
    """The reasons sent back to the model, in order."""
    return [m["content"] for m in stub.requests[-1]["messages"] if m["role"] == "tool"]


async def test_a_minute_the_text_says_is_kept_and_a_wrong_one_repaired(stub: OpenAIStub) -> None:
    text = "every other day at 7:45 feed the fish"
    script_wrong(stub, 1, cron="0 8 */2 * *")  # "7:45" saved as 08:00
    script_wrong(stub, 1, cron="45 7 */2 * *")
    parsed = await parse(stub, text)
    assert parsed.schedule == CronSpec(cron="45 7 */2 * *", timezone="UTC")
    (reason,) = repairs(stub)
    assert "Rejected" in reason and "08:00" in reason and "7:45" in reason


async def test_two_times_with_different_minutes_never_saved_as_one_line(stub: OpenAIStub) -> None:
    text = "every day at 9am and 5:30pm check the doors"  # the rules refuse: not one cron line
    script_wrong(stub, 3, cron="0 9,17 * * *")
    with pytest.raises(AmbiguousSchedule) as info:
        await parse(stub, text)
    assert "5:30pm" in info.value.details["last_error"]
    assert len(stub.requests) == 3


async def test_an_excluded_weekday_must_not_fire(stub: OpenAIStub) -> None:
    text = "every weekday except Friday at dawn feed the chickens"
    script_wrong(stub, 3, cron="0 6 * * 1-5")
    with pytest.raises(AmbiguousSchedule) as info:
        await parse(stub, text)
    assert "Friday" in info.value.details["last_error"]


async def test_a_clock_time_is_never_an_interval(stub: OpenAIStub) -> None:
    text = "every day at 9am until christmas water the tree"
    script_wrong(stub, 3, kind="interval", cron=None, every_seconds=86400)
    with pytest.raises(AmbiguousSchedule) as info:
        await parse(stub, text)
    assert "interval" in info.value.details["last_error"]


async def test_a_wall_time_in_a_named_zone_is_not_stored_as_utc(stub: OpenAIStub) -> None:
    text = "on christmas eve at 9am Berlin time call grandma"
    # 09:00Z is 10:00 in Berlin; then the converted cron-style mistake; then the right answer.
    stub.push_tool_calls(
        [("set_schedule", answer(kind="once", cron=None, at="2026-12-24T09:00:00Z", timezone="Europe/Berlin"))]
    )
    stub.push_tool_calls([("set_schedule", answer(kind="once", cron=None, at="2026-12-24T09:00:00", timezone="UTC"))])
    stub.push_tool_calls(
        [("set_schedule", answer(kind="once", cron=None, at="2026-12-24T09:00:00", timezone="Europe/Berlin"))]
    )
    parsed = await parse(stub, text)
    assert isinstance(parsed.schedule, OnceSpec)
    assert parsed.schedule.timezone == "Europe/Berlin"
    assert parsed.schedule.at.isoformat().startswith("2026-12-24T09:00")
    first, second = repairs(stub)
    assert "10:00" in first
    assert "Europe/Berlin" in second and "UTC" in second


async def test_an_abbreviation_is_not_a_zone(stub: OpenAIStub) -> None:
    text = "every other day at 9am New York time check the markets"
    script_wrong(stub, 1, cron="0 9 */2 * *", timezone="EST")  # a fixed UTC-5: an hour off all summer
    script_wrong(stub, 1, cron="0 9 */2 * *", timezone="America/New_York")
    parsed = await parse(stub, text)
    assert parsed.schedule.timezone == "America/New_York"
    (reason,) = repairs(stub)
    assert "EST" in reason and "IANA" in reason


async def test_a_zone_that_does_not_exist_is_repaired(stub: OpenAIStub) -> None:
    text = "every other day at 9am check the markets"
    script_wrong(stub, 3, cron="0 9 */2 * *", timezone="Mars/Olympus")
    with pytest.raises(AmbiguousSchedule):
        await parse(stub, text)


async def test_the_zone_named_in_the_text_is_the_schedules_zone(stub: OpenAIStub) -> None:
    text = "every other day at 9am Tokyo time check the exchange"
    script_wrong(stub, 3, cron="0 9 */2 * *", timezone="Europe/Berlin")
    with pytest.raises(AmbiguousSchedule) as info:
        await parse(stub, text, default_timezone="Europe/Berlin")
    assert "Asia/Tokyo" in info.value.details["last_error"]


async def test_days_of_the_month_are_kept(stub: OpenAIStub) -> None:
    text = "every other month on the 10th at 08:00 send invoices"
    script_wrong(stub, 3, cron="0 8 1 */2 *")
    with pytest.raises(AmbiguousSchedule) as info:
        await parse(stub, text)
    assert "10th" in info.value.details["last_error"]


async def test_a_paraphrase_never_replaces_the_instructions(stub: OpenAIStub) -> None:
    text = "every other day at 9am convert the sales report to Tokyo time and email it"
    script_wrong(stub, 1, cron="0 9 */2 * *", instructions="Convert the sales report and email it")
    parsed = await parse(stub, text)
    assert parsed.instructions == text  # "to Tokyo time" was the task's, not the schedule's


def _completion(message: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-x", "object": "chat.completion", "created": int(time.time()), "model": "test-model",
        "choices": [] if message is None else [{"index": 0, "message": message, "finish_reason": "tool_calls"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }  # fmt: skip


async def test_a_completion_without_choices_is_a_question_not_a_500(stub: OpenAIStub) -> None:
    stub.push(Reply(body=_completion(None)))
    with pytest.raises(AmbiguousSchedule) as info:
        await parse(stub, "every other day at 9am water the plants")
    assert info.value.details["llm_unavailable"]
    assert info.value.details["unplaced"] == ["every other"]


async def test_arguments_that_are_not_json_are_repaired_then_a_question(stub: OpenAIStub) -> None:
    broken = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": "c1", "type": "function", "function": {"name": "set_schedule", "arguments": "{kind: cron"}}
        ],
    }
    for _ in range(3):
        stub.push(Reply(body=_completion(broken)))
    with pytest.raises(AmbiguousSchedule) as info:
        await parse(stub, "every other day at 9am water the plants")
    assert "JSON" in info.value.details["last_error"]


async def test_no_tool_call_is_a_question(stub: OpenAIStub) -> None:
    for _ in range(3):
        stub.push_text("Sure! I'll water the plants every other day.")
    with pytest.raises(AmbiguousSchedule):
        await parse(stub, "every other day at 9am water the plants")
    assert len(stub.requests) == 3


@pytest.mark.parametrize(
    ("text", "wrong", "reason"),
    [
        ("every day at lunchtime summarise email", {"cron": "0 9 * * *"}, "lunchtime"),
        ("weekly review my goals", {"cron": "0 9 * * *"}, "weekly"),
        ("weekly review my goals", {"kind": "interval", "cron": None, "every_seconds": 3600}, "every week"),
        ("twice an hour ping the router", {"cron": "*/5 * * * *"}, "2 times per hour"),
        ("every monday water the plants", {"cron": "*/5 * * * *"}, "Tuesday"),
        (
            "every Friday after work clean the desk",
            {"kind": "interval", "cron": None, "every_seconds": 3600},
            "weekdays",
        ),
        ("later today call the bank", {"cron": "0 15 * * *"}, "kind=once"),
        ("every 5 minutes for the next hour check the deploy", {"cron": "*/5 * * * *"}, "for the next"),
        ("every weekday at 9 except public holidays check in", {"cron": "0 9 * * 1-5"}, "holidays"),
        ("every day at 9am Mordor time check the ring", {"cron": "0 9 * * *"}, "Mordor time"),
        (
            "daily except sundays at 6pm close the till",
            {"cron": "0 18 * * 1-6", "timezone": "America/New_York"},
            "names no timezone",
        ),
        ("every day at half nine check the post", {"cron": "0 9 * * *"}, "half nine"),
    ],
)
async def test_each_contradiction_goes_back_with_its_reason_then_is_a_question(
    stub: OpenAIStub, text: str, wrong: dict[str, Any], reason: str
) -> None:
    script_wrong(stub, 3, **wrong)
    with pytest.raises(AmbiguousSchedule) as info:
        await parse(stub, text)
    assert reason in info.value.details["last_error"]
    assert len(stub.requests) == 3  # the answer and two repairs, each rejected


async def test_a_time_the_text_does_not_give_is_said_never_silent(stub: OpenAIStub) -> None:
    script_wrong(stub, 1, cron="0 2 * * *", instructions="backup the db")
    parsed = await parse(stub, "daily backup the db")
    assert "your words give no clock time: the model chose 02:00 (UTC)" in parsed.assumptions


async def test_right_answers_pass_the_checks(stub: OpenAIStub) -> None:
    for text, right in [
        ("every weekday except Friday at dawn feed the chickens", {"cron": "30 6 * * 1-4"}),
        ("every other day at 7:45pm feed the fish", {"cron": "45 19 */2 * *"}),
        ("twice an hour ping the router", {"cron": "0,30 * * * *"}),
        ("every day at lunchtime summarise email", {"cron": "30 12 * * *"}),
        ("on the 10th every other month at 08:00 send invoices", {"cron": "0 8 10 */2 *"}),
    ]:
        script_wrong(stub, 1, **right)
        parsed = await parse(stub, text)
        assert parsed.parser == "llm", text


async def test_a_schedule_invented_for_words_that_say_no_when_is_a_question(stub: OpenAIStub) -> None:
    script_wrong(stub, 3, cron="0 9 * * *", timezone="Europe/Paris")
    with pytest.raises(AmbiguousSchedule) as info:
        await parse(stub, "check the weather in Paris")
    assert "nothing about when" in info.value.details["last_error"]


async def test_no_words_to_name_when_the_llm_is_down() -> None:
    with pytest.raises(AmbiguousSchedule) as info:
        await parse_description("check the weather in Paris", default_timezone=None, now=NOW, llm=None)
    assert info.value.details["unplaced"] == []
    assert "no time, day or repetition" in info.value.question
