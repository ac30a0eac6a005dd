"""Domain errors: typed, carrying a stable code; mapped to HTTP in ``app.api.errors`` only.

Tree::

    TaskRunnerError                 code            (HTTP, in api/)
    ├── ValidationFailed            validation_error (422)
    │   ├── InvalidCron             invalid_cron     (422)  details: field, value
    │   ├── InvalidTimezone         invalid_timezone (422)  details: timezone, suggestions
    │   ├── ScheduleInPast          schedule_in_past (422)  details: at, now
    │   ├── AmbiguousSchedule       ambiguous_schedule (422) details: question
    │   ├── ConditionRefused        condition_refused (422) details: url
    │   ├── UrlRefused              url_refused      (422)  details: url (an http task's address)
    │   ├── DependencyCycle         dependency_cycle (422)  details: cycle (task ids in run order)
    │   ├── MissingParams           missing_params   (422)  details: missing (and tasks, for a template change)
    │   ├── UnknownParams           unknown_params   (422)  details: unknown, placeholders
    │   ├── UnknownTemplate         unknown_template (422)  details: template
    │   └── UnknownFunction         unknown_function (422)  details: function, known
    ├── NotFound                    not_found        (404)  details: resource, id
    ├── Conflict                    conflict         (409)
    │   ├── HasDependents           has_dependents   (409)  details: dependents (task ids)
    │   └── TemplateInUse           template_in_use  (409)  details: template, tasks
    ├── Unauthorized                unauthorized     (401)
    ├── Forbidden                   forbidden        (403)  e.g. a read-only key asking to change
    ├── PayloadTooLarge             payload_too_large (413)
    └── LLMUnavailable              llm_unavailable  (503)
"""

from __future__ import annotations

from typing import Any


class TaskRunnerError(Exception):
    """Base of every error the service reports to a client."""

    code = "error"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = details or {}


class ValidationFailed(TaskRunnerError):
    code = "validation_error"


class InvalidCron(ValidationFailed):
    code = "invalid_cron"

    def __init__(self, message: str, *, field: str, value: str) -> None:
        super().__init__(message, details={"field": field, "value": value})
        self.field = field


class InvalidTimezone(ValidationFailed):
    code = "invalid_timezone"

    def __init__(self, name: str, suggestions: list[str]) -> None:
        hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(
            f"Unknown timezone {name!r}: use an IANA name such as 'Europe/Berlin'.{hint}",
            details={"timezone": name, "suggestions": suggestions},
        )
        self.suggestions = suggestions


class ScheduleInPast(ValidationFailed):
    code = "schedule_in_past"


class AmbiguousSchedule(ValidationFailed):
    code = "ambiguous_schedule"

    def __init__(self, question: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(question, details={"question": question, **(details or {})})
        self.question = question


class ConditionRefused(ValidationFailed):
    """A run condition's URL names an address the network guard refuses (HTTP_TOOL_ALLOW_HOSTS)."""

    code = "condition_refused"


class UrlRefused(ValidationFailed):
    """An http task's URL names an IP address the network guard refuses (HTTP_TOOL_ALLOW_HOSTS)."""

    code = "url_refused"


class DependencyCycle(ValidationFailed):
    """A task's ``after`` would make it wait, directly or through others, on itself."""

    code = "dependency_cycle"


class MissingParams(ValidationFailed):
    code = "missing_params"


class UnknownParams(ValidationFailed):
    code = "unknown_params"


class UnknownTemplate(ValidationFailed):
    code = "unknown_template"


class UnknownFunction(ValidationFailed):
    code = "unknown_function"

    def __init__(self, name: str, known: list[str]) -> None:
        listed = ", ".join(known) if known else "none are installed"
        super().__init__(
            f"No installed package registers a function named {name!r} (entry-point group "
            f"`taskrunner.functions`). Registered functions: {listed}.",
            details={"function": name, "known": known},
        )


class NotFound(TaskRunnerError):
    code = "not_found"

    def __init__(self, resource: str, id: object) -> None:
        super().__init__(f"No {resource} with id {id}.", details={"resource": resource, "id": str(id)})


class Conflict(TaskRunnerError):
    code = "conflict"


class HasDependents(Conflict):
    """Deleting a task other tasks run after (``force`` detaches them instead)."""

    code = "has_dependents"


class TemplateInUse(Conflict):
    code = "template_in_use"


class Unauthorized(TaskRunnerError):
    code = "unauthorized"


class Forbidden(TaskRunnerError):
    code = "forbidden"


class PayloadTooLarge(TaskRunnerError):
    code = "payload_too_large"


class LLMUnavailable(TaskRunnerError):
    code = "llm_unavailable"
