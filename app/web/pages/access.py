"""Logging in with an API key, logging out, and the API docs served from local assets."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from app.api.auth import key_checker
from app.security import hash_key
from app.web.base import (
    LoginRequired,
    codec_of,
    epoch,
    first,
    form_of,
    page,
    see_other,
    set_session_cookie,
    visitor_of,
)
from app.web.render import render
from app.web.session import COOKIE_NAME, WebSession, tokens_match


def _safe_next(value: str) -> str:
    """Only a path inside the dashboard: never another site (``//evil``) or a scheme."""
    parts = urlsplit(value)
    if value.split("?")[0] in ("/docs", "/redoc") or (
        value.startswith("/ui") and not parts.scheme and not parts.netloc and "\\" not in value
    ):
        return value
    return "/ui/runs"


async def login(request: Request) -> Response:
    """GET shows the key form; POST checks the key and starts a session (with a fresh CSRF token)."""
    codec = codec_of(request)
    now = epoch(request)
    pending = codec.loads(request.cookies.get(COOKIE_NAME), now=now)
    checker = key_checker(request.app)
    if request.method == "GET":
        target = _safe_next(request.query_params.get("next", "/ui/runs"))
        if not await checker.required():
            return RedirectResponse(target, status_code=303)
        try:
            await visitor_of(request)
            return RedirectResponse(target, status_code=303)  # already logged in
        except LoginRequired:
            pass
        session = pending or WebSession.new(key_hash=None, now=now)
        out = render(request, "login.html", {"next": target, "error": None}, visitor=None, csrf=session.csrf)
        out.headers["Cache-Control"] = "no-store"
        if pending is None:
            set_session_cookie(out, request, session)
        return out
    form = await form_of(request)
    target = _safe_next(first(form, "next", "/ui/runs"))
    if pending is None or not tokens_match(pending.csrf, first(form, "csrf")):
        return RedirectResponse(f"/ui/login?next={quote(target, safe='')}", status_code=303)
    key = first(form, "key")
    if not key or not await checker.accepts(key):
        return render(
            request,
            "login.html",
            {"next": target, "error": "That key is not valid (unknown or revoked)."},
            visitor=None,
            status_code=401,
            csrf=pending.csrf,
        )
    done = RedirectResponse(target, status_code=303)
    set_session_cookie(done, request, WebSession.new(key_hash=hash_key(key), now=now))
    return done


@page
async def logout(request: Request, visitor: object) -> Response:
    response = see_other("/ui/login", notice="logged_out")
    response.delete_cookie(COOKIE_NAME, path="/")
    return response
