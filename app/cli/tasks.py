"""``taskrunner task ...``: create, list, show, change, pause, resume, run now and delete tasks."""

from __future__ import annotations

from typing import Annotated, Any, cast

import typer
from rich.text import Text

from app.cli import bundles, render, triggers
from app.cli.common import DEFAULT_URL, ApiKeyOpt, JsonOpt, TaskId, UrlOpt, connect, fail, print_json
from app.cli.parsing import parse_after, parse_every, parse_pairs, template_ref
from app.client.models import TaskFields
from app.vocabulary import DependencyMode, MissedRunPolicy, TaskKind, TaskState

app = typer.Typer(
    name="task",
    help="Create, list, show, change, pause, resume, run and delete tasks.",
    no_args_is_help=True,
)


CronOpt = Annotated[str | None, typer.Option("--cron", help="5-field cron expression, e.g. '0 9 * * 1-5'.")]
AtOpt = Annotated[str | None, typer.Option("--at", help="Run once at this ISO 8601 time (naive = in --tz).")]
EveryOpt = Annotated[str | None, typer.Option("--every", help="Run every interval: 900, 15m, 1h30m, 2d.")]
TzOpt = Annotated[
    str | None,
    typer.Option("--tz", help="IANA timezone of the schedule (default UTC), e.g. Europe/Berlin."),
]
NameOpt = Annotated[str | None, typer.Option("--name", help="A short name for the task.")]
InstructionsOpt = Annotated[str | None, typer.Option("--instructions", help="What the agent does on each run.")]
PolicyOpt = Annotated[
    MissedRunPolicy | None,
    typer.Option("--policy", help="Fires missed while the service was down: skip, catchup or fail."),
]
ModelOpt = Annotated[str | None, typer.Option("--model", help="litellm model string for the runs.")]
ToolOpt = Annotated[list[str] | None, typer.Option("--tool", help="A tool the agent may use (repeat for several).")]
MaxStepsOpt = Annotated[int | None, typer.Option("--max-steps", min=1, help="Most LLM steps per run.")]
TimeoutOpt = Annotated[int | None, typer.Option("--timeout", min=1, help="Seconds a run may take.")]
RetriesOpt = Annotated[int | None, typer.Option("--max-retries", min=0, help="Retries of a failed run.")]
IfChangedOpt = Annotated[
    str | None,
    typer.Option(
        "--if-changed",
        metavar="URL",
        help="Run a fire only if the content at URL changed since the last check (else skipped, no LLM call).",
    ),
]
IfOkOpt = Annotated[
    str | None,
    typer.Option("--if-ok", metavar="URL", help="Run a fire only if URL answers 2xx (else skipped, no LLM call)."),
]
NoConditionOpt = Annotated[bool, typer.Option("--no-condition", help="Remove the task's run condition.")]


def build_condition(
    if_changed: str | None, if_ok: str | None, *, remove: bool = False
) -> tuple[bool, dict[str, str] | None]:
    """Whether a condition flag was given, and the condition JSON (None: remove it); ValueError when several."""
    given = [
        flag for flag, value in (("--if-changed", if_changed), ("--if-ok", if_ok), ("--no-condition", remove)) if value
    ]
    if len(given) > 1:
        raise ValueError(f"give one of --if-changed, --if-ok, --no-condition (got {', '.join(given)})")
    if if_changed:
        return True, {"url_changed": if_changed}
    if if_ok:
        return True, {"http_ok": if_ok}
    return remove, None


AfterOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--after",
        help="Also run after this task's runs end: TASK_ID[:succeeded|failed|finished] (repeat for several).",
    ),
]
AfterModeOpt = Annotated[
    DependencyMode | None,
    typer.Option("--after-mode", help="With several --after: all (once each has ended so) or any (on each end)."),
]


