"""Runs started by something other than the clock: backfill of a past window."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from app.api.deps import Session, State
from app.api.params import TaskId
from app.services.backfill import MAX_FIRES, BackfillReport, BackfillService

router = APIRouter(prefix="/api/tasks", tags=["tasks"])


class BackfillIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: datetime = Field(description="Start of the window (inclusive), with a UTC offset.")
    end: datetime = Field(description="End of the window (inclusive), with a UTC offset; not in the future.")
    dry_run: bool = Field(default=False, strict=True, description="Only list the fires; record and run nothing.")


class BackfillFireOut(BaseModel):
    scheduled_for: datetime
    window_start: datetime | None = Field(description="Where the period this run covers starts.")
    status: str = Field(description="new (dry run), queued, waiting (its turn comes), or already_recorded.")
    execution_id: int | None


class BackfillOut(BaseModel):
    task_id: int
    timezone: str
    start: datetime
    end: datetime
    dry_run: bool
    limit: int = MAX_FIRES
    total: int
    new: int
    already_recorded: int
    fires: list[BackfillFireOut]

    @classmethod
    def of(cls, report: BackfillReport) -> BackfillOut:
        fires: list[dict[str, Any]] = [asdict(f) for f in report.fires]
        return cls(
            task_id=report.task_id,
            timezone=report.timezone,
            start=report.start,
            end=report.end,
            dry_run=report.dry_run,
            total=len(fires),
            new=report.new,
            already_recorded=report.already_recorded,
            fires=[BackfillFireOut.model_validate(f) for f in fires],
        )


@router.post("/{task_id}/backfill")
async def backfill_task(task_id: TaskId, body: BackfillIn, state: State, session: Session) -> BackfillOut:
    service = BackfillService(session, state.clock)
    report = await service.backfill(task_id, body.start, body.end, dry_run=body.dry_run)
    return BackfillOut.of(report)


__all__ = ["router"]
