"""Inbound event hooks: enable/rotate, read and disable a task's hook; deliveries from other systems."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from app.api.contract import error_responses
from app.api.deps import Session, State
from app.api.errors import error_response
from app.api.params import TaskId
from app.services.hooks import DELIVERY_ID_HEADERS, HookService
from app.services.tasks import TaskDeps

router = APIRouter(tags=["tasks"])

HOOK_ID_PATTERN = r"^hk_[A-Za-z0-9_-]{1,37}$"
HookId = Annotated[str, Path(pattern=HOOK_ID_PATTERN, description="The hook's id (`hk_...`).")]


class HookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rate_per_minute: int | None = Field(
        default=None, ge=1, le=10_000, strict=True, description="Accepted events a minute."
    )
    grace_seconds: int = Field(
        default=86_400,
        ge=0,
        le=30 * 86_400,
        strict=True,
        description="How long the old secret stays valid after a rotation.",
    )


class HookCredentialsOut(BaseModel):
    hook_id: str
    task_id: int
    url: str = Field(description="Where to POST events (relative to this server).")
    secret: str = Field(description="Shown only now: signs deliveries, or is sent as X-Taskrunner-Token.")
    rate_per_minute: int
    previous_secret_valid_until: datetime | None


class DeliveryOut(BaseModel):
    id: int
    received_at: datetime
    accepted: bool
    reason: str | None
    execution_id: int | None


class HookOut(BaseModel):
    hook_id: str
    task_id: int
    url: str
    rate_per_minute: int
    created_at: datetime
    rotated_at: datetime | None
    previous_secret_valid_until: datetime | None
    deliveries: list[DeliveryOut]


class DeliveryAcceptedOut(BaseModel):
    delivery_id: int
    execution_id: int = Field(
        description="The run this delivery started, or for a repeated delivery id the first one's."
    )
    status: str = Field(
        default="accepted", description="`accepted` (202: a run started) or `duplicate` (200: nothing run again)."
    )


# A refused delivery's code as HTTP; any other code is a ValidationFailed's (422).
_REFUSED_STATUS = {"not_found": 404, "unauthorized": 401, "rate_limited": 429, "conflict": 409}


def _service(state: State, session: Session) -> HookService:
    return HookService(session, TaskDeps(clock=state.clock))


@router.post("/api/tasks/{task_id}/hook", status_code=201)
async def enable_task_hook(
    task_id: TaskId, state: State, session: Session, body: HookIn | None = None
) -> HookCredentialsOut:
    body = body or HookIn()
    creds = await _service(state, session).enable(
        task_id, rate_per_minute=body.rate_per_minute, grace=timedelta(seconds=body.grace_seconds)
    )
    return HookCredentialsOut(
        hook_id=creds.hook_id,
        task_id=creds.task_id,
        url=f"/api/hooks/{creds.hook_id}",
        secret=creds.secret,
        rate_per_minute=creds.rate_per_minute,
        previous_secret_valid_until=creds.previous_valid_until,
    )


@router.get("/api/tasks/{task_id}/hook")
async def get_task_hook(task_id: TaskId, state: State, session: Session) -> HookOut:
    view = await _service(state, session).get(task_id)
    return HookOut(
        hook_id=view.hook_id,
        task_id=view.task_id,
        url=f"/api/hooks/{view.hook_id}",
        rate_per_minute=view.rate_per_minute,
        created_at=view.created_at,
        rotated_at=view.rotated_at,
        previous_secret_valid_until=view.previous_valid_until,
        deliveries=[DeliveryOut.model_validate(d, from_attributes=True) for d in view.deliveries],
    )


@router.delete("/api/tasks/{task_id}/hook", status_code=204)
async def disable_task_hook(task_id: TaskId, state: State, session: Session) -> Response:
    await _service(state, session).disable(task_id)
    return Response(status_code=204)


@router.post(
    "/api/hooks/{hook_id}",
    status_code=202,
    response_model=DeliveryAcceptedOut,
    responses={
        200: {"model": DeliveryAcceptedOut, "description": "A repeated delivery id: the first delivery's run."},
        **error_responses(401, 409, 422, 429),
    },
)
async def deliver_hook_event(hook_id: HookId, request: Request, state: State, session: Session) -> Response:
    body = await request.body()
    headers = {k.lower(): v for k, v in request.headers.items() if _read_header(k.lower())}
    outcome = await _service(state, session).deliver(hook_id, headers, body)
    # Returned, not raised: the unit of work commits, so a refusal is recorded with its reason.
    if not outcome.accepted:
        details = {"delivery_id": outcome.delivery_id} if outcome.delivery_id is not None else None
        message = outcome.reason or "refused"
        if outcome.code == "not_found":
            message = f"No hook with id {hook_id}."
        return error_response(outcome.code, message, _REFUSED_STATUS.get(outcome.code, 422), details)
    assert outcome.delivery_id is not None and outcome.execution_id is not None
    accepted = DeliveryAcceptedOut(
        delivery_id=outcome.delivery_id, execution_id=outcome.execution_id, status=outcome.code
    )
    # A repeated delivery id started nothing: 200 with the first delivery's run.
    return JSONResponse(accepted.model_dump(), status_code=200 if outcome.code == "duplicate" else 202)


def _read_header(name: str) -> bool:
    return name.startswith("x-taskrunner-") or name in DELIVERY_ID_HEADERS
