"""Controls beside tasks: concurrency keys (limit, running now) and model prices, each with a form to set or remove."""

from __future__ import annotations

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response

from app.errors import ValidationFailed
from app.services.concurrency import ControlService
from app.services.inputs import ConcurrencyKeyIn, ModelPriceIn
from app.web.base import Visitor, first, page, posted, see_other, state_of, unit_of_work
from app.web.render import render

# Which form field each input's pydantic error belongs to.
_FIELDS = {"max_running": "max_running", "input_per_million": "input_price", "output_per_million": "output_price"}


async def _page(
    request: Request,
    visitor: Visitor,
    *,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    state = state_of(request)
    async with unit_of_work(request) as s:
        service = ControlService(s, state.clock)
        keys = await service.keys()
        prices = await service.prices()
    settings = state.settings
    return render(
        request,
        "controls.html",
        {
            "keys": keys,
            "prices": prices,
            "errors": errors or {},
            "typed": typed or {},
            "service": {
                "spread_round_hours": settings.spread_round_hours,
                "max_cost_usd_per_run": settings.max_cost_usd_per_run,
                "max_tokens_per_run": settings.max_tokens_per_run,
                "max_cost_usd_per_day": settings.max_cost_usd_per_day,
                "max_cost_usd_per_month": settings.max_cost_usd_per_month,
            },
        },
        visitor=visitor,
        status_code=status_code,
    )


@page
async def controls(request: Request, visitor: Visitor) -> Response:
    return await _page(request, visitor)


def _errors(exc: ValidationError) -> dict[str, str]:
    out: dict[str, str] = {}
    for err in exc.errors():
        name = _FIELDS.get(str(err["loc"][0]) if err["loc"] else "", "_form")
        out.setdefault(name, str(err["msg"]).removeprefix("Value error, "))
    return out


@page
async def set_key(request: Request, visitor: Visitor) -> Response:
    """Create a concurrency key or change its limit."""
    form = posted(request)
    typed = {"key": first(form, "key"), "max_running": first(form, "max_running")}
    try:
        body = ConcurrencyKeyIn.model_validate({"max_running": typed["max_running"]})
        async with unit_of_work(request) as s:
            await ControlService(s, state_of(request).clock).put_key(typed["key"], body.max_running)
    except ValidationError as exc:
        return await _page(request, visitor, errors=_errors(exc), typed=typed, status_code=422)
    except ValidationFailed as exc:
        return await _page(request, visitor, errors={"key": exc.message}, typed=typed, status_code=422)
    return see_other("/ui/controls", notice="saved")


@page
async def delete_key(request: Request, visitor: Visitor) -> Response:
    async with unit_of_work(request) as s:
        await ControlService(s, state_of(request).clock).delete_key(first(posted(request), "key"))
    return see_other("/ui/controls", notice="removed")


@page
async def set_price(request: Request, visitor: Visitor) -> Response:
    """Set a model's price per million tokens."""
    form = posted(request)
    typed = {name: first(form, name) for name in ("model", "input_price", "output_price")}
    try:
        body = ModelPriceIn.model_validate(
            {
                "input_per_million": typed["input_price"],
                "output_per_million": typed["output_price"],
            }
        )
        async with unit_of_work(request) as s:
            await ControlService(s, state_of(request).clock).put_price(
                typed["model"], body.input_per_million, body.output_per_million
            )
    except ValidationError as exc:
        return await _page(request, visitor, errors=_errors(exc), typed=typed, status_code=422)
    except ValidationFailed as exc:
        return await _page(request, visitor, errors={"model": exc.message}, typed=typed, status_code=422)
    return see_other("/ui/controls", notice="saved")


@page
async def delete_price(request: Request, visitor: Visitor) -> Response:
    async with unit_of_work(request) as s:
        await ControlService(s, state_of(request).clock).delete_price(first(posted(request), "model"))
    return see_other("/ui/controls", notice="removed")