def build_after(after: list[str] | None, mode: DependencyMode | None) -> dict[str, Any] | None:
    """The ``after`` JSON from ``--after`` (repeatable) and ``--after-mode``; ValueError when unreadable."""
    if not after:
        if mode is not None:
            raise ValueError("--after-mode needs at least one --after")
        return None
    return {"tasks": [parse_after(a) for a in after], "mode": (mode or DependencyMode.ALL).value}


KindOpt = Annotated[
    TaskKind | None,
    typer.Option("--kind", help="agent (default), http (one request per run) or function (a registered function)."),
]
# Not --url: that names the taskrunner server on every client command.
UrlTargetOpt = Annotated[str | None, typer.Option("--http-url", help="http tasks: the URL to request.")]
MethodOpt = Annotated[str | None, typer.Option("--method", help="http tasks: GET (default), POST, PUT...")]
HeaderOpt = Annotated[
    list[str] | None, typer.Option("--header", help="http tasks: a header as 'Name: value' (repeat for several).")
]
BodyOpt = Annotated[str | None, typer.Option("--body", help="http tasks: the request body.")]
ExpectOpt = Annotated[
    int | None, typer.Option("--expect-status", min=100, max=599, help="http tasks: the status that means success.")
]
FunctionOpt = Annotated[str | None, typer.Option("--function", help="function tasks: a registered function's name.")]
TemplateOpt = Annotated[str | None, typer.Option("--template", help="Run a prompt template (its name or id).")]
ParamOpt = Annotated[
    list[str] | None, typer.Option("--param", help="A template placeholder's value as name=value (repeat).")
]


