"""Path and query parameters shared by the routers, bounded so no value a client sends overflows storage.

Ids and offsets are 64-bit signed integers in the database: a larger number is a
client's mistake (422), never a driver's overflow (500).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

MAX_INT64 = 2**63 - 1

TaskId = Annotated[int, Path(ge=1, le=MAX_INT64, description="The task's id.")]
ExecutionId = Annotated[int, Path(ge=1, le=MAX_INT64, description="The execution record's id.")]
KeyId = Annotated[int, Path(ge=1, le=MAX_INT64, description="The API key's id.")]
TaskIdFilter = Annotated[int | None, Query(ge=1, le=MAX_INT64, description="Only this task's records.")]
Offset = Annotated[int, Query(ge=0, le=MAX_INT64, description="How many items to skip.")]

# Text that reaches the database: PostgreSQL cannot hold NUL, so it is refused like any bad value.
NO_NUL = r"^[^\x00]*$"
ConversationId = Annotated[str, Path(max_length=32, pattern=NO_NUL, description="The conversation's id.")]
