"""The one place where errors become HTTP: domain errors, validation, unknown routes, 500s.

Every answer that is not a success carries the envelope
``{"error": {"code", "message", "details"}}``: also the database's refusals that
no validation caught first (a constraint → 409 ``conflict``, a value it cannot
store → 422 ``validation_error``), an unreachable database (503
``database_unavailable``) and anything unexpected (500 ``internal_error``,
without internals; the traceback goes to the log).
"""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app import errors

log = structlog.get_logger("taskrunner.api")

STATUS_BY_ERROR: list[tuple[type[errors.TaskRunnerError], int]] = [
    (errors.NotFound, 404),
    (errors.Conflict, 409),
    (errors.Unauthorized, 401),
    (errors.Forbidden, 403),
    (errors.PayloadTooLarge, 413),
    (errors.LLMUnavailable, 503),
    (errors.ValidationFailed, 422),
]


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def error_response(code: str, message: str, status: int, details: dict[str, Any] | None = None) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(error_body(code, message, details), status_code=status, headers=headers)


DB_UNAVAILABLE = "The database is unreachable; try again shortly."


def is_database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` means the database cannot be reached (not that it refused a statement).

    Connecting to a server that is down raises the driver's own ``OSError``
    (``ConnectionRefusedError``, a timeout) before any DBAPI error exists.
    """
    if isinstance(exc, OSError | OperationalError):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    # SQLSTATE class 08 (connection exception) and 57P (shutting down, cannot connect now).
    state = str(getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None) or "")
    return bool(exc.connection_invalidated) or state.startswith(("08", "57P"))


def install(app: FastAPI) -> None:
    @app.exception_handler(errors.TaskRunnerError)
    async def _domain(_request: Request, exc: errors.TaskRunnerError) -> JSONResponse:
        status = next((s for cls, s in STATUS_BY_ERROR if isinstance(exc, cls)), 400)
        return error_response(exc.code, exc.message, status, exc.details)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [_problem(e) for e in exc.errors()]
        message = "; ".join(f"{p['field']}: {p['message']}" if p["field"] else p["message"] for p in problems)
        return error_response("validation_error", message or "invalid request", 422, {"errors": problems})

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed", 401: "unauthorized"}.get(exc.status_code, "http_error")
        return error_response(code, str(exc.detail), exc.status_code)

    @app.exception_handler(OperationalError)
    async def _db_down(_request: Request, exc: OperationalError) -> JSONResponse:
        log.warning("api.database_unavailable", error=str(exc).splitlines()[0])
        return error_response("database_unavailable", DB_UNAVAILABLE, 503)

    @app.exception_handler(OSError)
    async def _unreachable(_request: Request, exc: OSError) -> JSONResponse:
        log.warning("api.database_unavailable", error=str(exc))
        return error_response("database_unavailable", DB_UNAVAILABLE, 503)

    @app.exception_handler(IntegrityError)
    async def _constraint(_request: Request, exc: IntegrityError) -> JSONResponse:
        # Validation runs first; this is a race with another writer (e.g. a delete), not a bug.
        log.info("api.constraint_refused", error=str(exc.orig).splitlines()[0] if exc.orig else "")
        return error_response("conflict", "The change conflicts with data changed at the same time; retry.", 409)

    @app.exception_handler(DataError)
    async def _bad_value(_request: Request, exc: DataError) -> JSONResponse:
        log.info("api.value_refused", error=str(exc.orig).splitlines()[0] if exc.orig else "")
        return error_response("validation_error", "A value in the request cannot be stored.", 422)

    @app.exception_handler(DBAPIError)
    async def _db_error(_request: Request, exc: DBAPIError) -> JSONResponse:
        if is_database_unavailable(exc):
            log.warning("api.database_unavailable", error=str(exc).splitlines()[0])
            return error_response("database_unavailable", DB_UNAVAILABLE, 503)
        log.error("api.database_error", error=str(exc).splitlines()[0])
        return error_response("internal_error", "The server failed to complete the request.", 500)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Starlette's outermost middleware calls this, then re-raises so the server logs the traceback.
        log.error("api.unhandled_error", path=request.url.path, error_type=type(exc).__name__)
        return error_response("internal_error", "The server failed to complete the request.", 500)


def _problem(err: Any) -> dict[str, Any]:
    loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path")]
    # Drop union-member tags such as "cron" in ("schedule", "cron", "cron") so paths read naturally.
    cleaned: list[str] = []
    for part in loc:
        if cleaned and part == cleaned[-1]:
            continue
        cleaned.append(part)
    message = str(err.get("msg", "invalid value"))
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    return {"field": ".".join(cleaned), "message": message, "type": err.get("type")}
