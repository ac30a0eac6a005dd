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
from app.db.repositories.controls import RecordTotals, TriggerCount, record_stats, runs_by_trigger
from app.metrics import ON_TIME_SECONDS, RUN_STATUSES
from app.vocabulary import UNFINISHED_STATUSES, Trigger

WINDOW = timedelta(hours=24)


async def render_record_metrics(sessionmaker: async_sessionmaker[AsyncSession], clock: Clock) -> bytes:
    """Prometheus text for the record-based gauges; nothing when the database does not answer."""
    since = clock.now() - WINDOW
    try:
        async with sessionmaker() as session:
            totals = await record_stats(session, since=since, default_on_time_ms=int(ON_TIME_SECONDS * 1000))
            by_trigger = await runs_by_trigger(session, since=since, unfinished=UNFINISHED_STATUSES)
    except (SQLAlchemyError, OSError):  # a database outage must not hide the process's own metrics
        return b""
    registry = CollectorRegistry()
    registry.register(_Snapshot(totals, by_trigger))
    return generate_latest(registry)


def _by_trigger(counts: list[TriggerCount]) -> list[GaugeMetricFamily]:
    """Started by trigger, finished by trigger and status: every known trigger and final status, zeros included."""
    triggers = [str(t) for t in Trigger]
    started = dict.fromkeys(triggers, 0)
    finished = {(t, s): 0 for t in triggers for s in RUN_STATUSES}
    for c in counts:
        started[c.trigger] = started.get(c.trigger, 0) + c.started
        if c.status in RUN_STATUSES:
            finished[(c.trigger, c.status)] = finished.get((c.trigger, c.status), 0) + c.finished
    started_family = GaugeMetricFamily(
        "taskrunner_runs_started_by_trigger",
        "Runs started (last 24 h, from the records), by trigger",
        labels=["trigger"],
    )
    for trigger, n in started.items():
        started_family.add_metric([trigger], n)
    finished_family = GaugeMetricFamily(
        "taskrunner_runs_finished_by_trigger",
        "Runs finished (last 24 h, from the records), by trigger and status",
        labels=["trigger", "status"],
    )
    for (trigger, status), n in finished.items():
        finished_family.add_metric([trigger, status], n)
    return [started_family, finished_family]


class _Snapshot(Collector):
    def __init__(self, totals: RecordTotals, by_trigger: list[TriggerCount]) -> None:
        self.totals = totals
        self.by_trigger = by_trigger

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
            *_by_trigger(self.by_trigger),
        ]