def kind_fields(
    *,
    kind: TaskKind | None,
    url: str | None,
    method: str | None,
    header: list[str] | None,
    body: str | None,
    expect_status: int | None,
    function: str | None,
    template: str | None,
    param: list[str] | None,
    current_http: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The kind fields of a task body from the options; ValueError when they do not fit together.

    ``--http-url`` and the other request options mean ``--kind http``, ``--function`` means
    ``--kind function``. In a change, request options edit ``current_http`` (the task's
    request as shown, secrets as ``[REDACTED]``, which the service keeps as stored).
    """
    out: dict[str, Any] = {}
    request_given = any(v is not None for v in (url, method, header, body, expect_status))
    if request_given:
        http: dict[str, Any] = dict(current_http or {})
        if url is not None:
            http["url"] = url
        if method is not None:
            http["method"] = method.upper()
        if header:
            http["headers"] = {**(http.get("headers") or {}), **parse_pairs(header, ":", "header")}
        if body is not None:
            http["body"] = body
        if expect_status is not None:
            http["expected_status"] = expect_status
        if "url" not in http:
            raise ValueError("an http task needs --http-url")
        out["http"] = http
    if function is not None:
        out["function"] = function
    if template is not None:
        out["template"] = template_ref(template)
    if param:
        out["params"] = parse_pairs(param, "=", "param")
    implied = TaskKind.HTTP if request_given else TaskKind.FUNCTION if function is not None else None
    if kind is not None and implied is not None and kind != implied:
        raise ValueError(f"--kind {kind.value} does not go with {'--http-url' if request_given else '--function'}")
    chosen = kind or implied
    if chosen is not None:
        out["kind"] = chosen.value
    return out


def build_schedule(cron: str | None, at: str | None, every: str | None, tz: str | None) -> dict[str, Any] | None:
    """The schedule JSON from at most one of ``--cron/--at/--every``; ValueError when several."""
    given = [flag for flag, value in (("--cron", cron), ("--at", at), ("--every", every)) if value]
    if len(given) > 1:
        raise ValueError(f"give one of --cron, --at, --every (got {', '.join(given)})")
    schedule: dict[str, Any]
    if cron:
        schedule = {"kind": "cron", "cron": cron}
    elif at:
        schedule = {"kind": "once", "at": at}
    elif every:
        schedule = {"kind": "interval", "every_seconds": parse_every(every)}
    else:
        return None
    if tz:
        schedule["timezone"] = tz
    return schedule


def _options(
    *,
    name: str | None,
    instructions: str | None,
    policy: MissedRunPolicy | None,
    model: str | None,
    tool: list[str] | None,
    max_steps: int | None,
    timeout: int | None,
    max_retries: int | None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name,
        "instructions": instructions,
        "missed_run_policy": policy.value if policy else None,
        "model": model,
        "tools": tool or None,
        "max_steps": max_steps,
        "timeout_seconds": timeout,
        "max_retries": max_retries,
    }
    return {k: v for k, v in body.items() if v is not None}


@app.command("create")
def create(
    description: Annotated[
        str | None,
        typer.Argument(
            help="The task in plain words, e.g. 'every weekday at 9am Berlin time, check ...'.",
            show_default=False,
        ),
    ] = None,
    cron: CronOpt = None,
    at: AtOpt = None,
    every: EveryOpt = None,
    tz: TzOpt = None,
    name: NameOpt = None,
    instructions: InstructionsOpt = None,
    policy: PolicyOpt = None,
    model: ModelOpt = None,
    tool: ToolOpt = None,
    max_steps: MaxStepsOpt = None,
    timeout: TimeoutOpt = None,
    max_retries: RetriesOpt = None,
    if_changed: IfChangedOpt = None,
    if_ok: IfOkOpt = None,
    after: AfterOpt = None,
    after_mode: AfterModeOpt = None,
    kind: KindOpt = None,
    target: UrlTargetOpt = None,
    method: MethodOpt = None,
    header: HeaderOpt = None,
    body_text: BodyOpt = None,
    expect_status: ExpectOpt = None,
    function: FunctionOpt = None,
    template: TemplateOpt = None,
    param: ParamOpt = None,
    paused: Annotated[bool, typer.Option("--paused", help="Create it paused.")] = False,
    url: UrlOpt = DEFAULT_URL,
    api_key: ApiKeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create a task from --cron/--at/--every with --name and what to do, or from plain words.

    What to do: --instructions (or --template with --param) for an agent, --http-url (with
    --method, --header, --body, --expect-status) for one HTTP request, --function for a
    registered function.
    """
    try:
        schedule = build_schedule(cron, at, every, tz)
        _, condition = build_condition(if_changed, if_ok)
        after_body = build_after(after, after_mode)
        kinds = kind_fields(
            kind=kind,
            url=target,
            method=method,
            header=header,
            body=body_text,
            expect_status=expect_status,
            function=function,
            template=template,
            param=param,
        )
    except ValueError as exc:
        fail(str(exc), 2)
    body = _options(
        name=name,
        instructions=instructions,
        policy=policy,
        model=model,
        tool=tool,
        max_steps=max_steps,
        timeout=timeout,
        max_retries=max_retries,
    )
    if condition is not None:
        body["condition"] = condition
    body.update(kinds)
    if description:
        if schedule is not None:
            fail("give the schedule either in words or with --cron/--at/--every, not both", 2)
        body.update(description=description, **({"timezone": tz} if tz else {}))
    elif schedule is None:
        fail("describe the task in words, or give --cron, --at or --every with --name and --instructions", 2)
    else:
        needs = [("--name", "name")]
        if body.get("kind", "agent") == "agent" and "template" not in body:
            needs.append(("--instructions", "instructions"))
        missing = [flag for flag, key in needs if key not in body]
        if missing:
            fail(f"missing {' and '.join(missing)} (or describe the whole task in words)", 2)
        body["schedule"] = schedule
    if paused:
        body["enabled"] = False
    if after_body is not None:
        body["after"] = after_body
    with connect(url, api_key) as client:
        task = client.create_task(cast(TaskFields, body))
    if as_json:
        print_json(task)
        return
    out = render.console()
    out.print(f"Created task {task['id']} ({task['name']}): {task['schedule_description']}.")
    out.print(render.task_panel(task))


@app.command("list")
def list_tasks(
    state: Annotated[TaskState | None, typer.Option("--state", help="Only tasks in this state.")] = None,
    search: Annotated[str | None, typer.Option("--search", help="Words in the name or instructions.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=500, help="At most this many.")] = 50,
    offset: Annotated[int, typer.Option("--offset", min=0, help="Skip this many first.")] = 0,
    url: UrlOpt = DEFAULT_URL,
    api_key: ApiKeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List tasks with their state, schedule and next run."""
    with connect(url, api_key) as client:
        page = client.list_tasks(state=state.value if state else None, q=search, limit=limit, offset=offset)
    if as_json:
        print_json(page)
        return
    out = render.console()
    if not page["items"]:
        out.print("No tasks." if page["total"] == 0 else f"No tasks on this page ({page['total']} in all).")
        return
    out.print(render.tasks_table(page["items"], page["total"]))


@app.command("show")
def show(task_id: TaskId, url: UrlOpt = DEFAULT_URL, api_key: ApiKeyOpt = None, as_json: JsonOpt = False) -> None:
    """Show one task: its schedule in words, next runs, options and recent runs."""
    with connect(url, api_key) as client:
        task = client.get_task(task_id)
        recent = client.list_task_executions(task_id, limit=5)
    if as_json:
        print_json(task)
        return
    out = render.console()
    out.print(render.task_panel(task))
    if recent["items"]:
        out.print(
            render.runs_table(recent["items"], recent["total"], {task["id"]: render.task_timezone(task)}, "Recent runs")
        )
    else:
        out.print("No runs yet.")


@app.command("update")
def update(
    task_id: TaskId,
    cron: CronOpt = None,
    at: AtOpt = None,
    every: EveryOpt = None,
    tz: TzOpt = None,
    name: NameOpt = None,
    instructions: InstructionsOpt = None,
    policy: PolicyOpt = None,
    model: ModelOpt = None,
    tool: ToolOpt = None,
    max_steps: MaxStepsOpt = None,
    timeout: TimeoutOpt = None,
    max_retries: RetriesOpt = None,
    if_changed: IfChangedOpt = None,
    if_ok: IfOkOpt = None,
    no_condition: NoConditionOpt = False,
    after: AfterOpt = None,
    after_mode: AfterModeOpt = None,
    no_after: Annotated[bool, typer.Option("--no-after", help="Stop running after other tasks.")] = False,
    kind: KindOpt = None,
    target: UrlTargetOpt = None,
    method: MethodOpt = None,
    header: HeaderOpt = None,
    body_text: BodyOpt = None,
    expect_status: ExpectOpt = None,
    function: FunctionOpt = None,
    template: TemplateOpt = None,
    param: ParamOpt = None,
    paused: Annotated[bool | None, typer.Option("--paused/--active", help="Pause it, or make it active again.")] = None,
    url: UrlOpt = DEFAULT_URL,
    api_key: ApiKeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Change a task; a new schedule takes effect at once and keeps the task's timezone unless --tz.

    --after replaces the tasks it runs after; --after-mode alone changes only the mode.
    Request options (--http-url, --method, --header, --body, --expect-status) change the
    task's request; headers not named keep their values.
    """
    if no_after and (after or after_mode):
        fail("give either --no-after or --after/--after-mode, not both", 2)
    try:
        schedule = build_schedule(cron, at, every, tz)
        condition_given, condition = build_condition(if_changed, if_ok, remove=no_condition)
        after_body = build_after(after, after_mode) if after else None
    except ValueError as exc:
        fail(str(exc), 2)
    request_options = (target, method, header, body_text, expect_status)
    body = _options(
        name=name,
        instructions=instructions,
        policy=policy,
        model=model,
        tool=tool,
        max_steps=max_steps,
        timeout=timeout,
        max_retries=max_retries,
    )
    if condition_given:
        body["condition"] = condition
    if paused is not None:
        body["enabled"] = not paused
    if no_after:
        body["after"] = None
    elif after_body is not None:
        body["after"] = after_body
    with connect(url, api_key) as client:
        if after_mode is not None and after_body is None:
            # Only the mode changes: keep the tasks it runs after.
            current_after = client.get_task(task_id).get("after")
            if not current_after:
                fail(f"task {task_id} runs after no task: give --after with --after-mode", 2)
            body["after"] = {"tasks": current_after["tasks"], "mode": after_mode.value}
        current_http = None
        if any(v is not None for v in request_options) and kind in (None, TaskKind.HTTP):
            current_http = cast(dict[str, Any] | None, client.get_task(task_id).get("http"))
        try:
            body.update(
                kind_fields(
                    kind=kind,
                    url=target,
                    method=method,
                    header=header,
                    body=body_text,
                    expect_status=expect_status,
                    function=function,
                    template=template,
                    param=param,
                    current_http=current_http,
                )
            )
        except ValueError as exc:
            fail(str(exc), 2)
        if tz and schedule is None:
            # Only the timezone changes: keep the stored schedule, move it to the new zone.
            current = client.get_task(task_id)
            schedule = {**current["schedule"], "timezone": tz}
        elif schedule is not None and not tz:
            # A new schedule keeps the task's timezone unless --tz says otherwise.
            current = client.get_task(task_id)
            schedule["timezone"] = render.task_timezone(current)
        if schedule is not None:
            body["schedule"] = schedule
        if not body:
            fail("nothing to change: give at least one option (see --help)", 2)
        task = client.update_task(task_id, cast(TaskFields, body))
    if as_json:
        print_json(task)
        return
    out = render.console()
    out.print(f"Updated task {task['id']} ({task['name']}).")
    out.print(render.task_panel(task))


NoteOpt = Annotated[str | None, typer.Option("--note", help="Why (shown with the task while it is paused).")]


def _state_change(
    task_id: int, action: str, url: str, api_key: str | None, as_json: bool, note: str | None = None
) -> None:
    with connect(url, api_key) as client:
        task = client.pause_task(task_id, note=note) if action == "pause" else client.resume_task(task_id, note=note)
    if as_json:
        print_json(task)
        return
    line = Text(f"Task {task['id']} ({task['name']}) is ")
    line.append_text(render.styled(task["state"]))
    if task.get("next_run_at"):
        line.append(f"; next run {render.when(task['next_run_at'], render.task_timezone(task))}")
    if task.get("pause_note"):
        line.append(f" Note: {task['pause_note']}")
    line.append(".")
    render.console().print(line)


@app.command("pause")
def pause(
    task_id: TaskId,
    note: NoteOpt = None,
    url: UrlOpt = DEFAULT_URL,
    api_key: ApiKeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Stop a task from firing until it is resumed."""
    _state_change(task_id, "pause", url, api_key, as_json, note)


@app.command("resume")
def resume(
    task_id: TaskId,
    note: NoteOpt = None,
    url: UrlOpt = DEFAULT_URL,
    api_key: ApiKeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Let a paused task fire again (fires missed while paused are not run); clears the pause note."""
    _state_change(task_id, "resume", url, api_key, as_json, note)


@app.command("delete")
def delete(
    task_id: TaskId,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Also when other tasks run after it: they stop waiting on it.")
    ] = False,
    url: UrlOpt = DEFAULT_URL,
    api_key: ApiKeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Delete a task and its run history (asks first unless --yes); refused while tasks run after it, unless --force."""
    with connect(url, api_key) as client:
        if not yes:
            task = client.get_task(task_id)
            prompt = f"Delete task {task_id} ({task['name']}) and all its run records?"
            if not typer.confirm(prompt, default=False, err=True):
                fail(f"not deleted: task {task_id} is unchanged")
        client.delete_task(task_id, force=force)
    if as_json:
        print_json({"deleted": task_id})
        return
    render.console().print(f"Deleted task {task_id}.")


app.command("run")(triggers.run)
app.command("backfill")(triggers.backfill)
app.command("hook")(triggers.hook)
app.command("export")(bundles.export)
app.command("import")(bundles.import_)
