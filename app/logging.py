"""Structured logging: JSON in production, readable in a terminal; stable event names.

Everything goes through one stderr handler with structlog's ``ProcessorFormatter``:
our structlog events and every standard-library logger (uvicorn, Alembic,
SQLAlchemy, APScheduler, litellm), so with ``LOG_FORMAT=json`` each line the
process prints is one JSON object. Libraries that install their own handlers
(litellm does, at import) are brought back to it with :func:`adopt_library_loggers`.
Request ids and run ids are bound with ``structlog.contextvars`` and appear on
every line logged while they are bound, whichever logger wrote it.
"""

from __future__ import annotations

import logging
import sys

import structlog

# Loggers that keep their own handlers or are chatty at INFO; they log at WARNING and above.
_QUIET = ("apscheduler", "LiteLLM", "LiteLLM Proxy", "LiteLLM Router", "litellm", "httpx", "httpcore", "asyncio")
_HANDLER_NAME = "taskrunner"
_state = {"json": False}


def uses_json(fmt: str = "auto") -> bool:
    """Whether ``fmt`` (``auto|json|console``) means JSON lines here (auto: when stderr is not a terminal)."""
    return fmt == "json" or (fmt == "auto" and not sys.stderr.isatty())


def configure(level: str = "INFO", fmt: str = "auto") -> None:
    """Configure structlog and the standard library's root logger (idempotent)."""
    use_json = uses_json(fmt)
    _state["json"] = use_json
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer() if use_json else structlog.dev.ConsoleRenderer(colors=False)
    )
    final: list[structlog.types.Processor] = [structlog.stdlib.ProcessorFormatter.remove_processors_meta]
    if use_json:
        final += [structlog.processors.dict_tracebacks]
    final.append(renderer)
    formatter = structlog.stdlib.ProcessorFormatter(
        # No ExtraAdder: libraries' record extras (uvicorn's color_message...) are noise in our lines.
        foreign_pre_chain=shared,
        processors=final,
    )
    numeric = logging.getLevelName(level.upper())
    structlog.configure(
        processors=[
            *shared,
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=False,
    )
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == _HANDLER_NAME:
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(formatter)
    root.addHandler(handler)
    root.setLevel(numeric)
    # uvicorn's loggers go to the root handler (serve passes log_config=None; they still have no handler).
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "alembic", "sqlalchemy"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)  # our http.request line replaces it
    adopt_library_loggers()


def adopt_library_loggers() -> None:
    """Send libraries' own handlers' records to ours instead (call after importing litellm)."""
    for name in _QUIET:
        logger = logging.getLogger(name)
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
        logger.propagate = True
        logger.setLevel(logging.WARNING)


def json_enabled() -> bool:
    """Whether :func:`configure` chose JSON lines for this process."""
    return _state["json"]
