"""Operations metrics computed from the execution records, so every process reports the same.

Per-process counters (``app.metrics``) say what this process saw; these gauges say
what the records say over the last 24 hours, whichever worker ran what.
"""

from __future__ import annotations

from datetime import timedelta

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.clock import Clock
from app.db.repositories.controls import RecordTotals, record_stats
from app.metrics import ON_TIME_SECONDS

WINDOW = timedelta(hours=24)


async def render_record_metrics(sessionmaker: async_sessionmaker[AsyncSession], clock: Clock) -> bytes:
    """Prometheus text for the record-based gauges; nothing when the database does not answer."""
    try:
        async with sessionmaker() as session:
            totals = await record_stats(
                session, since=clock.now() - WINDOW, default_on_time_ms=int(ON_TIME_SECONDS * 1000)
            )
    except (SQLAlchemyError, OSError):  # a database outage must not hide the process's own metrics
        return b""
    registry = CollectorRegistry()
    registry.register(_Snapshot(totals))
    return generate_latest(registry)


class _Snapshot(Collector):
    def __init__(self, totals: RecordTotals) -> None:
        self.totals = totals

    def collect(self) -> list[GaugeMetricFamily]:
        t = self.totals
        on_time = GaugeMetricFamily(
            "taskrunner_task_on_time_rate",
            "Share of a task's due fires (last 24 h, from the records) that started within its allowed delay",
            labels=["task_id", "task"],
        )
        breaches = GaugeMetricFamily(
            "taskrunner_task_sla_breach_total",
            "SLA breaches per task (last 24 h, from the records)",
            labels=["task_id", "task"],
        )
        for s in t.tasks:
            if s.due:
                on_time.add_metric([str(s.task_id), s.task_name], s.on_time / s.due)
            breaches.add_metric([str(s.task_id), s.task_name], s.sla_breaches)
        return [
            on_time,
            breaches,
            GaugeMetricFamily("taskrunner_missed_total", "Fires recorded missed (last 24 h)", value=t.missed),
            GaugeMetricFamily("taskrunner_success_total", "Runs that succeeded (last 24 h)", value=t.succeeded),
            GaugeMetricFamily("taskrunner_retry_total", "Runs that were retries (last 24 h)", value=t.retried),
            GaugeMetricFamily(
                "taskrunner_sla_breach_total", "SLA breaches, all tasks (last 24 h)", value=t.sla_breaches
            ),
        ]
