"""One guarded HTTP exchange to a public address: what the agent's ``http_request`` tool and run
conditions (:mod:`app.runner.conditions`) both use, so both get the same protections.

How a request is made, hop by hop (redirects are followed here, at most
``max_redirects``, never by httpx):

1. The URL must be ``http`` or ``https`` with a host (:func:`check_http_url`).
   :meth:`NetGuard.vet` resolves the host and refuses it unless every address is
   public (or the host is allow-listed); it returns one vetted IP.
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
here with a bound (a gzip bomb inflates no further than the cap). The caller
bounds the whole call with a timeout.

Errors::

    FetchError            anything this module refuses or cannot make sense of
      URLRefused          not an http(s) URL with a host
        AddressRefused    the network guard refused the host (not a public address)
      TooManyRedirects    more than ``max_redirects`` hops
      BadBody             a Content-Encoding we do not accept, or a body that does not inflate

Transport failures (connection refused, DNS errors, TLS, timeouts) stay
``httpx.HTTPError`` / ``OSError`` / ``TimeoutError``: the caller words them.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

import httpx

from app.config import Settings
from app.netguard import BlockedAddress, NetGuard, Resolver, system_resolver

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CREDENTIAL_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})
USER_AGENT = "taskrunner-agent/0.1"
ACCEPT_ENCODING = "gzip, deflate"


class FetchError(Exception):
    """The request was refused here, or its answer could not be read."""


class URLRefused(FetchError):
    """Not an http(s) URL with a host."""


class AddressRefused(URLRefused):
    """The network guard refused the destination (see :mod:`app.netguard`)."""


class TooManyRedirects(FetchError):
    pass


class BadBody(FetchError):
    pass


@dataclass(frozen=True, kw_only=True)
class HttpLimits:
    """What an outbound request may reach, and its limits."""

    guard: NetGuard = field(default_factory=NetGuard)
    max_body_bytes: int = 256 * 1024
    timeout_seconds: float = 20.0
    max_redirects: int = 5

    @classmethod
    def from_settings(cls, settings: Settings, *, resolver: Resolver | None = None) -> HttpLimits:
        """Public addresses only unless ``HTTP_TOOL_ALLOW_HOSTS`` lists them; ``HTTP_TOOL_MAX_BODY_BYTES``."""
        guard = NetGuard(allow=settings.http_allow_host_list, resolver=resolver or system_resolver)
        return cls(guard=guard, max_body_bytes=settings.http_tool_max_body_bytes)


@dataclass(frozen=True, kw_only=True)
class Fetched:
    """The final answer of a request (after redirects): its body cut at the limit, decoded to bytes."""

    status: int
    url: str
    headers: dict[str, str]
    data: bytes
    encoding: str | None
    truncated: bool
    redirects: list[str]

    @property
    def text(self) -> str:
        return self.data.decode(self.encoding or "utf-8", errors="replace")


def check_http_url(text: str) -> httpx.URL:
    """``text`` as an absolute http(s) URL with a host; :class:`URLRefused` otherwise."""
    try:
        url = httpx.URL(text)
    except (httpx.InvalidURL, ValueError) as exc:  # idna's errors are ValueErrors, not InvalidURL
        raise URLRefused(f"invalid URL: {exc}") from exc
    _check_url(url)
    return url


def _check_url(url: httpx.URL) -> None:
    if url.scheme not in ("http", "https"):
        raise URLRefused(f"only http and https URLs are allowed, not {url.scheme or 'no scheme'!r}")
    if not url.host:
        raise URLRefused("the URL has no host")
    if url.port is not None and not 1 <= url.port <= 65535:  # httpx parses any number; no socket takes it
        raise URLRefused(f"port {url.port} is not a TCP port (1-65535)")


async def fetch(
    limits: HttpLimits,
    method: str,
    url: httpx.URL,
    headers: dict[str, str] | None = None,
    body: str | None = None,
    *,
    limit_seconds: float,
) -> Fetched:
    """Send one request through the guard, following redirects; see the module docstring."""
    redirects: list[str] = []
    headers = {k: v for k, v in (headers or {}).items() if k.lower() != "host"}
    headers.setdefault("User-Agent", USER_AGENT)
    # Only codings we inflate ourselves, with a bound (see _read_limited).
    headers = {k: v for k, v in headers.items() if k.lower() != "accept-encoding"}
    headers["Accept-Encoding"] = ACCEPT_ENCODING
    async with httpx.AsyncClient(
        trust_env=False,
        follow_redirects=False,
        timeout=limit_seconds,
        limits=httpx.Limits(max_keepalive_connections=0),
    ) as client:
        for _ in range(limits.max_redirects + 1):
            request = await _pinned_request(client, limits.guard, method, url, headers, body)
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
                data, truncated = await _read_limited(response, limits.max_body_bytes)
                return Fetched(
                    status=response.status_code,
                    url=str(url),
                    headers=dict(response.headers),
                    data=data,
                    encoding=response.encoding,
                    truncated=truncated,
                    redirects=redirects,
                )
            finally:
                await response.aclose()
    raise TooManyRedirects(f"too many redirects (more than {limits.max_redirects})")


async def _pinned_request(
    client: httpx.AsyncClient,
    guard: NetGuard,
    method: str,
    url: httpx.URL,
    headers: dict[str, str],
    body: str | None,
) -> httpx.Request:
    _check_url(url)
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        ip = await guard.vet(url.host, port)
    except BlockedAddress as exc:
        raise AddressRefused(str(exc)) from exc
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
                raise BadBody(f"the response body is not valid {self._name()}: {exc}") from exc
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
    raise BadBody(f"unsupported Content-Encoding {content_encoding!r} (only gzip or deflate are accepted)")
