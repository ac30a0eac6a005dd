"""The CLI's HTTP client: one small class over httpx speaking the taskrunner REST API.

Errors (everything a command reports on one line)::

    CLIError                 exit_code 1: a message for the user, no traceback
    ├── APIError             the server answered with an error body (code, message, status)
    └── ServerUnreachable    exit_code 2: nothing listening, DNS failure, timeout
"""

from __future__ import annotations

from typing import Any

import httpx

DEFAULT_URL = "http://127.0.0.1:8000"


class CLIError(Exception):
    """A failure the CLI reports as ``error: <message>`` and a non-zero exit code."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class APIError(CLIError):
    """The server refused the request; ``code`` is the API's stable error code."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code


class ServerUnreachable(CLIError):
    exit_code = 2


class TaskrunnerClient:
    """Calls the API at ``base_url``; JSON in, JSON out, errors as :class:`CLIError`."""

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._http = httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout, transport=transport)

    def __enter__(self) -> TaskrunnerClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def get(self, path: str, **params: Any) -> Any:
        """GET ``path`` with the query parameters that are not None."""
        return self.request("GET", path, params={k: v for k, v in params.items() if v is not None})

    def post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.request("POST", path, json=body)

    def patch(self, path: str, body: dict[str, Any]) -> Any:
        return self.request("PATCH", path, json=body)

    def delete(self, path: str) -> Any:
        return self.request("DELETE", path)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: dict[str, Any] | None = None,
    ) -> Any:
        """Send one request; the decoded JSON body (None for 204) or a :class:`CLIError`."""
        try:
            response = self._http.request(method, path, params=params, json=json)
        except httpx.ConnectError as exc:
            raise ServerUnreachable(f"cannot reach the taskrunner server at {self.base_url}: {_reason(exc)}") from exc
        except httpx.TimeoutException as exc:
            raise ServerUnreachable(
                f"the taskrunner server at {self.base_url} did not answer in time ({type(exc).__name__})"
            ) from exc
        except httpx.TransportError as exc:
            raise ServerUnreachable(f"cannot talk to the taskrunner server at {self.base_url}: {exc}") from exc
        if response.status_code == 204 or not response.content:
            if response.is_error:
                raise APIError(response.status_code, "http_error", f"HTTP {response.status_code}")
            return None
        try:
            body = response.json()
        except ValueError as exc:
            raise CLIError(
                f"the server at {self.base_url} answered HTTP {response.status_code} with a body "
                "that is not JSON; is it a taskrunner server?"
            ) from exc
        if response.is_error:
            error = body.get("error") if isinstance(body, dict) else None
            if isinstance(error, dict):
                raise APIError(response.status_code, str(error.get("code", "error")), str(error.get("message", "")))
            raise APIError(response.status_code, "http_error", f"HTTP {response.status_code}: {body}")
        return body


def _reason(exc: httpx.ConnectError) -> str:
    text = str(exc).lower()
    if "refused" in text or "errno 111" in text or "errno 61" in text:
        return "connection refused"
    if "name or service not known" in text or "nodename nor servname" in text:
        return "unknown host"
    return str(exc) or type(exc).__name__
