"""The tools for controls beside tasks: concurrency keys and model prices (docs/controls.md)."""

from __future__ import annotations

from typing import Any

from app.tools import args as A
from app.tools.base import ToolContext, ToolDef
from app.tools.render import key_dict, price_dict


async def list_keys(ctx: ToolContext, a: A.NoArgs) -> dict[str, Any]:
    keys = await ctx.services.controls.keys()
    return {"total": len(keys), "keys": [key_dict(k) for k in keys]}


async def set_key(ctx: ToolContext, a: A.SetConcurrencyKey) -> dict[str, Any]:
    return {"status": "set", "key": key_dict(await ctx.services.controls.put_key(a.key, a.max_running))}


async def remove_key(ctx: ToolContext, a: A.KeyRef) -> dict[str, Any]:
    await ctx.services.controls.delete_key(a.key)
    return {"status": "removed", "key": a.key}


async def list_prices(ctx: ToolContext, a: A.NoArgs) -> dict[str, Any]:
    prices = await ctx.services.controls.prices()
    return {"total": len(prices), "prices": [price_dict(p) for p in prices]}


async def set_price(ctx: ToolContext, a: A.SetModelPrice) -> dict[str, Any]:
    price = await ctx.services.controls.put_price(a.model, a.input_per_million, a.output_per_million)
    return {"status": "set", "price": price_dict(price)}


async def remove_price(ctx: ToolContext, a: A.ModelRef) -> dict[str, Any]:
    await ctx.services.controls.delete_price(a.model)
    return {"status": "removed", "model": a.model}


CONTROL_TOOLS: tuple[ToolDef, ...] = (
    ToolDef(
        name="ListConcurrencyKeys",
        chat_name="list_concurrency_keys",
        title="List concurrency keys",
        description=(
            "List concurrency keys: each key's limit of runs at once (across all workers), how many of its runs "
            "are running and queued now, and how many tasks name it. A key no task names still holds its limit."
        ),
        args=A.NoArgs,
        handler=list_keys,
        read_only=True,
        destructive=False,
        idempotent=True,
    ),
    ToolDef(
        name="SetConcurrencyKey",
        chat_name="set_concurrency_key",
        title="Set a concurrency key's limit",
        description=(
            "Create a concurrency key or change its limit: at most `max_running` runs of the tasks naming it at "
            "once (0 holds them all). Tasks join a key through their `concurrency_key` (UpdateTask)."
        ),
        args=A.SetConcurrencyKey,
        handler=set_key,
        read_only=False,
        destructive=False,
        idempotent=True,
    ),
    ToolDef(
        name="RemoveConcurrencyKey",
        chat_name="remove_concurrency_key",
        title="Remove a concurrency key's limit",
        description="Remove a concurrency key's limit: tasks naming it then run without one.",
        args=A.KeyRef,
        handler=remove_key,
        read_only=False,
        destructive=True,
        idempotent=True,
    ),
    ToolDef(
        name="ListModelPrices",
        chat_name="list_model_prices",
        title="List model prices",
        description="List the prices set per model (US dollars per million prompt and completion tokens).",
        args=A.NoArgs,
        handler=list_prices,
        read_only=True,
        destructive=False,
        idempotent=True,
    ),
    ToolDef(
        name="SetModelPrice",
        chat_name="set_model_price",
        title="Set a model's price",
        description=(
            "Set a model's price per million tokens, for models litellm has no price for (or to override it); "
            "runs starting after it are costed with it, so cost budgets can count them."
        ),
        args=A.SetModelPrice,
        handler=set_price,
        read_only=False,
        destructive=False,
        idempotent=True,
    ),
    ToolDef(
        name="RemoveModelPrice",
        chat_name="remove_model_price",
        title="Remove a model's price",
        description="Remove a model's price: its runs are costed by litellm again (or stay of unknown cost).",
        args=A.ModelRef,
        handler=remove_price,
        read_only=False,
        destructive=True,
        idempotent=True,
    ),
)
