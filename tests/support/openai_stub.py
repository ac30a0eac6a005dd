"""A real local HTTP server speaking the OpenAI chat-completions protocol, scripted per test.

litellm reaches it exactly as it reaches a provider (``model="openai/<name>"``,
``api_base=stub.api_base``, ``api_key="sk-test"``), so its transport, serialization
and error mapping are exercised for real.

API::

    stub.push_text("hello", delay=0.0)                       # assistant answer
    stub.push_tool_calls([("current_time", {"timezone": "UTC"})])  # assistant asks for tools
    stub.push_error(429)                                     # OpenAI error JSON with that status
    stub.push_disconnect()                                   # close the socket without answering
    stub.responder = lambda body: Reply(...)                 # used when the queue is empty
    stub.requests      # JSON bodies received, in arrival order
    stub.calls         # StubCall(path, headers, body) for each request
    stub.base_url      # http://127.0.0.1:<port>     (serves /v1/chat/completions and /chat/completions)
    stub.api_base      # base_url + "/v1"            (what litellm's api_base should be)

With an empty queue and no responder the stub answers 400 "script exhausted", a
permanent error, so an unexpected extra call fails the test quickly and visibly.

Use the ``openai_stub`` fixture (import it into a conftest), or ``with OpenAIStub() as stub``.
The server is an asyncio server on its own thread (or its own process, see
:func:`serve_in_process`), so it answers hundreds of concurrent delayed calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import multiprocessing
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

import pytest

CHAT_PATHS = ("/v1/chat/completions", "/chat/completions")
_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "invalid_request_error",
    403: "permission_error",
    404: "not_found_error",
    429: "rate_limit_exceeded",
}


@dataclass(frozen=True, kw_only=True)
class Reply:
    """One scripted answer: a JSON body with a status, or a dropped connection."""

    status: int = 200
    body: dict[str, Any] | None = None  # None with status 200: filled as a completion by the server
    content: str | None = None
    tool_calls: tuple[tuple[str, dict[str, Any]], ...] = ()
    delay: float = 0.0
    disconnect: bool = False
    headers: tuple[tuple[str, str], ...] = ()
    prompt_tokens: int = 10
    completion_tokens: int = 5


@dataclass(frozen=True, kw_only=True)
class StubCall:
    path: str
    headers: dict[str, str]  # lower-cased names
    body: dict[str, Any]


def completion_body(reply: Reply, request: dict[str, Any], call_number: int) -> dict[str, Any]:
    """The chat.completion JSON for ``reply``, echoing the requested model name."""
    message: dict[str, Any] = {"role": "assistant", "content": reply.content}
    if reply.tool_calls:
        message["tool_calls"] = [
            {
                "id": f"call_{call_number}_{i}",
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(args)},
            }
            for i, (name, args) in enumerate(reply.tool_calls)
        ]
    return {
        "id": f"chatcmpl-stub-{call_number}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.get("model", "stub-model"),
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if reply.tool_calls else "stop",
            }
        ],
        "usage": {
            "prompt_tokens": reply.prompt_tokens,
            "completion_tokens": reply.completion_tokens,
            "total_tokens": reply.prompt_tokens + reply.completion_tokens,
        },
    }


def error_body(status: int, message: str, *, error_type: str | None = None, code: str | None = None) -> dict[str, Any]:
    return {
        "error": {
            "message": message,
            "type": error_type or _ERROR_TYPES.get(status, "server_error"),
            "param": None,
            "code": code,
        }
    }


class OpenAIStub:
    """A scripted OpenAI-compatible server on 127.0.0.1 (see the module docstring)."""

    def __init__(self, responder: Callable[[dict[str, Any]], Reply] | None = None) -> None:
        self.responder = responder
        self.calls: list[StubCall] = []
        self._queue: deque[Reply] = deque()
        self._counter = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None
        self._handlers: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._closing: asyncio.Event | None = None
        self.port = 0

    # -- script -----------------------------------------------------------------
    def push(self, reply: Reply) -> None:
        self._queue.append(reply)

    def push_text(
        self, content: str, *, delay: float = 0.0, prompt_tokens: int = 10, completion_tokens: int = 5
    ) -> None:
        self.push(Reply(content=content, delay=delay, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens))

    def push_tool_calls(
        self,
        calls: Sequence[tuple[str, dict[str, Any]]],
        *,
        content: str | None = None,
        delay: float = 0.0,
        prompt_tokens: int = 10,
        completion_tokens: int = 5,
    ) -> None:
        self.push(
            Reply(
                content=content,
                tool_calls=tuple(calls),
                delay=delay,
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
            )
        )

    def push_error(
        self,
        status: int,
        message: str | None = None,
        *,
        error_type: str | None = None,
        code: str | None = None,
        delay: float = 0.0,
        headers: Sequence[tuple[str, str]] = (),
    ) -> None:
        text = message or f"stub error {status}"
        self.push(
            Reply(
                status=status,
                body=error_body(status, text, error_type=error_type, code=code),
                delay=delay,
                headers=tuple(headers),
            )
        )

    def push_disconnect(self, *, delay: float = 0.0) -> None:
        self.push(Reply(disconnect=True, delay=delay))

    @property
    def requests(self) -> list[dict[str, Any]]:
        return [c.body for c in self.calls]

    @property
    def pending(self) -> int:
        """Scripted replies not consumed yet."""
        return len(self._queue)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base(self) -> str:
        return self.base_url + "/v1"

    # -- lifecycle --------------------------------------------------------------
    def start(self) -> OpenAIStub:
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                self._server = loop.run_until_complete(self.listen())
            except BaseException as exc:  # surfaced to the starting thread below
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._shutdown())
            loop.close()

        self._thread = threading.Thread(target=run, name="openai-stub", daemon=True)
        self._thread.start()
        ready.wait(10)
        if failure:
            raise failure[0]
        return self

    def close(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
        self._loop = None
        self._thread = None

    def __enter__(self) -> OpenAIStub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def listen(self, host: str = "127.0.0.1", port: int = 0) -> asyncio.Server:
        """Start serving on the running loop (for use inside another process or loop)."""
        self._closing = asyncio.Event()
        server = await asyncio.start_server(self._handle, host, port, backlog=4096, limit=2**22)
        self.port = server.sockets[0].getsockname()[1]
        self._server = server
        return server

    async def _shutdown(self) -> None:
        # Wake handlers instead of cancelling them: they end on their own, sockets closed.
        assert self._closing is not None
        self._closing.set()
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    # -- protocol ---------------------------------------------------------------
    def _next_reply(self, body: dict[str, Any]) -> Reply:
        try:
            return self._queue.popleft()
        except IndexError:
            pass
        if self.responder is not None:
            return self.responder(body)
        return Reply(status=400, body=error_body(400, "openai_stub: script exhausted, no reply left"))

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        self._writers.add(writer)
        try:
            while await self._one_request(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass  # the client went away (e.g. it timed out); nothing to answer
        finally:
            self._writers.discard(writer)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
            # Only now: shutdown gathers the handlers and must also wait for this last await.
            self._handlers.discard(task)

    async def _one_request(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return False
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        method, path, _ = request_line.split(" ", 2)
        headers = {}
        for line in header_lines:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        raw = await _read_body(reader, headers)
        keep_alive = headers.get("connection", "").lower() != "close"
        path = path.split("?", 1)[0]
        if method != "POST" or path not in CHAT_PATHS:
            await _write(writer, 404, error_body(404, f"no route {method} {path}"), (), keep_alive)
            return keep_alive
        body = json.loads(raw or b"{}")
        self.calls.append(StubCall(path=path, headers=headers, body=body))
        number = next(self._counter)
        reply = self._next_reply(body)
        if reply.delay:
            assert self._closing is not None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), reply.delay)
        if reply.disconnect or (self._closing is not None and self._closing.is_set()):
            return False
        payload = reply.body if reply.body is not None else completion_body(reply, body, number)
        await _write(writer, reply.status, payload, reply.headers, keep_alive)
        return keep_alive


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    if headers.get("transfer-encoding", "").lower() == "chunked":
        chunks: list[bytes] = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                return b"".join(chunks)
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)
    length = int(headers.get("content-length", "0"))
    return await reader.readexactly(length) if length else b""


async def _write(
    writer: asyncio.StreamWriter,
    status: int,
    payload: dict[str, Any],
    extra: Sequence[tuple[str, str]],
    keep_alive: bool,
) -> None:
    data = json.dumps(payload).encode()
    lines = [
        f"HTTP/1.1 {status} {HTTPStatus(status).phrase}",
        "Content-Type: application/json",
        f"Content-Length: {len(data)}",
        f"Connection: {'keep-alive' if keep_alive else 'close'}",
        *(f"{k}: {v}" for k, v in extra),
    ]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + data)
    await writer.drain()


# -- a stub in its own process (benchmarks: its CPU does not count against ours) ---


def _process_main(responder: Callable[[dict[str, Any]], Reply], port_out: Any) -> None:
    async def main() -> None:
        stub = OpenAIStub(responder)
        await stub.listen()
        port_out.send(stub.port)
        await asyncio.Event().wait()  # serve until the parent terminates us

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())


@dataclass
class StubProcess:
    """A stub served by a child process; ``responder`` must be a picklable module-level function."""

    responder: Callable[[dict[str, Any]], Reply]
    port: int = 0
    _process: Any = field(default=None, repr=False)

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def pid(self) -> int:
        return int(self._process.pid)

    def __enter__(self) -> StubProcess:
        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe()
        self._process = ctx.Process(target=_process_main, args=(self.responder, child), daemon=True)
        self._process.start()
        if not parent.poll(30):
            raise RuntimeError("the stub process did not start")
        self.port = parent.recv()
        return self

    def __exit__(self, *exc: object) -> None:
        self._process.terminate()
        self._process.join(10)


def serve_in_process(responder: Callable[[dict[str, Any]], Reply]) -> StubProcess:
    """A context manager running a stub with ``responder`` in a separate process."""
    return StubProcess(responder)


@pytest.fixture
def openai_stub() -> Iterator[OpenAIStub]:
    """A started :class:`OpenAIStub`, closed after the test."""
    with OpenAIStub() as stub:
        yield stub
