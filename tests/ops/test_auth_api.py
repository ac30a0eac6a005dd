"""Key authentication through the real app, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db.ops_models import ApiKey
from app.db.repositories.ops import ApiKeyRepository
from app.security import has_stored_keys
from tests.ops.conftest import START, ClientFactory

UNAUTHORIZED = {"code": "unauthorized", "details": {}}


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def assert_401(response: object) -> None:
    import httpx

    assert isinstance(response, httpx.Response)
    assert response.status_code == 401, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert {k: body["error"][k] for k in ("code", "details")} == UNAUTHORIZED
    assert body["error"]["message"]
    assert response.headers["www-authenticate"] == "Bearer"


async def test_configured_keys_guard_every_endpoint_but_health(api: ClientFactory) -> None:
    async with api(api_keys="k-one, k-two") as client:
        assert_401(await client.get("/api/tasks"))
        assert_401(await client.get("/api/tasks", headers=bearer("wrong")))
        assert_401(await client.get("/api/tasks", headers={"Authorization": "Basic k-one"}))
        assert_401(await client.get("/metrics"))
        assert_401(await client.get("/api/keys"))
        assert_401(await client.post("/api/keys", json={"name": "sneaky"}))
        assert (await client.get("/healthz")).status_code == 200
        assert (await client.get("/readyz")).status_code == 200
        for key in ("k-one", "k-two"):
            response = await client.get("/api/tasks", headers=bearer(key))
            assert response.status_code == 200, response.text
        assert (await client.get("/metrics", headers=bearer("k-two"))).status_code == 200


async def test_without_any_key_the_api_is_open(api: ClientFactory) -> None:
    async with api() as client:
        assert (await client.get("/api/tasks")).status_code == 200
        assert (await client.get("/api/keys")).json()["total"] == 0


async def test_a_created_key_is_shown_once_stored_hashed_and_then_required(
    api: ClientFactory, sessions: async_sessionmaker[AsyncSession], db_url: str
) -> None:
    async with api() as client:
        created = await client.post("/api/keys", json={"name": "ci"})
        assert created.status_code == 201, created.text
        body = created.json()
        secret = body["key"]
        assert secret.startswith("trk_")
        assert body["prefix"] == secret[:8]
        assert body["name"] == "ci"
        assert body["revoked_at"] is None

        # From now on the API is closed: the new key opens it (no waiting for the cache).
        assert_401(await client.get("/api/tasks"))
        assert (await client.get("/api/tasks", headers=bearer(secret))).status_code == 200

        listed = (await client.get("/api/keys", headers=bearer(secret))).json()
        assert listed["total"] == 1
        assert "key" not in listed["items"][0]
        assert secret not in str(listed)

    async with sessions() as s:
        rows = (await s.execute(select(ApiKey))).scalars().all()
    assert len(rows) == 1
    stored = rows[0]
    assert stored.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert all(secret not in str(v) for v in (stored.name, stored.prefix, stored.key_hash))
    assert await _to_thread(has_stored_keys, db_url)


async def test_revoked_key_stops_working_here_at_once(api: ClientFactory) -> None:
    async with api() as client:
        admin = (await client.post("/api/keys", json={"name": "admin"})).json()
        other = (await client.post("/api/keys", json={"name": "other"}, headers=bearer(admin["key"]))).json()
        assert (await client.get("/api/tasks", headers=bearer(other["key"]))).status_code == 200

        revoked = await client.delete(f"/api/keys/{other['id']}", headers=bearer(admin["key"]))
        assert revoked.status_code == 204
        assert_401(await client.get("/api/tasks", headers=bearer(other["key"])))
        assert (await client.get("/api/tasks", headers=bearer(admin["key"]))).status_code == 200

        listed = (await client.get("/api/keys", headers=bearer(admin["key"]))).json()["items"]
        assert [k["revoked_at"] is not None for k in listed] == [False, True]
        missing = await client.delete("/api/keys/999", headers=bearer(admin["key"]))
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "not_found"


async def test_revoked_elsewhere_stops_working_after_the_cache_ttl(
    api: ClientFactory, sessions: async_sessionmaker[AsyncSession]
) -> None:
    now = [1000.0]
    async with api(cache_ttl=5.0, monotonic=lambda: now[0]) as client:
        key = (await client.post("/api/keys", json={"name": "bot"})).json()
        assert (await client.get("/api/tasks", headers=bearer(key["key"]))).status_code == 200

        # Another instance revokes it: this one trusts its cache for up to the TTL.
        async with sessions() as s:
            await ApiKeyRepository(s).revoke(key["id"], now=START)
            await s.commit()
        now[0] += 4.0
        assert (await client.get("/api/tasks", headers=bearer(key["key"]))).status_code == 200
        now[0] += 1.5
        assert_401(await client.get("/api/tasks", headers=bearer(key["key"])))
        # Revoking the last key does not open the API up again: that takes a restart.
        assert_401(await client.get("/api/tasks"))


async def test_revoked_elsewhere_with_settings_keys_is_refused_after_ttl(
    api: ClientFactory, sessions: async_sessionmaker[AsyncSession]
) -> None:
    now = [1000.0]
    async with api(api_keys="root", cache_ttl=5.0, monotonic=lambda: now[0]) as client:
        key = (await client.post("/api/keys", json={"name": "bot"}, headers=bearer("root"))).json()
        assert (await client.get("/api/tasks", headers=bearer(key["key"]))).status_code == 200
        async with sessions() as s:
            await ApiKeyRepository(s).revoke(key["id"], now=START)
            await s.commit()
        assert (await client.get("/api/tasks", headers=bearer(key["key"]))).status_code == 200
        now[0] += 5.0
        assert_401(await client.get("/api/tasks", headers=bearer(key["key"])))


@pytest.mark.parametrize("name", ["", "x" * 101])
async def test_create_key_validates_the_name(api: ClientFactory, name: str) -> None:
    async with api() as client:
        response = await client.post("/api/keys", json={"name": name})
        assert response.status_code == 422
        assert response.json()["error"]["code"] == "validation_error"


async def _to_thread(fn: object, *args: object) -> object:
    import asyncio

    assert callable(fn)
    return await asyncio.to_thread(fn, *args)
