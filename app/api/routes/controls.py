"""Control endpoints: concurrency keys and per-model prices (docs/controls.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel

from app.api.deps import Session, State
from app.services.concurrency import ControlService, KeyView
from app.services.inputs import ConcurrencyKeyIn, ModelPriceIn

router = APIRouter(tags=["controls"])


def control_service(state: State, s: Session) -> ControlService:
    return ControlService(s, state.clock)


Controls = Annotated[ControlService, Depends(control_service)]


class ConcurrencyKeyOut(BaseModel):
    key: str
    max_running: int
    running: int
    queued: int
    tasks: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, view: KeyView) -> ConcurrencyKeyOut:
        return cls.model_validate(view, from_attributes=True)


class ModelPriceOut(BaseModel):
    model: str
    input_per_million: float
    output_per_million: float
    updated_at: datetime


class KeyList(BaseModel):
    items: list[ConcurrencyKeyOut]
    total: int


class PriceList(BaseModel):
    items: list[ModelPriceOut]
    total: int


@router.get("/api/concurrency-keys")
async def list_concurrency_keys(controls: Controls) -> KeyList:
    items = [ConcurrencyKeyOut.of(v) for v in await controls.keys()]
    return KeyList(items=items, total=len(items))


@router.get("/api/concurrency-keys/{key}")
async def get_concurrency_key(key: str, controls: Controls) -> ConcurrencyKeyOut:
    return ConcurrencyKeyOut.of(await controls.key(key))


@router.put("/api/concurrency-keys/{key}")
async def set_concurrency_key(key: str, body: ConcurrencyKeyIn, controls: Controls) -> ConcurrencyKeyOut:
    return ConcurrencyKeyOut.of(await controls.put_key(key, body.max_running))


@router.delete("/api/concurrency-keys/{key}", status_code=204)
async def delete_concurrency_key(key: str, controls: Controls) -> Response:
    await controls.delete_key(key)
    return Response(status_code=204)


@router.get("/api/model-prices")
async def list_model_prices(controls: Controls) -> PriceList:
    items = [ModelPriceOut.model_validate(p, from_attributes=True) for p in await controls.prices()]
    return PriceList(items=items, total=len(items))


@router.put("/api/model-prices/{model:path}")
async def set_model_price(model: str, body: ModelPriceIn, controls: Controls) -> ModelPriceOut:
    row = await controls.put_price(model, body.input_per_million, body.output_per_million)
    return ModelPriceOut.model_validate(row, from_attributes=True)


@router.delete("/api/model-prices/{model:path}", status_code=204)
async def delete_model_price(model: str, controls: Controls) -> Response:
    await controls.delete_price(model)
    return Response(status_code=204)
