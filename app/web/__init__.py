"""The dashboard: server-rendered pages at ``/ui`` (Jinja2 + vendored htmx), live over server-sent events.

Wiring (in the app factory)::

    install(app)  # mounts /ui, its static files, and redirects / to /ui

Every page works without JavaScript; htmx only makes navigation and live
updates smoother. Pages reach data through ``app.services`` only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route, Router
from starlette.staticfiles import StaticFiles

from app.web.base import accepts_session_cookie
from app.web.pages import access, controls, edit, runs, status, tasks, templates

__all__ = ["PREFIX", "accepts_session_cookie", "install", "router"]

PREFIX = "/ui"
STATIC = Path(__file__).parent / "static"


async def _home(request: Request) -> Response:
    return RedirectResponse("/ui/runs", status_code=307)


def router() -> Router:
    """The dashboard's routes, relative to ``/ui``."""
    return Router(
        routes=[
            Route("/", _home),
            Route("/login", access.login, methods=["GET", "POST"]),
            Route("/logout", access.logout, methods=["POST"]),
            Route("/runs", runs.runs_list),
            Route("/runs/events", runs.runs_events),
            Route("/runs/{execution_id}", runs.run_detail),
            Route("/runs/{execution_id}/events", runs.run_events),
            Route("/runs/{execution_id}/rerun", runs.run_again, methods=["POST"]),
            Route("/runs/{execution_id}/cancel", runs.run_cancel, methods=["POST"]),
            Route("/tasks", tasks.tasks_list),
            Route("/tasks/bulk", tasks.tasks_bulk, methods=["POST"]),
            Route("/tasks/new", edit.new_task, methods=["GET", "POST"]),
            Route("/tasks/new/preview", edit.preview_fragment, methods=["POST"]),
            Route("/tasks/{task_id}", tasks.task_detail),
            Route("/tasks/{task_id}/edit", edit.edit_task, methods=["GET", "POST"]),
            Route("/tasks/{task_id}/delete", tasks.task_delete, methods=["GET", "POST"]),
            Route("/tasks/{task_id}/{action}", tasks.task_action, methods=["POST"]),
            Route("/templates", templates.templates_list, methods=["GET", "POST"]),
            Route("/templates/{template_id}", templates.template_detail, methods=["GET", "POST"]),
            Route("/templates/{template_id}/delete", templates.template_delete, methods=["POST"]),
            Route("/controls", controls.controls),
            Route("/controls/keys", controls.set_key, methods=["POST"]),
            Route("/controls/keys/delete", controls.delete_key, methods=["POST"]),
            Route("/controls/prices", controls.set_price, methods=["POST"]),
            Route("/controls/prices/delete", controls.delete_price, methods=["POST"]),
            Route("/upcoming", status.upcoming),
            Route("/health", status.health),
            Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
        ]
    )


def install(app: Any) -> None:
    """Mount the dashboard at ``/ui`` and send ``/`` there."""
    app.mount(PREFIX, router())

    async def root(request: Request) -> Response:
        return RedirectResponse(PREFIX, status_code=307)

    app.router.routes.append(Route("/", root, include_in_schema=False))
