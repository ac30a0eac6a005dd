"""What the client raises; every failure is one of these, with words fit to show a user.

Tree::

    ClientError              exit_code 1: a message for the user, no traceback
    ├── APIError             the server answered with an error envelope: status, code, message, details
    └── ServerUnreachable    exit_code 2: nothing listening, DNS failure, timeout
"""

from __future__ import annotations

from typing import Any


class ClientError(Exception):
    """A failure of a client call; ``message`` is one line for a user, ``exit_code`` for a CLI."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class APIError(ClientError):
    """The server refused the request; ``code`` is the API's stable error code."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        details: dict[str, Any] | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.details = details or {}
        self.request_id = request_id


class ServerUnreachable(ClientError):
    exit_code = 2
