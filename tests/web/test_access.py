"""With API keys the dashboard asks for one once and keeps a signed session; without keys it is open."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import time_machine

from app.api.app import create_app
from app.services.notifier import NullListener
from app.web.session import COOKIE_NAME, SessionCodec, WebSession
from tests.web.conftest import csrf_of, web_settings

KEY = "trk_" + "k" * 43


@pytest.fixture
async def guarded(db_url: str, frozen: time_machine.Traveller) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(web_settings(db_url, api_keys=KEY), listener=NullListener())
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1") as c:
            yield c


async def _login(client: httpx.AsyncClient, key: str, next_path: str = "/ui/tasks") -> httpx.Response:
    page = await client.get(f"/ui/login?next={next_path}")
    assert page.status_code == 200 and 'type="password"' in page.text
    return await client.post("/ui/login", data={"csrf": csrf_of(page.text), "key": key, "next": next_path})


async def test_pages_send_a_visitor_without_a_session_to_the_login(guarded: httpx.AsyncClient) -> None:
    page = await guarded.get("/ui/tasks?state=paused")
    assert page.status_code == 303
    assert page.headers["location"] == "/ui/login?next=%2Fui%2Ftasks%3Fstate%3Dpaused"
    fragment = await guarded.get("/ui/runs/events", headers={"HX-Request": "true"})
    assert fragment.status_code == 401 and fragment.headers["HX-Redirect"] == "/ui/login"
    assert (await guarded.get("/api/tasks")).status_code == 401
    assert (await guarded.get("/docs")).headers["location"] == "/ui/login?next=%2Fdocs"
    assert (await guarded.get("/ui/static/app.css")).status_code == 200  # assets are public


async def test_a_wrong_key_is_refused_and_a_good_one_starts_a_session(guarded: httpx.AsyncClient) -> None:
    wrong = await _login(guarded, "trk_nope")
    assert wrong.status_code == 401 and "not valid" in wrong.text
    good = await _login(guarded, KEY)
    assert good.status_code == 303 and good.headers["location"] == "/ui/tasks"
    cookie = good.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict") and KEY not in cookie
    assert (await guarded.get("/ui/tasks")).status_code == 200
    # The docs can load the schema with the session; writes through the API still need the key.
    assert (await guarded.get("/openapi.json")).status_code == 200
    assert (await guarded.post("/api/tasks", json={})).status_code == 401
    tasks = await guarded.get("/ui/tasks")
    out = await guarded.post("/ui/logout", data={"csrf": csrf_of(tasks.text)})
    assert out.status_code == 303
    assert (await guarded.get("/ui/tasks")).status_code == 303


async def test_an_open_redirect_after_login_is_refused(guarded: httpx.AsyncClient) -> None:
    done = await _login(guarded, KEY, next_path="//evil.example/x")
    assert done.headers["location"] == "/ui/runs"


async def test_a_forged_or_expired_cookie_does_not_log_in(
    guarded: httpx.AsyncClient, frozen: time_machine.Traveller
) -> None:
    from app.security import hash_key

    forged = SessionCodec(b"y" * 32, max_age=3600).dumps(WebSession.new(key_hash=hash_key(KEY), now=0))
    guarded.cookies.set(COOKIE_NAME, forged)
    assert (await guarded.get("/ui/runs")).status_code == 303
    guarded.cookies.clear()
    assert (await _login(guarded, KEY)).status_code == 303
    assert (await guarded.get("/ui/runs")).status_code == 200
    frozen.shift(8 * 86400)  # past the default 7-day session
    assert (await guarded.get("/ui/runs")).status_code == 303


def test_session_codec_rejects_tampering() -> None:
    codec = SessionCodec(b"s" * 32, max_age=60)
    value = codec.dumps(WebSession(csrf="c", key_hash="h", issued=100))
    assert codec.loads(value, now=120) == WebSession(csrf="c", key_hash="h", issued=100)
    body, sig = value.split(".")
    assert codec.loads(body[:-2] + "xx." + sig, now=120) is None
    assert codec.loads(value, now=200) is None
    assert codec.loads("garbage", now=120) is None
    assert codec.loads(None, now=120) is None


async def test_revoking_the_key_ends_its_dashboard_sessions(guarded: httpx.AsyncClient) -> None:
    admin = {"Authorization": f"Bearer {KEY}"}
    created = (await guarded.post("/api/keys", json={"name": "alice"}, headers=admin)).json()
    assert (await _login(guarded, created["key"])).status_code == 303
    assert (await guarded.get("/ui/runs")).status_code == 200
    assert (await guarded.delete(f"/api/keys/{created['id']}", headers=admin)).status_code == 204
    assert (await guarded.get("/ui/runs")).status_code == 303
    assert (await guarded.get("/openapi.json")).status_code == 401


async def test_without_keys_the_dashboard_is_open_and_has_no_logout(web: httpx.AsyncClient) -> None:
    page = await web.get("/ui/runs")
    assert page.status_code == 200 and "Log out" not in page.text
    assert "HttpOnly" in page.headers["set-cookie"]  # the form token's session
    assert (await web.get("/ui/login")).headers["location"] == "/ui/runs"
