"""The ``http_request`` tool: one HTTP request to a public address, safe to run unattended.

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
``max_body_bytes`` (``truncated: true``), counted after decompression, which is
done here with a bound (a gzip bomb inflates no further than the cap); the whole
call is bounded by a timeout.
"""

from __future__ import annotations

import asyncio
import zlib
from typing import Any

import httpx

from app.netguard import BlockedAddress
from app.runner.tools.base import HttpToolConfig, Tool, ToolContext, ToolError, arg_str

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CREDENTIAL_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})
USER_AGENT = "taskrunner-agent/0.1"
ACCEPT_ENCODING = "gzip, deflate"


async def http_request(ctx: ToolContext, args: dict[str, Any]) -> dict[str, Any]:
    """Perform the request described by ``args``; :class:`ToolError` when refused or failed."""
    cfg = ctx.http
    method = arg_str(args, "method", "GET").upper()
    if method not in METHODS:
        raise ToolError(f"method must be one of {', '.join(METHODS)}")
    headers = args.get("headers") or {}
    if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
        raise ToolError("argument 'headers' must be an object of string values")
    body = args.get("body")
    if body is not None and not isinstance(body, str):
        raise ToolError("argument 'body' must be a string (serialise JSON yourself)")
    try:
        url = httpx.URL(arg_str(args, "url"))
    except httpx.InvalidURL as exc:
        raise ToolError(f"invalid URL: {exc}") from exc
    timeout = cfg.timeout_seconds
    if isinstance(args.get("timeout_seconds"), int | float):
        timeout = max(0.1, min(timeout, float(args["timeout_seconds"])))
    try:
        async with asyncio.timeout(timeout):
            return await _fetch(cfg, method, url, dict(headers), body, limit_seconds=timeout)
    except TimeoutError as exc:
        raise ToolError(f"request timed out after {timeout:g}s") from exc
    except httpx.HTTPError as exc:
        raise ToolError(f"request failed: {type(exc).__name__}: {exc}") from exc


async def _fetch(
    cfg: HttpToolConfig,
    method: str,
    url: httpx.URL,
    headers: dict[str, str],
    body: str | None,
    *,
    limit_seconds: float,
) -> dict[str, Any]:
    redirects: list[str] = []
    headers = {k: v for k, v in headers.items() if k.lower() != "host"}
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
                return {
                    "status": response.status_code,
                    "url": str(url),
                    "headers": dict(response.headers),
                    "body": data.decode(response.encoding or "utf-8", errors="replace"),
                    "truncated": truncated,
                    "bytes_read": len(data),
                    "redirects": redirects,
                }
            finally:
                await response.aclose()
    raise ToolError(f"too many redirects (more than {cfg.max_redirects})")


async def _pinned_request(
    client: httpx.AsyncClient,
    cfg: HttpToolConfig,
    method: str,
    url: httpx.URL,
    headers: dict[str, str],
    body: str | None,
) -> httpx.Request:
    if url.scheme not in ("http", "https"):
        raise ToolError(f"only http and https URLs are allowed, not {url.scheme or 'no scheme'!r}")
    if not url.host:
        raise ToolError("the URL has no host")
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        ip = await cfg.guard.vet(url.host, port)
    except BlockedAddress as exc:
        raise ToolError(str(exc)) from exc
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
                raise ToolError(f"the response body is not valid {self._name()}: {exc}") from exc
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
    raise ToolError(f"unsupported Content-Encoding {content_encoding!r} (only gzip or deflate are accepted)")


TOOL = Tool(
    name="http_request",
    description=(
        "Make an HTTP request to a public URL and get the status, headers and body "
        "(the body is cut at a size limit; 'truncated' says so). Redirects are followed."
    ),
    parameters={
        "type": "object",
        "properties": {
            "url": {"type": "string", "description": "absolute http(s) URL"},
            "method": {"type": "string", "enum": list(METHODS), "default": "GET"},
            "headers": {"type": "object", "additionalProperties": {"type": "string"}},
            "body": {"type": "string", "description": "request body (e.g. JSON text)"},
            "timeout_seconds": {"type": "number", "description": "lower than the default limit if set"},
        },
        "required": ["url"],
        "additionalProperties": False,
    },
    handler=http_request,
)
