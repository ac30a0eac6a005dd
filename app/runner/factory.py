"""Building the production runner from the service's settings."""

from __future__ import annotations

from app.clock import Clock
from app.config import Settings
from app.llm.base import LLMClient
from app.netguard import Resolver
from app.runner.agent import AgentConfig, AgentRunner
from app.runner.base import PreviousRuns, Runner


def build_runner(
    settings: Settings,
    clock: Clock,
    *,
    llm: LLMClient | None = None,
    previous_runs: PreviousRuns | None = None,
    resolver: Resolver | None = None,
) -> Runner:
    """An :class:`AgentRunner` using litellm (unless ``llm`` is given) and the settings' limits.

    ``previous_runs`` is the task-history source (the service layer builds it over the
    execution repository); without it the ``previous_runs`` tool answers from the
    recent outputs each run request carries.
    """
    if llm is None:
        from app.llm.litellm_client import LiteLLMClient

        llm = LiteLLMClient(settings)
    runner = AgentRunner(
        llm,
        clock=clock,
        config=AgentConfig.from_settings(settings, resolver=resolver),
        previous_runs=previous_runs,
    )
    from app.telemetry import traced  # a trace per run when OTEL_EXPORTER_OTLP_ENDPOINT is set

    return traced(runner, settings)
