"""``taskrunner template ...`` and ``taskrunner functions list``: prompt templates and registered functions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import typer
from rich.table import Table

from app.cli import render
from app.cli.common import DEFAULT_URL, ApiKeyOpt, JsonOpt, UrlOpt, connect, fail, print_json
from app.cli.parsing import parse_pairs, template_ref
from app.client.models import TemplateFields

app = typer.Typer(
    name="template",
    help="Prompt templates: instructions with {{placeholders}} that tasks fill with --param.",
    no_args_is_help=True,
)
functions_app = typer.Typer(
    name="functions", help="Functions installed packages register for function tasks.", no_args_is_help=True
)

Ref = Annotated[str, typer.Argument(help="The template's name or id.")]
InstructionsOpt = Annotated[
    str | None, typer.Option("--instructions", help="What the agent does; {{name}} marks a placeholder.")
]
DescriptionOpt = Annotated[str | None, typer.Option("--description", help="What the template is for.")]


@app.command("create")
def create(
    name: Annotated[str, typer.Option("--name", help="A unique name (not all digits).")],
    instructions: Annotated[
        str, typer.Option("--instructions", help="What the agent does; {{name}} is a placeholder.")
    ],
    description: DescriptionOpt = None,
    url: UrlOpt = DEFAULT_URL,
    api_key: ApiKeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a template; tasks use it with --template NAME --param key=value."""
    fields: TemplateFields = {"name": name, "instructions": instructions}
    if description is not None:
        fields["description"] = description
    with connect(url, api_key) as client:
        template = client.create_template(fields)
    if as_json:
        print_json(template)
        return
    render.console().print(f"Created template {template['id']} ({template['name']}).")
    render.console().print(_panel(template))


@app.command("list")
def list_templates(url: UrlOpt = DEFAULT_URL, api_key: ApiKeyOpt = None, as_json: JsonOpt = False) -> None:
    """List templates with their placeholders and how many tasks use each."""
    with connect(url, api_key) as client:
        page = client.list_templates(limit=500)
    if as_json:
        print_json(page)
        return
    if not page["items"]:
        render.console().print("No templates.")
        return
    table = Table(title=f"Templates ({len(page['items'])} of {page['total']})", title_justify="left")
    for column in ("ID", "Name", "Placeholders", "Tasks", "Description"):
        table.add_column(column, overflow="fold")
    for t in page["items"]:
        table.add_row(
            str(t["id"]),
            t["name"],
            ", ".join(t["placeholders"]) or "-",
            str(len(t["task_ids"])),
            t["description"] or "",
        )
    render.console().print(table)


@app.command("show")
def show(ref: Ref, url: UrlOpt = DEFAULT_URL, api_key: ApiKeyOpt = None, as_json: JsonOpt = False) -> None:
    """Show a template: its instructions, placeholders and the tasks made from it."""
    with connect(url, api_key) as client:
        template = client.get_template(template_ref(ref))
    if as_json:
        print_json(template)
        return
    render.console().print(_panel(template))


@app.command("update")
def update(
    ref: Ref,
    name: Annotated[str | None, typer.Option("--name", help="A new name.")] = None,
    instructions: InstructionsOpt = None,
    description: DescriptionOpt = None,
    param: Annotated[
        list[str] | None,
        typer.Option("--param", help="name=value for a new placeholder, given to tasks that have none (repeat)."),
    ] = None,
    url: UrlOpt = DEFAULT_URL,
    api_key: ApiKeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Change a template; new instructions reach every task made from it at its next run."""
    fields: TemplateFields = {}
    if name is not None:
        fields["name"] = name
    if instructions is not None:
        fields["instructions"] = instructions
    if description is not None:
        fields["description"] = description
    if param:
        try:
            fields["params"] = parse_pairs(param, "=", "param")
        except ValueError as exc:
            fail(str(exc), 2)
    if not fields:
        fail("nothing to change: give --name, --instructions, --description or --param", 2)
    with connect(url, api_key) as client:
        template = client.update_template(template_ref(ref), fields)
    if as_json:
        print_json(template)
        return
    render.console().print(f"Updated template {template['id']} ({template['name']}).")
    render.console().print(_panel(template))


@app.command("delete")
def delete(
    ref: Ref,
    force: Annotated[
        bool, typer.Option("--force", help="Delete although tasks use it (they keep their instructions).")
    ] = False,
    url: UrlOpt = DEFAULT_URL,
    api_key: ApiKeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Delete a template; refused while tasks use it, unless --force."""
    with connect(url, api_key) as client:
        client.delete_template(template_ref(ref), force=force)
    if as_json:
        print_json({"deleted": ref})
        return
    render.console().print(f"Deleted template {ref}.")


@functions_app.command("list")
def list_functions(url: UrlOpt = DEFAULT_URL, api_key: ApiKeyOpt = None, as_json: JsonOpt = False) -> None:
    """List the functions function tasks may call (entry-point group taskrunner.functions)."""
    with connect(url, api_key) as client:
        listed = client.list_functions()
    if as_json:
        print_json(listed)
        return
    if not listed["items"]:
        render.console().print("No functions are registered (entry-point group taskrunner.functions).")
        return
    table = Table(title=f"Functions ({listed['total']})", title_justify="left")
    for column in ("Name", "Target", "Summary"):
        table.add_column(column, overflow="fold")
    for f in listed["items"]:
        table.add_row(f["name"], f["target"], (f["problem"] and f"cannot load: {f['problem']}") or f["summary"] or "")
    render.console().print(table)


def _panel(template: Mapping[str, Any]) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column(overflow="fold")
    grid.add_row("Template", f"{template['id']}  {template['name']}")
    if template.get("description"):
        grid.add_row("About", template["description"])
    grid.add_row("Placeholders", ", ".join(template["placeholders"]) or "(none)")
    grid.add_row("Tasks", ", ".join(str(i) for i in template["task_ids"]) or "(none)")
    grid.add_row("Instructions", template["instructions"])
    return grid
