"""Registered functions: what ``function`` tasks may call (docs/task-kinds.md)."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.schemas import FunctionList, FunctionOut
from app.services.functions import list_functions as registered

router = APIRouter(prefix="/api/functions", tags=["tasks"])


@router.get("")
async def list_functions() -> FunctionList:
    items = [FunctionOut.of(f) for f in await registered()]
    return FunctionList(items=items, total=len(items))
