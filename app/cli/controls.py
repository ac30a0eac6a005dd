"""Controls from the command line: a task's controls, concurrency keys and model prices.

``taskrunner task controls ID --overlap buffer_one --jitter 30 ...``,
``taskrunner concurrency-keys list|set|delete`` and ``taskrunner prices list|set|delete``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, cast

import typer
from rich.table import Table

from app.cli import render
from app.cli.common import DEFAULT_URL, ApiKeyOpt, JsonOpt, UrlOpt, connect, fail, print_json
from app.client.models import TaskFields
from app.vocabulary import OverlapPolicy

# Option flag -> task field; `--clear FIELD` sets any nullable one back to null.
CLEARABLE = (
    "concurrency_key",
    "max_cost_usd_per_run",
    "max_tokens_per_run",
    "max_cost_usd_per_day",
    "max_cost_usd_per_month",
    "pause_after_failures",
    "max_delay_seconds",
    "max_duration_seconds",
)


def task_controls(
    task_id: Annotated[int, typer.Argument(help="The task's id.", min=1)],
    overlap: Annotated[
        OverlapPolicy | None,
        typer.Option("--overlap", help="A fire while a run is going: skip, buffer_one, cancel_other, allow."),
    ] = None,
    concurrency_key: Annotated[
        str | None, typer.Option("--concurrency-key", help="Share a limit with other tasks (see concurrency-keys).")
    ] = None,
    jitter: Annotated[int | None, typer.Option("--jitter", min=0, help="Start up to this many seconds late.")] = None,
    max_cost_per_run: Annotated[float | None, typer.Option("--max-cost-per-run", min=0, help="US dollars.")] = None,
    max_tokens_per_run: Annotated[int | None, typer.Option("--max-tokens-per-run", min=1)] = None,
    max_cost_per_day: Annotated[float | None, typer.Option("--max-cost-per-day", min=0, help="US dollars.")] = None,
    max_cost_per_month: Annotated[float | None, typer.Option("--max-cost-per-month", min=0, help="US dollars.")] = None,
    pause_on_budget: Annotated[
        bool | None, typer.Option("--pause-on-budget/--no-pause-on-budget", help="Pause the task when a budget is hit.")
    ] = None,
    pause_after_failures: Annotated[
        int | None, typer.Option("--pause-after-failures", min=1, help="Pause after this many failed runs in a row.")
    ] = None,
    max_delay: Annotated[
        int | None, typer.Option("--max-delay", min=0, help="SLA: seconds a start may be late.")
    ] = None,
    max_duration: Annotated[
        int | None, typer.Option("--max-duration", min=1, help="SLA: seconds a run may take.")
    ] = None,
    clear: Annotated[
        list[str] | None, typer.Option("--clear", help=f"Unset a control: {', '.join(CLEARABLE)}.")
    ] = None,
    url: UrlOpt = DEFAULT_URL,
    api_key: ApiKeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Set a task's controls: overlap policy, concurrency key, jitter, budgets, auto-pause and SLA."""
    body: dict[str, Any] = {
        "overlap_policy": overlap.value if overlap else None,
        "concurrency_key": concurrency_key,
        "jitter_seconds": jitter,
        "max_cost_usd_per_run": max_cost_per_run,
        "max_tokens_per_run": max_tokens_per_run,
        "max_cost_usd_per_day": max_cost_per_day,
        "max_cost_usd_per_month": max_cost_per_month,
        "pause_on_budget": pause_on_budget,
        "pause_after_failures": pause_after_failures,
        "max_delay_seconds": max_delay,
        "max_duration_seconds": max_duration,
    }
    body = {k: v for k, v in body.items() if v is not None}
    for name in clear or []:
        if name not in CLEARABLE:
            fail(f"cannot clear {name!r}; clearable: {', '.join(CLEARABLE)}", 2)
        body[name] = None
    if not body:
        fail("nothing to change: give at least one option (see --help)", 2)
    with connect(url, api_key) as client:
        task = client.update_task(task_id, cast(TaskFields, body))
    if as_json:
        print_json(task)
        return
    out = render.console()
    out.print(f"Updated the controls of task {task['id']} ({task['name']}).")
    out.print(controls_panel(task))


