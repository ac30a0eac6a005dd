"""A typed Python client for the taskrunner API: ``TaskrunnerClient(url, api_key=...)``."""

from app.client.client import DEFAULT_URL, TaskrunnerClient
from app.client.errors import APIError, ClientError, ServerUnreachable

__all__ = ["DEFAULT_URL", "APIError", "ClientError", "ServerUnreachable", "TaskrunnerClient"]
