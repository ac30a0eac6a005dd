"""The MCP server: the shared tools (app.tools) for agents, over streamable HTTP at /mcp and over stdio."""

from app.mcp.server import Backend, build_server

__all__ = ["Backend", "build_server"]
