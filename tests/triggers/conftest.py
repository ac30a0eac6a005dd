"""Triggers reuse the scheduler harness and the API client over the real app."""

from __future__ import annotations

from tests.api.conftest import client, frozen
from tests.scheduler.conftest import harness, runner, sessions, traveller

__all__ = ["client", "frozen", "harness", "runner", "sessions", "traveller"]
