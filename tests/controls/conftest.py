"""Controls tests reuse the scheduler harness (a SchedulerCore on a movable clock)."""

from tests.scheduler.conftest import harness, runner, sessions, traveller
from tests.support.openai_stub import openai_stub

__all__ = ["harness", "openai_stub", "runner", "sessions", "traveller"]
