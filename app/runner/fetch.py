"""One guarded HTTP request, safe to make unattended: the agent's ``http_request`` tool and ``http`` tasks.

How a request is made, hop by hop (redirects are followed here, at most
``max_redirects``, never by httpx):

1. The URL must be ``http`` or ``https``. :meth:`NetGuard.vet` resolves the host and
   refuses it unless every address is public (or the host is allow-listed); it
   returns one vetted IP.
2. The request is sent to that IP: the URL's host is replaced by the IP, the
   ``Host`` header keeps the original name (virtual hosting works), and for HTTPS
   httpcore's ``sni_hostname`` request extension sends the original name as TLS
   SNI and verifies the certificate against that name (``ssl`` checks the
   certificate against ``server_hostname``). Nothing resolves the name a second
   time, so DNS rebinding between check and connect is impossible.
3. Every redirect target goes through 1-2 again; credentials (``Authorization``,
   ``Cookie``) are dropped when a redirect leaves the origin, and 301/302/303 turn
   a POST into a GET as browsers do.

Each call uses a fresh client with keep-alive off and ``trust_env=False``: pooled
connections are keyed by IP, so reusing one for another name on the same IP
would skip that name's certificate check, and an environment proxy would resolve
names itself, outside the guard. The body is streamed and cut at
``max_body_bytes`` (``truncated``), counted after decompression, which is done
here with a bound (a gzip bomb inflates no further than the cap); the whole call
is bounded by a timeout.

Errors: :class:`FetchError` (refused, failed, timed out; ``timed_out`` says which).
"""

from __future__ import annotations

import asyncio
import zlib
from dataclasses import dataclass, field

import httpx

from app.netguard import BlockedAddress, NetGuard

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CREDENTIAL_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})
ACCEPT_ENCODING = "gzip, deflate"


class FetchError(Exception):
    """The request was refused by the guard, could not be made, or took too long."""

    def __init__(self, message: str, *, timed_out: bool = False) -> None:
        super().__init__(message)
        self.timed_out = timed_out


@dataclass(frozen=True, kw_only=True)
class FetchLimits:
    """Where a request may go and how much of it is read."""

    guard: NetGuard = field(default_factory=NetGuard)
    max_body_bytes: int = 256 * 1024
    max_redirects: int = 5
    user_agent: str = "taskrunner/0.1"


@dataclass(frozen=True, kw_only=True)
class Fetched:
    """The final answer (after redirects), its body decoded and cut at the limit."""

    status: int
    reason: str
    url: str
    headers: dict[str, str]
    body: str
    truncated: bool
    bytes_read: int
    redirects: list[str]


async def fetch(
    limits: FetchLimits,
    method: str,
    url: str | httpx.URL,
    headers: dict[str, str] | None = None,
    body: str | None = None,
    *,
    timeout: float,  # noqa: ASYNC109 - also the client's own per-operation timeout
) -> Fetched:
    """Make the request within ``timeout`` seconds; :class:`FetchError` when refused or failed."""
    if method not in METHODS:
        raise FetchError(f"method must be one of {', '.join(METHODS)}")
    try:
        target = url if isinstance(url, httpx.URL) else httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise FetchError(f"invalid URL: {exc}") from exc
    try:
        async with asyncio.timeout(timeout):
            return await _fetch(limits, method, target, dict(headers or {}), body, limit_seconds=timeout)
    except TimeoutError as exc:
        raise FetchError(f"request timed out after {timeout:g}s", timed_out=True) from exc
    except httpx.HTTPError as exc:
        raise FetchError(f"request failed: {type(exc).__name__}: {exc}") from exc


async def _fetch(
    cfg: FetchLimits,
    method: str,
    url: httpx.URL,
    headers: dict[str, str],
    body: str | None,
    *,
    limit_seconds: float,
) -> Fetched:
    redirects: list[str] = []
    headers = {k: v for k, v in headers.items() if k.lower() != "host"}
    if not any(k.lower() == "user-agent" for k in headers):
        headers["User-Agent"] = cfg.user_agent
    # Only codings we inflate ourselves, with a bound (see _read_limited).
    headers = {k: v for k, v in headers.items() if k.lower() != "accept-encoding"}
    headers["Accept-Encoding"] = ACCEPT_ENCODING
    async with httpx.AsyncClient(
        trust_env=False,
        follow_redirects=False,
        timeout=limit_seconds,
        limits=httpx.Limits(max_keepalive_connections=0),
    ) as client:
        for _ in range(cfg.max_redirects + 1):
            request = await _pinned_request(client, cfg, method, url, headers, body)
            response = await client.send(request, stream=True)
            try:
                location = response.headers.get("location")
                if response.status_code in _REDIRECTS and location:
                    target = url.join(location)
                    redirects.append(str(target))
                    if response.status_code == 303 or (response.status_code in (301, 302) and method == "POST"):
                        method, body = ("HEAD" if method == "HEAD" else "GET"), None
                    if (target.scheme, target.host, target.port) != (url.scheme, url.host, url.port):
                        headers = {k: v for k, v in headers.items() if k.lower() not in _CREDENTIAL_HEADERS}
                    url = target
                    continue
                data, truncated = await _read_limited(response, cfg.max_body_bytes)
                return Fetched(
                    status=response.status_code,
                    reason=response.reason_phrase,
                    url=str(url),
                    headers=dict(response.headers),
                    body=data.decode(response.encoding or "utf-8", errors="replace"),
                    truncated=truncated,
                    bytes_read=len(data),
                    redirects=redirects,
                )
            finally:
                await response.aclose()
    raise FetchError(f"too many redirects (more than {cfg.max_redirects})")