def controls_panel(task: Mapping[str, Any]) -> Table:
    """A task's controls, one per line."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column(overflow="fold")
    rows = [
        ("Overlap", task.get("overlap_policy", "skip")),
        ("Concurrency key", task.get("concurrency_key") or "-"),
        ("Jitter", f"{task.get('jitter_seconds', 0)} s"),
        ("Budget per run", _budget(task.get("max_cost_usd_per_run"), task.get("max_tokens_per_run"))),
        ("Budget per day", _money(task.get("max_cost_usd_per_day"))),
        ("Budget per month", _money(task.get("max_cost_usd_per_month"))),
        ("Pause on budget", "yes" if task.get("pause_on_budget") else "no"),
        ("Pause after failures", str(task.get("pause_after_failures") or "-")),
        ("SLA start delay", _seconds(task.get("max_delay_seconds"))),
        ("SLA duration", _seconds(task.get("max_duration_seconds"))),
    ]
    if task.get("pause_note"):
        rows.insert(0, ("Paused because", task["pause_note"]))
    for label, value in rows:
        grid.add_row(label, value)
    return grid


def _money(value: float | None) -> str:
    return "-" if value is None else f"${value:.2f}" if value >= 0.01 or value == 0 else f"${value:.4f}"


def _seconds(value: int | None) -> str:
    return "-" if value is None else f"{value} s"


def _budget(cost: float | None, tokens: int | None) -> str:
    parts = [p for p in (_money(cost) if cost is not None else None, f"{tokens} tokens" if tokens else None) if p]
    return ", ".join(parts) or "(service default)"


keys_app = typer.Typer(name="concurrency-keys", help="Limits shared by tasks across all workers.", no_args_is_help=True)


@keys_app.command("list")
def list_keys(url: UrlOpt = DEFAULT_URL, api_key: ApiKeyOpt = None, as_json: JsonOpt = False) -> None:
    """Every concurrency key with its limit and what runs and waits under it."""
    with connect(url, api_key) as client:
        page = client.list_concurrency_keys()
    if as_json:
        print_json(page)
        return
    if not page["items"]:
        render.console().print("No concurrency keys.")
        return
    table = Table(title=f"Concurrency keys ({page['total']})", title_justify="left")
    for column in ("Key", "Limit", "Running", "Queued", "Tasks"):
        table.add_column(column)
    for k in page["items"]:
        table.add_row(k["key"], str(k["max_running"]), str(k["running"]), str(k["queued"]), str(k["tasks"]))
    render.console().print(table)


@keys_app.command("set")
def set_key(
    key: Annotated[str, typer.Argument(help="The key's name, e.g. slack or openai.")],
    max_running: Annotated[int, typer.Argument(help="Runs of this key at once, across all workers.", min=0)],
    url: UrlOpt = DEFAULT_URL,
    api_key: ApiKeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a concurrency key or change its limit."""
    with connect(url, api_key) as client:
        row = client.set_concurrency_key(key, max_running=max_running)
    if as_json:
        print_json(row)
        return
    render.console().print(f"Concurrency key {row['key']}: at most {row['max_running']} running at once.")


@keys_app.command("delete")
def delete_key(
    key: Annotated[str, typer.Argument(help="The key's name.")],
    url: UrlOpt = DEFAULT_URL,
    api_key: ApiKeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Remove a key's limit (its tasks then run without one)."""
    with connect(url, api_key) as client:
        client.delete_concurrency_key(key)
    if as_json:
        print_json({"deleted": key})
        return
    render.console().print(f"Deleted concurrency key {key}.")


prices_app = typer.Typer(name="prices", help="Per-model prices for cost and budgets.", no_args_is_help=True)


@prices_app.command("list")
def list_prices(url: UrlOpt = DEFAULT_URL, api_key: ApiKeyOpt = None, as_json: JsonOpt = False) -> None:
    """Model prices set here (they win over litellm's)."""
    with connect(url, api_key) as client:
        page = client.list_model_prices()
    if as_json:
        print_json(page)
        return
    if not page["items"]:
        render.console().print("No model prices set; costs come from litellm (unknown models: no cost).")
        return
    table = Table(title="Model prices (US dollars per million tokens)", title_justify="left")
    for column in ("Model", "Input", "Output"):
        table.add_column(column)
    for p in page["items"]:
        table.add_row(p["model"], f"{p['input_per_million']:g}", f"{p['output_per_million']:g}")
    render.console().print(table)


@prices_app.command("set")
def set_price(
    model: Annotated[str, typer.Argument(help="The model as litellm spells it, e.g. ollama/llama3.")],
    input_price: Annotated[float, typer.Option("--input", min=0, help="Dollars per million prompt tokens.")],
    output_price: Annotated[float, typer.Option("--output", min=0, help="Dollars per million completion tokens.")],
    url: UrlOpt = DEFAULT_URL,
    api_key: ApiKeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Set a model's price per million tokens."""
    with connect(url, api_key) as client:
        row = client.set_model_price(model, input_per_million=input_price, output_per_million=output_price)
    if as_json:
        print_json(row)
        return
    render.console().print(
        f"{row['model']}: ${row['input_per_million']:g} in, ${row['output_per_million']:g} out per million tokens."
    )


@prices_app.command("delete")
def delete_price(
    model: Annotated[str, typer.Argument(help="The model.")],
    url: UrlOpt = DEFAULT_URL,
    api_key: ApiKeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Forget a model's price (litellm's, if any, applies again)."""
    with connect(url, api_key) as client:
        client.delete_model_price(model)
    if as_json:
        print_json({"deleted": model})
        return
    render.console().print(f"Deleted the price of {model}.")
