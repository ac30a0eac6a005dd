"""The chat tools' arguments (checked shapes) and the descriptions the model reads."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

TaskState = Literal["active", "paused", "completed"]
RunStatus = Literal[
    "queued", "running", "succeeded", "failed", "timed_out", "cancelled", "skipped", "missed", "interrupted"
]
TIME_HELP = (
    "ISO 8601 (a time without offset is in the user's timezone), 'today', 'yesterday', "
    "or a span back from now such as '24h' or '7 days'"
)
STOPWORDS = frozenset(
    [
        "the",
        "and",
        "for",
        "task",
        "tasks",
        "job",
        "that",
        "this",
        "with",
        "from",
        "my",
        "our",
        "your",
        "all",
        "any",
        "run",
        "runs",
        "every",
        "daily",
    ]
)


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class TaskRef(_Args):
    task_id: int = Field(ge=1, description="The task's id.")


class RunRef(_Args):
    execution_id: int = Field(ge=1, description="The execution's (run's) id.")


class CreateTask(_Args):
    description: str = Field(
        min_length=1,
        max_length=2000,
        description="The user's words for what to do and when, e.g. 'every weekday at 9am, check ...'.",
    )
    timezone: str | None = Field(default=None, description="IANA timezone if the words name none.")
    name: str | None = Field(default=None, max_length=200, description="A name, only if the user gave one.")
    instructions: str | None = Field(default=None, description="Only if the user spelled them out apart.")


class FindTasks(_Args):
    query: str | None = Field(default=None, max_length=200, description="Words in the name or instructions.")
    state: TaskState | None = None
    limit: int = Field(default=20, ge=1, le=50)


class UpdateTask(_Args):
    task_id: int = Field(ge=1)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    instructions: str | None = Field(default=None, min_length=1)
    schedule_text: str | None = Field(default=None, description="A new schedule in words, e.g. 'every day at 10am'.")
    cron: str | None = Field(default=None, description="A new 5-field cron schedule.")
    at: str | None = Field(default=None, description="Run once at this ISO 8601 time instead.")
    every_seconds: int | None = Field(default=None, ge=1, description="Run at this interval instead.")
    timezone: str | None = Field(default=None, description="IANA timezone for the (new) schedule.")
    missed_run_policy: Literal["skip", "catchup", "fail"] | None = None
    model: str | None = None
    tools: list[str] | None = None
    max_steps: int | None = Field(default=None, ge=1, le=200)
    timeout_seconds: int | None = Field(default=None, ge=1, le=86_400)
    max_retries: int | None = Field(default=None, ge=0, le=10)


class ListRuns(_Args):
    task_id: int | None = Field(default=None, ge=1)
    status: RunStatus | None = None
    since: str | None = Field(default=None, description=f"Scheduled at or after: {TIME_HELP}.")
    until: str | None = Field(default=None, description=f"Scheduled before: {TIME_HELP}.")
    limit: int = Field(default=20, ge=1, le=50)


class Explain(_Args):
    task_id: int = Field(ge=1)
    since: str | None = Field(default=None, description=f"Start of the period (default 24h ago): {TIME_HELP}.")
    until: str | None = Field(default=None, description=f"End of the period (default now): {TIME_HELP}.")


class Totals(_Args):
    task_id: int | None = Field(default=None, ge=1, description="One task, or all tasks when absent.")
    since: str | None = Field(default=None, description=f"Start (default 7 days ago): {TIME_HELP}.")
    until: str | None = Field(default=None, description=f"End (default now): {TIME_HELP}.")


CREATE = (
    "Create a task from the user's words (schedule and instructions). The answer shows the understood "
    "schedule, next runs and assumptions: tell the user."
)
FIND = "Find tasks by words in their name or instructions, or by state; lists all when no query."
SHOW = "Show one task with its schedule, next runs, options and its latest runs."
UPDATE = "Change a task: name, instructions, schedule (in words or cron/at/every_seconds), options."
PAUSE = "Pause a task: it stops firing until resumed."
RESUME = "Resume a paused task."
RUN = "Run a task now (queues a manual run)."
DELETE = (
    "Ask to delete a task. This does NOT delete: it returns what would be deleted; ask the user to "
    "confirm, and only in a later turn, after they confirm, call confirm_delete."
)
CONFIRM = "Delete a task the user asked to delete in an earlier message and has now confirmed."
LIST_RUNS = "List run records (newest first) by task, status and scheduled time range."
SHOW_RUN = "Show one run record in full: output, error, tokens, cost and its steps."
EXPLAIN = (
    "Explain why a task did or did not run in a period: paused, missed, skipped, failed, next run. "
    "Answer 'why didn't it run?' from these findings."
)
TOTALS = "Count runs by status and sum tokens and cost over a period, for one task or all."


def spec(name: str, description: str, model: type[BaseModel]) -> dict[str, Any]:
    """One tool in the OpenAI function-calling shape, its parameters from ``model``."""
    schema = model.model_json_schema()
    schema.pop("title", None)
    for prop in schema.get("properties", {}).values():
        prop.pop("title", None)
    return {"type": "function", "function": {"name": name, "description": description, "parameters": schema}}