async def _pinned_request(
    client: httpx.AsyncClient,
    cfg: FetchLimits,
    method: str,
    url: httpx.URL,
    headers: dict[str, str],
    body: str | None,
) -> httpx.Request:
    if url.scheme not in ("http", "https"):
        raise FetchError(f"only http and https URLs are allowed, not {url.scheme or 'no scheme'!r}")
    if not url.host:
        raise FetchError("the URL has no host")
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        ip = await cfg.guard.vet(url.host, port)
    except BlockedAddress as exc:
        raise FetchError(str(exc)) from exc
    extensions = {"sni_hostname": url.host} if url.scheme == "https" else {}
    return client.build_request(
        method,
        url.copy_with(host=ip),
        headers={**headers, "Host": url.netloc.decode("ascii")},
        content=body.encode() if body is not None else None,
        extensions=extensions,
    )


async def _read_limited(response: httpx.Response, limit: int) -> tuple[bytes, bool]:
    """At most ``limit`` bytes of the decoded body, and whether there was more.

    The raw stream is decompressed here, never by httpx, with zlib's ``max_length``:
    no chunk ever inflates past the limit, so a gzip bomb (a few KiB that expand
    to gigabytes) costs no more memory than an honest answer.
    """
    decoder = _decoder(response.headers.get("content-encoding", ""))
    chunks: list[bytes] = []
    size = raw_size = 0
    async for raw in response.aiter_raw():
        raw_size += len(raw)
        if raw_size > 2 * limit + 65536:
            # Compressed data never inflates to less than half its size; a stream that does
            # (empty deflate blocks, say) would only keep us reading until the timeout.
            return b"".join(chunks)[:limit], True
        data = raw
        while data or decoder.more():
            piece, data = decoder.feed(data, limit + 1 - size)
            chunks.append(piece)
            size += len(piece)
            if size > limit:  # stop reading: the rest is never downloaded nor inflated
                return b"".join(chunks)[:limit], True
            if not piece and not decoder.more():
                break
    return b"".join(chunks), False


class _Identity:
    def feed(self, data: bytes, room: int) -> tuple[bytes, bytes]:
        return data[:room], data[room:]

    def more(self) -> bool:
        return False


class _Inflate:
    """One gzip or deflate layer whose output per call is bounded by ``room``."""

    def __init__(self, wbits: int) -> None:
        self._wbits = wbits
        self._z = zlib.decompressobj(wbits)
        self._started = False

    def feed(self, data: bytes, room: int) -> tuple[bytes, bytes]:
        source = self._z.unconsumed_tail + data
        try:
            out = self._z.decompress(source, max(room, 1))
        except zlib.error as exc:
            if self._started or self._wbits != zlib.MAX_WBITS:
                raise FetchError(f"the response body is not valid {self._name()}: {exc}") from exc
            # "deflate" is sometimes sent raw, without the zlib header.
            self._wbits = -zlib.MAX_WBITS
            self._z = zlib.decompressobj(self._wbits)
            out = self._z.decompress(source, max(room, 1))
        self._started = True
        return out, b""

    def more(self) -> bool:
        return bool(self._z.unconsumed_tail)

    def _name(self) -> str:
        return "gzip" if self._wbits > zlib.MAX_WBITS else "deflate"


def _decoder(content_encoding: str) -> _Identity | _Inflate:
    codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    if not codings:
        return _Identity()
    if len(codings) == 1 and codings[0] in ("gzip", "x-gzip"):
        return _Inflate(16 + zlib.MAX_WBITS)
    if len(codings) == 1 and codings[0] == "deflate":
        return _Inflate(zlib.MAX_WBITS)
    # Layered codings multiply a bomb's ratio, and we asked for gzip or deflate only.
    raise FetchError(f"unsupported Content-Encoding {content_encoding!r} (only gzip or deflate are accepted)")
