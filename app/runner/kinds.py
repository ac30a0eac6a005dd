"""Which runner carries out a run, by the task's kind (docs/task-kinds.md).

``agent`` runs go to the runner the service was built with (the LLM tool loop, or a
scripted one in tests); ``http`` and ``function`` runs to their own runners, which
never call a model. :class:`~app.workers.running.RunProcessor` asks :meth:`KindRunners.pick`
for every run, whichever executor hands it over.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.clock import Clock
from app.config import Settings
from app.netguard import NetGuard, Resolver, system_resolver
from app.redact import configured_secrets
from app.runner.base import Runner
from app.runner.fetch import HttpLimits
from app.runner.functions import FunctionRunner
from app.runner.http_task import HttpTaskConfig, HttpTaskRunner
from app.vocabulary import TaskKind


@dataclass(frozen=True, kw_only=True)
class KindRunners:
    """The runners of the kinds that need no model."""

    http: Runner
    function: Runner

    @classmethod
    def defaults(cls, clock: Clock) -> KindRunners:
        """Public addresses only, default limits: what a processor uses when given nothing."""
        return cls(http=HttpTaskRunner(clock=clock), function=FunctionRunner(clock=clock))

    @classmethod
    def from_settings(cls, settings: Settings, clock: Clock, *, resolver: Resolver | None = None) -> KindRunners:
        """The runners the service's settings describe (``HTTP_TOOL_ALLOW_HOSTS``, body and output limits)."""
        guard = NetGuard(allow=settings.http_allow_host_list, resolver=resolver or system_resolver)
        secrets = configured_secrets(settings)
        http = HttpTaskConfig(
            limits=HttpLimits(guard=guard, max_body_bytes=settings.http_tool_max_body_bytes),
            body_excerpt_bytes=min(settings.run_output_max_bytes, settings.http_tool_max_body_bytes),
            step_text_max_chars=settings.step_text_max_chars,
            secrets=secrets,
        )
        return cls(
            http=HttpTaskRunner(clock=clock, config=http),
            function=FunctionRunner(
                clock=clock,
                output_max_bytes=settings.run_output_max_bytes,
                step_text_max_chars=settings.step_text_max_chars,
                secrets=secrets,
            ),
        )

    def pick(self, kind: str, agent: Runner) -> Runner:
        """The runner for a run of ``kind``; ``agent`` for agent runs."""
        if kind == TaskKind.HTTP:
            return self.http
        if kind == TaskKind.FUNCTION:
            return self.function
        return agent
