"""Network guard for outbound HTTP (the agent's tool, run webhooks): public addresses only, checked after DNS.

A scheduled agent follows instructions and web content nobody reviews at run time,
so it must not become a way into the host's network (server-side request forgery).
:meth:`NetGuard.vet` resolves a host and refuses it unless EVERY address it resolves
to is public: loopback, private (RFC 1918), CGNAT (100.64/10), link-local and cloud
metadata (169.254.169.254, fd00:ec2::254), unique-local, unspecified, multicast,
reserved and documentation ranges are refused, as are IPv6 forms embedding such an
IPv4 address (IPv4-mapped ``::ffff:a.b.c.d``, NAT64 ``64:ff9b::/96``, 6to4 ``2002::/16``).
Names and addresses listed in ``HTTP_TOOL_ALLOW_HOSTS`` (host names, IPs or CIDR
ranges) skip the check.

It returns the vetted address, and the caller connects to that address, never
to the name again: a DNS answer that changes between check and connect (DNS
rebinding) cannot slip in a private address. The resolver is injectable so tests
need no DNS.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]

_METADATA = frozenset({ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")})
_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
_BENCHMARK = ipaddress.ip_network("198.18.0.0/15")


class BlockedAddress(Exception):
    """The destination is not a public address and is not allowed by configuration."""


def address_problem(ip: IPAddress) -> str | None:
    """Why ``ip`` is not a public unicast address, or None when it is."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            inner = address_problem(embedded)
            return f"embeds {embedded}, which {inner}" if inner else None
        if ip in _NAT64_LOCAL or ip.teredo is not None:
            return "is a tunnelling address"
    checks: tuple[tuple[bool, str], ...] = (
        (ip in _METADATA, "is a cloud metadata address"),
        (ip.is_unspecified, "is an unspecified address"),
        (ip.is_loopback, "is a loopback address"),
        (ip.is_link_local, "is a link-local address"),
        (ip.is_multicast, "is a multicast address"),
        (isinstance(ip, ipaddress.IPv4Address) and ip in _CGNAT, "is a shared (CGNAT) address"),
        (isinstance(ip, ipaddress.IPv4Address) and ip in _BENCHMARK, "is a benchmarking address"),
        (ip.is_private, "is a private address"),
        (ip.is_reserved, "is a reserved address"),
        (not ip.is_global, "is not a public address"),
    )
    return next((why for hit, why in checks if hit), None)


async def system_resolver(host: str, port: int) -> list[str]:
    """The addresses the operating system resolves ``host`` to, in its preferred order."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: dict[str, None] = {}
    for *_, sockaddr in infos:
        seen.setdefault(str(sockaddr[0]).split("%", 1)[0], None)  # drop IPv6 zone ids
    return list(seen)


def _parse_ip(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None


@dataclass(frozen=True)
class NetGuard:
    """Decides which hosts the HTTP tool may reach; ``allow`` entries are names, IPs or CIDRs."""

    allow: Iterable[str] = ()
    resolver: Resolver = system_resolver
    _names: frozenset[str] = field(init=False, repr=False)
    _networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        names: set[str] = set()
        networks = []
        for entry in (e.strip().lower().rstrip(".") for e in self.allow):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                names.add(entry)
        object.__setattr__(self, "_names", frozenset(names))
        object.__setattr__(self, "_networks", tuple(networks))

    def _allowed_ip(self, ip: IPAddress) -> bool:
        return any(ip.version == net.version and ip in net for net in self._networks)

    async def vet(self, host: str, port: int) -> str:
        """The address to connect to for ``host``; raises :class:`BlockedAddress` if not allowed."""
        name = host.strip().lower().rstrip(".")
        if not name:
            raise BlockedAddress("the URL has no host")
        literal = _parse_ip(name)
        if literal is not None:
            addresses = [literal]
        else:
            try:
                resolved = await self.resolver(name, port)
            except OSError as exc:
                raise BlockedAddress(f"cannot resolve {name!r}: {exc}") from exc
            addresses = [ip for ip in (_parse_ip(a) for a in resolved) if ip is not None]
            if not addresses:
                raise BlockedAddress(f"{name!r} resolves to no address")
        if name in self._names:
            return str(addresses[0])
        for ip in addresses:
            why = None if self._allowed_ip(ip) else address_problem(ip)
            if why:
                shown = name if literal is not None else f"{name!r} resolves to {ip}, which"
                raise BlockedAddress(
                    f"refused: {shown} {why}; the HTTP tool only reaches public addresses "
                    "unless the host is listed in HTTP_TOOL_ALLOW_HOSTS"
                )
        return str(addresses[0])
