"""Which addresses the HTTP tool may reach: a table of addresses, then names via an injected resolver."""

from __future__ import annotations

import ipaddress

import pytest

from app.netguard import BlockedAddress, NetGuard, address_problem


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("8.8.8.8", None),
        ("93.184.216.34", None),
        ("2606:4700:4700::1111", None),
        ("127.0.0.1", "is a loopback address"),
        ("127.8.9.10", "is a loopback address"),
        ("10.0.0.1", "is a private address"),
        ("172.16.5.4", "is a private address"),
        ("192.168.1.1", "is a private address"),
        ("169.254.169.254", "is a cloud metadata address"),
        ("169.254.1.1", "is a link-local address"),
        ("100.64.0.1", "is a shared (CGNAT) address"),
        ("0.0.0.0", "is an unspecified address"),
        ("224.0.0.1", "is a multicast address"),
        ("240.0.0.1", "is a private address"),
        ("255.255.255.255", "is a private address"),
        ("198.18.0.1", "is a benchmarking address"),
        ("192.0.2.1", "is a private address"),
        ("::", "is an unspecified address"),
        ("::1", "is a loopback address"),
        ("fe80::1", "is a link-local address"),
        ("fc00::1", "is a private address"),
        ("fd00:ec2::254", "is a cloud metadata address"),
        ("ff02::1", "is a multicast address"),
        ("::ffff:127.0.0.1", "embeds 127.0.0.1, which is a loopback address"),
        ("::ffff:169.254.169.254", "embeds 169.254.169.254, which is a cloud metadata address"),
        ("::ffff:8.8.8.8", None),
        ("64:ff9b::a00:1", "embeds 10.0.0.1, which is a private address"),
        ("2002:7f00:1::", "embeds 127.0.0.1, which is a loopback address"),
        ("2001:db8::1", "is a private address"),
    ],
)
def test_address_problem(address: str, problem: str | None) -> None:
    assert address_problem(ipaddress.ip_address(address)) == problem


def resolver_for(table: dict[str, list[str]]):
    calls: list[str] = []

    async def resolve(host: str, port: int) -> list[str]:
        calls.append(host)
        if host not in table:
            raise OSError(f"no such host {host}")
        return table[host]

    resolve.calls = calls  # type: ignore[attr-defined]
    return resolve


async def test_name_resolving_to_a_private_address_is_refused() -> None:
    guard = NetGuard(resolver=resolver_for({"intranet.example.com": ["10.1.2.3"]}))
    with pytest.raises(BlockedAddress, match=r"'intranet.example.com' resolves to 10.1.2.3, which is a private"):
        await guard.vet("intranet.example.com", 443)


async def test_any_private_answer_refuses_the_name() -> None:
    guard = NetGuard(resolver=resolver_for({"mixed.example.com": ["93.184.216.34", "127.0.0.1"]}))
    with pytest.raises(BlockedAddress, match="loopback"):
        await guard.vet("mixed.example.com", 80)


async def test_public_name_returns_the_vetted_address() -> None:
    guard = NetGuard(resolver=resolver_for({"example.com": ["93.184.216.34", "2606:2800:220:1::1"]}))
    assert await guard.vet("Example.COM.", 443) == "93.184.216.34"


@pytest.mark.parametrize(
    ("allow", "host", "resolved"),
    [
        (("intranet.local",), "intranet.local", ["10.0.0.7"]),
        (("127.0.0.1",), "127.0.0.1", []),
        (("127.0.0.1",), "localhost", ["127.0.0.1"]),  # an allowed address, whatever the name
        (("10.0.0.0/8",), "db.internal", ["10.9.9.9"]),
    ],
)
async def test_allow_list(allow: tuple[str, ...], host: str, resolved: list[str]) -> None:
    guard = NetGuard(allow=allow, resolver=resolver_for({host: resolved} if resolved else {}))
    assert await guard.vet(host, 80) == (resolved[0] if resolved else host)


async def test_allow_list_does_not_leak_to_other_addresses() -> None:
    guard = NetGuard(allow=("127.0.0.1",), resolver=resolver_for({}))
    with pytest.raises(BlockedAddress, match=r"10.0.0.1 is a private address"):
        await guard.vet("10.0.0.1", 80)


async def test_unresolvable_name_is_refused() -> None:
    with pytest.raises(BlockedAddress, match="cannot resolve"):
        await NetGuard(resolver=resolver_for({})).vet("nowhere.invalid", 80)
