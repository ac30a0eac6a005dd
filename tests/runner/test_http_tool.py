"""The http_request tool against a local site: refusals, allow-list, redirects, size limit, pinning."""

from __future__ import annotations

from typing import Any

import pytest

from app.clock import ManualClock
from app.netguard import NetGuard
from app.runner.tools import HttpToolConfig, ToolContext, ToolError
from app.runner.tools.http_request import http_request
from tests.runner.conftest import START, Web


def context(*, allow: tuple[str, ...] = (), table: dict[str, list[str]] | None = None, **limits: Any) -> ToolContext:
    resolved: list[str] = []

    async def resolve(host: str, port: int) -> list[str]:
        resolved.append(host)
        if table is None or host not in table:
            raise OSError(f"test resolver: unknown host {host}")
        return table[host]

    ctx = ToolContext(
        task_id=1,
        timezone="UTC",
        clock=ManualClock(START),
        http=HttpToolConfig(guard=NetGuard(allow=allow, resolver=resolve), **limits),
    )
    object.__setattr__(ctx, "resolved", resolved)  # lets tests count DNS lookups
    return ctx


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://127.0.0.1/", "127.0.0.1 is a loopback address"),
        ("http://10.0.0.1/admin", "10.0.0.1 is a private address"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a cloud metadata address"),
        ("http://[::1]:8080/", "::1 is a loopback address"),
        ("http://[::ffff:127.0.0.1]/", "which is a loopback address"),
        ("http://[fd00:ec2::254]/", "cloud metadata"),
        ("http://100.100.100.200/", "CGNAT"),
        ("http://0.0.0.0:80/", "unspecified"),
    ],
)
async def test_private_addresses_are_refused(url: str, why: str) -> None:
    with pytest.raises(ToolError, match="refused") as info:
        await http_request(context(), {"url": url})
    assert why in str(info.value)
    assert "HTTP_TOOL_ALLOW_HOSTS" in str(info.value)


async def test_name_resolving_to_a_private_address_is_refused() -> None:
    with pytest.raises(ToolError, match=r"'internal.example.com' resolves to 10.0.0.5"):
        await http_request(
            context(table={"internal.example.com": ["10.0.0.5"]}), {"url": "https://internal.example.com/"}
        )


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/", "gopher://x/"])
async def test_other_schemes_are_refused(url: str) -> None:
    with pytest.raises(ToolError, match="only http and https"):
        await http_request(context(), {"url": url})


async def test_allow_list_lets_the_local_site_through(web: Web) -> None:
    result = await http_request(context(allow=("127.0.0.1",)), {"url": web.url("/hello")})
    assert result["status"] == 200
    assert result["body"] == "hello from the test site"
    assert result["truncated"] is False


async def test_connects_to_the_vetted_address_keeping_the_host_header(web: Web) -> None:
    # "site.test" exists only in the injected resolver: success proves the tool connected to
    # the address it vetted, without a second (system) lookup.
    ctx = context(allow=("site.test",), table={"site.test": ["127.0.0.1"]})
    result = await http_request(ctx, {"url": web.url("/echo", host="site.test"), "method": "POST", "body": "hi"})
    assert result["status"] == 200
    assert f'"Host": "site.test:{web.port}"' in result["body"]
    assert '"method": "POST"' in result["body"]
    assert ctx.resolved == ["site.test"]  # type: ignore[attr-defined]


async def test_redirect_to_a_private_address_is_refused(web: Web) -> None:
    url = web.url("/redirect?to=http://10.0.0.1/secret")
    with pytest.raises(ToolError, match=r"10.0.0.1 is a private address"):
        await http_request(context(allow=("127.0.0.1",)), {"url": url})


async def test_redirect_to_a_name_resolving_privately_is_refused(web: Web) -> None:
    ctx = context(allow=("127.0.0.1",), table={"evil.example.com": ["192.168.0.10"]})
    with pytest.raises(ToolError, match=r"resolves to 192.168.0.10"):
        await http_request(ctx, {"url": web.url("/redirect?to=http://evil.example.com/")})


async def test_redirects_are_followed_and_credentials_dropped_across_origins(web: Web) -> None:
    ctx = context(allow=("127.0.0.1", "site.test"), table={"site.test": ["127.0.0.1"]})
    target = web.url("/echo", host="site.test")
    result = await http_request(
        ctx,
        {
            "url": web.url(f"/redirect?status=301&to={target}"),
            "headers": {"Authorization": "Bearer t0ken-abcdef"},
        },
    )
    assert result["status"] == 200
    assert result["redirects"] == [target]
    assert "Authorization" not in result["body"]


async def test_same_origin_redirect_keeps_headers(web: Web) -> None:
    result = await http_request(
        context(allow=("127.0.0.1",)),
        {"url": web.url("/redirect?status=307&to=/echo"), "headers": {"X-Trace": "1"}},
    )
    assert '"X-Trace": "1"' in result["body"]


async def test_too_many_redirects(web: Web) -> None:
    loop = web.url("/redirect?to=/redirect%3Fto%3D/hello")
    with pytest.raises(ToolError, match="too many redirects"):
        await http_request(context(allow=("127.0.0.1",), max_redirects=1), {"url": loop})


async def test_body_is_cut_at_the_size_limit(web: Web) -> None:
    result = await http_request(context(allow=("127.0.0.1",), max_body_bytes=1000), {"url": web.url("/big")})
    assert result["truncated"] is True
    assert result["bytes_read"] == 1000
    assert result["body"] == "x" * 1000


async def test_connection_failure_is_a_tool_error() -> None:
    with pytest.raises(ToolError, match="request failed"):
        await http_request(context(allow=("127.0.0.1",)), {"url": "http://127.0.0.1:9/"})


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({}, "'url' must be a non-empty string"),
        ({"url": "http://x.test/", "method": "BREW"}, "method must be one of"),
        ({"url": "http://x.test/", "headers": {"a": 1}}, "'headers' must be an object"),
        ({"url": "http://x.test/", "body": {"a": 1}}, "'body' must be a string"),
    ],
)
async def test_bad_arguments(args: dict[str, Any], message: str) -> None:
    with pytest.raises(ToolError, match=message):
        await http_request(context(), args)
