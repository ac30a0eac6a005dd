"""What every dashboard page needs: who is asking, a unit of work, the templates, CSRF and error pages.

Pages are plain Starlette endpoints wrapped by :func:`page`, which

1. reads the session cookie and, when API keys exist, sends a visitor without a
   valid session to the login page (``401`` for fragments and form posts);
2. on ``POST`` checks the form's CSRF token and refuses cross-site requests;
3. turns domain errors into an error page in the usual status (never a 500);
4. (re)issues the session cookie so every page has a CSRF token to put in its forms.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, quote

import structlog
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from app.api.auth import key_checker
from app.errors import Conflict, NotFound, TaskRunnerError
from app.services.unit_of_work import UnitOfWork
from app.web.render import render
from app.web.session import COOKIE_NAME, SessionCodec, WebSession, tokens_match

if TYPE_CHECKING:
    from app.api.deps import AppState

log = structlog.get_logger("taskrunner.web")

MAX_FORM_BYTES = 256_000


@dataclass(frozen=True, kw_only=True)
class Visitor:
    """The person behind a request: their session and whether this server needs a key at all."""

    session: WebSession
    keys_required: bool
    fresh: bool  # the session was just made and must be sent as a cookie

    @property
    def csrf(self) -> str:
        return self.session.csrf


class LoginRequired(Exception):
    pass


def state_of(request: Request) -> AppState:
    state: AppState = request.app.state.taskrunner
    return state


def codec_of(request: Request) -> SessionCodec:
    """The app's session codec: from ``SESSION_SECRET``, or a random secret made once per process."""
    app = request.app
    held = getattr(app.state, "web_codec", None)
    state = state_of(request)
    if held is not None and held[0] is state:
        codec: SessionCodec = held[1]
        return codec
    configured = state.settings.session_secret.get_secret_value() if state.settings.session_secret else ""
    # Any length of configured secret becomes a 32-byte HMAC key; unset, a random one per process.
    secret = hashlib.sha256(configured.encode()).digest() if configured else secrets.token_bytes(32)
    codec = SessionCodec(secret, max_age=state.settings.session_max_age_seconds)
    app.state.web_codec = (state, codec)
    return codec


def epoch(request: Request) -> int:
    return int(state_of(request).clock.now().timestamp())


async def visitor_of(request: Request) -> Visitor:
    """The visitor, with a new anonymous session when there is none; raises LoginRequired when a key is needed."""
    codec = codec_of(request)
    now = epoch(request)
    session = codec.loads(request.cookies.get(COOKIE_NAME), now=now)
    checker = key_checker(request.app)
    required = await checker.required()
    fresh = session is None
    if session is None:
        session = WebSession.new(key_hash=None, now=now)
    if required and (session.key_hash is None or not await checker.accepts_hash(session.key_hash)):
        raise LoginRequired
    return Visitor(session=session, keys_required=required, fresh=fresh)


async def still_allowed(request: Request) -> bool:
    """Whether the visitor of a long-lived request (an event stream) may still look."""
    try:
        await visitor_of(request)
    except LoginRequired:
        return False
    return True


async def accepts_session_cookie(request: Request) -> bool:
    """Whether the request carries a logged-in dashboard session (lets the API docs load their schema)."""
    session = codec_of(request).loads(request.cookies.get(COOKIE_NAME), now=epoch(request))
    if session is None or session.key_hash is None:
        return False
    return await key_checker(request.app).accepts_hash(session.key_hash)


def set_session_cookie(response: Response, request: Request, session: WebSession) -> None:
    response.set_cookie(
        COOKIE_NAME,
        codec_of(request).dumps(session),
        max_age=state_of(request).settings.session_max_age_seconds,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


@asynccontextmanager
async def unit_of_work(request: Request) -> AsyncIterator[AsyncSession]:
    """A session whose transaction commits when the block ends without error; its events are published after."""
    state = state_of(request)
    async with UnitOfWork(state.sessionmaker, state.broker) as uow:
        yield uow.session
        await uow.commit()


async def form_of(request: Request) -> dict[str, list[str]]:
    """A url-encoded form body as name -> values (multipart is not accepted)."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise TaskRunnerError("The form is too large.")
    fields: dict[str, list[str]] = {}
    for name, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True):
        fields.setdefault(name, []).append(value)
    return fields


def first(form: dict[str, list[str]], name: str, default: str = "") -> str:
    values = form.get(name)
    return values[0].strip() if values else default


def is_fragment(request: Request) -> bool:
    return request.headers.get("hx-request") == "true" and request.headers.get("hx-boosted") != "true"


Handler = Callable[[Request, Visitor], Awaitable[Response]]


def page(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Wrap a page handler with the login check, CSRF check, error pages and the session cookie."""

    async def endpoint(request: Request) -> Response:
        try:
            visitor = await visitor_of(request)
        except LoginRequired:
            return _to_login(request)
        except DBAPIError as exc:
            log.warning("web.keys_unavailable", error=str(exc).splitlines()[0])
            return error_page(request, None, 503, "The database is unreachable; try again shortly.")
        if request.method == "POST":
            refusal = await _check_post(request, visitor)
            if refusal is not None:
                return refusal
        try:
            response = await handler(request, visitor)
        except NotFound as exc:
            response = error_page(request, visitor, 404, exc.message)
        except Conflict as exc:
            response = error_page(request, visitor, 409, exc.message)
        except TaskRunnerError as exc:
            response = error_page(request, visitor, 400, exc.message)
        except DBAPIError as exc:
            log.warning("web.database_unavailable", error=str(exc).splitlines()[0])
            response = error_page(request, visitor, 503, "The database is unreachable; try again shortly.")
        if visitor.fresh:
            set_session_cookie(response, request, visitor.session)
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    return endpoint


async def _check_post(request: Request, visitor: Visitor) -> Response | None:
    if request.headers.get("sec-fetch-site") == "cross-site":
        return error_page(request, visitor, 403, "Cross-site form posts are refused.")
    if visitor.fresh:
        return error_page(request, visitor, 403, "Your session expired; reload the page and try again.")
    form = await form_of(request)
    token = first(form, "csrf") or request.headers.get("x-csrf-token")
    if not tokens_match(visitor.csrf, token):
        return error_page(request, visitor, 403, "The form's security token is missing or stale; reload the page.")
    request.state.form = form
    return None


def posted(request: Request) -> dict[str, list[str]]:
    """The form a POST handler received (parsed once, by the CSRF check)."""
    form: dict[str, list[str]] = request.state.form
    return form


def _to_login(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET" or is_fragment(request):
        response: Response = HTMLResponse("Log in again: your session has ended.", status_code=401)
        response.headers["HX-Redirect"] = "/ui/login"
        return response
    return RedirectResponse(f"/ui/login?next={quote(target, safe='')}", status_code=303)


def error_page(request: Request, visitor: Visitor | None, status: int, message: str) -> Response:
    return render(
        request,
        "error.html",
        {"status": status, "message": message},
        visitor=visitor,
        status_code=status,
    )


def see_other(url: str, *, notice: str | None = None) -> Response:
    """A redirect after a successful form post (Post/Redirect/Get), with a notice code the next page shows."""
    if notice:
        url += ("&" if "?" in url else "?") + "notice=" + quote(notice, safe="")
    return RedirectResponse(url, status_code=303)
