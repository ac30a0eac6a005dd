"""Key material, the cached key check and the bind check: pure, no database."""

from __future__ import annotations

import hashlib

import pytest

from app.security import (
    InsecureBind,
    KeyChecker,
    bearer_token,
    check_bind,
    generate_key,
    hash_key,
    is_loopback,
    matches_any,
)


def test_generated_keys_are_recognisable_random_and_hashed() -> None:
    first, second = generate_key(), generate_key()
    assert first.secret.startswith("trk_")
    assert len(first.secret) >= 4 + 43
    assert first.secret != second.secret
    assert first.prefix == first.secret[:8]
    assert first.key_hash == hashlib.sha256(first.secret.encode()).hexdigest()
    assert first.secret not in first.key_hash


def test_matches_any_compares_hashes() -> None:
    key = generate_key()
    assert matches_any(key.secret, ["0" * 64, key.key_hash])
    assert not matches_any(key.secret + "x", [key.key_hash])
    assert not matches_any(key.secret, [])


@pytest.mark.parametrize(
    ("header", "token"),
    [
        (None, None),
        ("", None),
        ("Bearer abc", "abc"),
        ("bearer   abc ", "abc"),
        ("Basic abc", None),
        ("Bearer", None),
        ("abc", None),
    ],
)
def test_bearer_token(header: str | None, token: str | None) -> None:
    assert bearer_token(header) == token


class Hashes:
    """A stored-hash source that counts how often it is read."""

    def __init__(self, *secrets: str) -> None:
        self.hashes = [hash_key(s) for s in secrets]
        self.loads = 0

    async def __call__(self) -> list[str]:
        self.loads += 1
        return list(self.hashes)


async def test_checker_caches_stored_hashes_for_the_ttl() -> None:
    now = [100.0]
    stored = Hashes("trk_stored")
    checker = KeyChecker([], stored, ttl=5.0, monotonic=lambda: now[0])
    assert await checker.accepts("trk_stored")
    assert await checker.accepts("trk_stored")
    assert stored.loads == 1
    stored.hashes = []  # revoked elsewhere
    now[0] += 4.9
    assert await checker.accepts("trk_stored")
    now[0] += 0.2
    assert not await checker.accepts("trk_stored")
    assert stored.loads == 2


async def test_checker_static_keys_need_no_database() -> None:
    async def broken() -> list[str]:
        raise AssertionError("the database must not be asked")

    checker = KeyChecker(["s3cret"], broken)
    assert await checker.accepts("s3cret")
    assert await checker.required()
    with pytest.raises(AssertionError):
        await checker.accepts("other")


async def test_checker_not_required_without_any_key_and_invalidate() -> None:
    stored = Hashes()
    checker = KeyChecker([], stored, ttl=60)
    assert not await checker.required()
    assert not await checker.accepts(None)
    stored.hashes = [hash_key("trk_new")]
    checker.invalidate()
    assert await checker.required()
    assert await checker.accepts("trk_new")
    stored.hashes = []  # the last key revoked: keys stay required until a restart
    checker.invalidate()
    assert await checker.required()
    assert not await checker.accepts("trk_new")


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.10", False),
        ("example.com", False),
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_check_bind() -> None:
    assert check_bind("0.0.0.0", True, False) is None
    assert check_bind("127.0.0.1", True, False) is None
    note = check_bind("127.0.0.1", False, False)
    assert note is not None
    assert "loopback" in note
    warning = check_bind("0.0.0.0", False, True)
    assert warning is not None
    assert "WITHOUT AUTHENTICATION" in warning
    with pytest.raises(InsecureBind, match="--allow-insecure-public"):
        check_bind("0.0.0.0", False, False)
