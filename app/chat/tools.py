"""The chat assistant's tool box: the shared tool definitions (app.tools) under their chat names.

A failed call becomes ``{"error": {"code", "message"}}`` for the model to relay;
it never ends the turn. Deleting takes two turns (delete_task, then confirm_delete).
"""

from __future__ import annotations

from typing import Any

from app.tools import ToolContext, ToolDef, error_result, invoke, tools_for


class ChatTools:
    """The tool set for one turn: ``specs()`` for the model, ``call()`` to run one."""

    def __init__(self, ctx: ToolContext) -> None:
        self.ctx = ctx
        self._tools: dict[str, ToolDef] = {t.chat_name: t for t in tools_for("chat") if t.chat_name}

    def specs(self) -> list[dict[str, Any]]:
        """The tools in the OpenAI function-calling shape."""
        return [
            {
                "type": "function",
                "function": {"name": name, "description": t.description, "parameters": t.input_schema()},
            }
            for name, t in self._tools.items()
        ]

    async def call(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        tool = self._tools.get(name)
        result = (
            await invoke(tool, self.ctx, arguments)
            if tool is not None
            else error_result("unknown_tool", f"There is no tool {name!r}; use one of: {', '.join(self._tools)}.")
        )
        if result.ok:
            return result.data
        error = result.data["error"]
        # The model gets the code and the message; details stay out of its context.
        return {"error": {"code": error["code"], "message": error["message"]}}
