"""Repositories: every query lives here; callers own the transaction (they commit)."""

from app.db.repositories.executions import ExecutionFilter, ExecutionRepository, FireRow
from app.db.repositories.tasks import TaskFilter, TaskRepository

__all__ = ["ExecutionFilter", "ExecutionRepository", "FireRow", "TaskFilter", "TaskRepository"]
