"""Task kinds, templates, run conditions and dependencies in the dashboard: the task form, the task and
run pages, the templates pages, and deleting a task others run after; on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.db.repositories import FireRow
from tests.support.functions import installed_functions
from tests.support.records import insert_runs
from tests.web.conftest import START, create_task, csrf_of, form_token

SCHEDULE = {"mode": "explicit", "kind": "cron", "cron": "0 9 * * *", "timezone": "Europe/Berlin"}


async def new_task(web: httpx.AsyncClient, **fields: Any) -> httpx.Response:
    """Post the New task form as a browser would (the form always carries ``links_shown``)."""
    token = await form_token(web, "/ui/tasks/new")
    data: dict[str, Any] = {"csrf": token, **SCHEDULE, "links_shown": "1", "action": "create", **fields}
    return await web.post("/ui/tasks/new", data=data)


async def api_task(web: httpx.AsyncClient, location: str) -> dict[str, Any]:
    task_id = int(location.split("?")[0].rsplit("/", 1)[1])
    data: dict[str, Any] = (await web.get(f"/api/tasks/{task_id}")).json()
    return data


async def stored_http(db_url: str, task_id: int) -> dict[str, Any]:
    """The request as stored (secret header values included), which no client is ever shown."""
    from app.db.engine import create_engine, create_sessionmaker
    from app.db.repositories import TaskRepository

    engine = create_engine(db_url)
    try:
        async with create_sessionmaker(engine)() as s:
            task = await TaskRepository(s).get(task_id)
            assert task is not None and task.http is not None
            return dict(task.http)
    finally:
        await engine.dispose()


def field_error(html: str, name: str) -> str:
    match = re.search(rf'<p class="field-error" id="{name}-error" role="alert">(.*?)</p>', html, re.S)
    assert match, f"no error beside {name}"
    return match.group(1)


async def task_count(web: httpx.AsyncClient) -> int:
    total: int = (await web.get("/api/tasks")).json()["total"]
    return total


async def test_an_http_task_from_the_form_keeps_its_secret_header(web: httpx.AsyncClient, db_url: str) -> None:
    created = await new_task(
        web,
        name="ping",
        instructions="ignored for an http task",
        task_kind="http",
        http_method="post",
        http_url="https://status.example.com/hook",
        http_headers="Authorization: Bearer s3cret-value\n\n  X-Trace:  abc \n",
        http_body='{"ping": true}\n',
        http_expected_status="202",
        max_steps="20",
        tools_shown="1",
        tools=["http_request"],
    )
    assert created.status_code == 303, created.text
    task = await api_task(web, created.headers["location"])
    assert task["kind"] == "http" and task["instructions"] == "" and task["tools"] == []
    assert task["http"] == {
        "method": "POST",
        "url": "https://status.example.com/hook",
        "headers": {"Authorization": "[REDACTED]", "X-Trace": "abc"},
        "body": '{"ping": true}\n',
        "expected_status": 202,
    }
    page = await web.get(f"/ui/tasks/{task['id']}")
    assert '<code class="request">POST https://status.example.com/hook</code>' in page.text
    assert "<code>Authorization: [REDACTED]</code>" in page.text and "HTTP 202" in page.text
    assert "s3cret" not in page.text

    # Edit shows the marker, never the value; saving it back keeps the stored value.
    edit = await web.get(f"/ui/tasks/{task['id']}/edit")
    assert "s3cret" not in edit.text and "Authorization: [REDACTED]" in edit.text
    assert 'name="task_kind" value="http" checked' in edit.text
    saved = await web.post(
        f"/ui/tasks/{task['id']}/edit",
        data={
            "csrf": csrf_of(edit.text),
            **SCHEDULE,
            "name": "ping v2",
            "task_kind": "http",
            "http_method": "POST",
            "http_url": "https://status.example.com/hook2",
            "http_headers": "Authorization: [REDACTED]\nX-Trace: abc",
            "http_body": "",
            "links_shown": "1",
            "max_steps": "20",
            "tools_shown": "1",
        },
    )
    assert saved.status_code == 303, saved.text
    stored = await stored_http(db_url, int(task["id"]))
    assert stored["headers"]["Authorization"] == "Bearer s3cret-value"
    assert stored["url"].endswith("/hook2") and stored["body"] is None and stored["expected_status"] is None


async def test_http_fields_are_checked_by_the_services_and_kept_on_error(web: httpx.AsyncClient) -> None:
    typed = {
        "name": "ping",
        "task_kind": "http",
        "http_url": "ftp://files.example.com/x",
        "http_headers": "X-Trace: 1",
        "http_expected_status": "abc",
    }
    bad = await new_task(web, **typed)
    assert bad.status_code == 422
    assert "http" in field_error(bad.text, "http_url").lower()
    assert 'value="ftp://files.example.com/x"' in bad.text and ">X-Trace: 1</textarea>" in bad.text
    assert 'name="task_kind" value="http" checked' in bad.text
    status = await new_task(web, **{**typed, "http_url": "https://ok.example.com"})
    assert status.status_code == 422 and field_error(status.text, "http_expected_status")
    line = await new_task(
        web, **{**typed, "http_url": "https://ok.example.com", "http_expected_status": "", "http_headers": "X-Trace 1"}
    )
    assert (
        line.status_code == 422
        and field_error(line.text, "http_headers") == "Line 1: write one per line as Name: value."
    )
    host = await new_task(
        web, **{**typed, "http_url": "https://ok.example.com", "http_expected_status": "", "http_headers": "Host: evil"}
    )
    assert host.status_code == 422 and "set by the request itself" in field_error(host.text, "http_headers")
    assert await task_count(web) == 0


@pytest.fixture
def functions(tmp_path: Path) -> Iterator[str]:
    with installed_functions(tmp_path) as module:
        yield module


async def test_a_function_task_from_the_registered_functions(web: httpx.AsyncClient, functions: str) -> None:
    form = await web.get("/ui/tasks/new")
    assert '<option value="echo">echo: Answer the call&#39;s task, window and inputs as JSON.</option>' in form.text
    unknown = await new_task(web, name="nightly", task_kind="function", function="nope")
    assert unknown.status_code == 422 and "nope" in field_error(unknown.text, "function")
    assert '<option value="nope" selected>nope (not registered)</option>' in unknown.text
    none = await new_task(web, name="nightly", task_kind="function")
    assert none.status_code == 422 and "function" in field_error(none.text, "function")
    created = await new_task(web, name="nightly", task_kind="function", function="echo", model="gpt-x")
    assert created.status_code == 303, created.text
    task = await api_task(web, created.headers["location"])
    assert task["kind"] == "function" and task["function"] == "echo" and task["model"] is None
    page = await web.get(f"/ui/tasks/{task['id']}")
    assert "<dt>Function</dt><dd><code>echo</code></dd>" in page.text and "<dt>Model</dt>" not in page.text


async def test_a_task_with_after_and_a_condition(web: httpx.AsyncClient, db_url: str) -> None:
    fetch = await create_task(web, name="fetch")
    build = await create_task(web, name="build")
    feed = "https://feeds.example.com/releases.xml"
    created = await new_task(
        web,
        name="report",
        instructions="Report.",
        after_task=[str(fetch["id"]), "", str(build["id"])],
        after_on=["succeeded", "finished", "failed"],
        after_mode="any",
        condition_kind="url_changed",
        condition_url=feed,
    )
    assert created.status_code == 303, created.text
    report = await api_task(web, created.headers["location"])
    assert report["after"] == {
        "mode": "any",
        "tasks": [{"task_id": fetch["id"], "on": "succeeded"}, {"task_id": build["id"], "on": "failed"}],
    }
    assert report["condition"] == {"url_changed": feed}

    page = (await web.get(f"/ui/tasks/{report['id']}")).text
    assert (
        f'<a href="/ui/tasks/{fetch["id"]}">fetch</a> <span class="muted">(#{fetch["id"]})</span> has succeeded' in page
    )
    assert f'<a href="/ui/tasks/{build["id"]}">build</a> <span class="muted">(#{build["id"]})</span> has failed' in page
    assert "each time one of them has" in page and f"<code>{feed}</code> changed since the last check" in page
    upstream = (await web.get(f"/ui/tasks/{fetch['id']}")).text
    assert f'<a href="/ui/tasks/{report["id"]}">report</a>' in upstream.split('id="dependents"')[1]

    # The edit form shows them chosen, never offers the task itself, and clears them when emptied.
    edit = await web.get(f"/ui/tasks/{report['id']}/edit")
    rows = re.findall(r'<select id="after_task_\d+" name="after_task">(.*?)</select>', edit.text, re.S)
    assert (
        len(rows) == 4 and f'value="{fetch["id"]}" selected' in rows[0] and f'value="{build["id"]}" selected' in rows[1]
    )
    assert f'<option value="{report["id"]}"' not in rows[0]
    assert '<option value="url_changed" selected>' in edit.text and '<option value="any" selected>' in edit.text
    base = {"csrf": csrf_of(edit.text), **SCHEDULE, "name": "report", "instructions": "Report.", "links_shown": "1"}
    without = {k: v for k, v in base.items() if k != "links_shown"}
    renamed = await web.post(f"/ui/tasks/{report['id']}/edit", data={**without, "name": "report v2"})
    assert renamed.status_code == 303, renamed.text  # a form without the section leaves them as they are
    kept = (await web.get(f"/api/tasks/{report['id']}")).json()
    assert kept["name"] == "report v2" and kept["after"] == report["after"] and kept["condition"] == report["condition"]
    cleared = await web.post(
        f"/ui/tasks/{report['id']}/edit", data={**base, "after_task": ["", ""], "condition_kind": ""}
    )
    assert cleared.status_code == 303, cleared.text
    again = (await web.get(f"/api/tasks/{report['id']}")).json()
    assert again["after"] is None and again["condition"] is None

    # A dependency run links the upstream run that queued it.
    at = START - timedelta(hours=1)
    (up_run,) = await insert_runs(
        db_url,
        [(FireRow(task_id=int(fetch["id"]), scheduled_for=at, trigger="schedule", status="succeeded"), {})],
        now=at,
    )
    (down_run,) = await insert_runs(
        db_url,
        [
            (
                FireRow(
                    task_id=int(report["id"]),
                    scheduled_for=at + timedelta(minutes=1),
                    trigger="dependency",
                    status="succeeded",
                ),
                {"upstream_execution_id": up_run},
            )
        ],
        now=at,
    )
    run = (await web.get(f"/ui/runs/{down_run}")).text
    assert (
        f'<dt>After</dt><dd id="upstream"><a href="/ui/runs/{up_run}">run #{up_run}</a> of '
        f'<a href="/ui/tasks/{fetch["id"]}">fetch</a>, which succeeded</dd>'
    ) in run
    assert 'id="upstream"' not in (await web.get(f"/ui/runs/{up_run}")).text
    runs = (await web.get("/ui/runs")).text
    assert '<option value="dependency">dependency</option>' in runs
    filtered = (await web.get("/ui/runs?trigger=dependency")).text
    assert re.findall(r'<a href="/ui/runs/(\d+)">#', filtered) == [str(down_run)]


async def test_after_and_condition_errors_are_beside_their_fields(web: httpx.AsyncClient) -> None:
    fetch = await create_task(web, name="fetch")
    unknown = await new_task(web, name="r", instructions="R.", after_task=["99999"], after_on=["succeeded"])
    assert unknown.status_code == 422 and "99999" in field_error(unknown.text, "after")
    bad_on = await new_task(web, name="r", instructions="R.", after_task=[str(fetch["id"])], after_on=["sometimes"])
    assert bad_on.status_code == 422 and field_error(bad_on.text, "after").startswith("Row 1: ")
    twice = await new_task(
        web, name="r", instructions="R.", after_task=[str(fetch["id"])] * 2, after_on=["succeeded", "failed"]
    )
    assert twice.status_code == 422 and "more than once" in field_error(twice.text, "after")
    assert twice.text.count(f'<option value="{fetch["id"]}" selected>') == 2  # what was chosen is kept
    no_url = await new_task(web, name="r", instructions="R.", condition_kind="http_ok", condition_url="")
    assert no_url.status_code == 422 and field_error(no_url.text, "condition_url")
    no_kind = await new_task(web, name="r", instructions="R.", condition_url="https://x.example.com")
    assert no_kind.status_code == 422 and field_error(no_kind.text, "condition_kind")
    assert 'value="https://x.example.com"' in no_kind.text
    private = await new_task(
        web, name="r", instructions="R.", condition_kind="http_ok", condition_url="http://10.0.0.1/"
    )
    assert private.status_code == 422 and "refused" in field_error(private.text, "condition_url")
    assert await task_count(web) == 1

    # A cycle is refused on edit, and nothing is saved.
    report = await create_task(web, name="report", after={"task_id": fetch["id"]})
    edit = await web.get(f"/ui/tasks/{fetch['id']}/edit")
    cycle = await web.post(
        f"/ui/tasks/{fetch['id']}/edit",
        data={
            "csrf": csrf_of(edit.text),
            **SCHEDULE,
            "name": "fetch",
            "instructions": "Summarise the news.",
            "links_shown": "1",
            "after_task": [str(report["id"])],
            "after_on": ["succeeded"],
        },
    )
    assert cycle.status_code == 422 and "cycle" in field_error(cycle.text, "after")
    assert (await web.get(f"/api/tasks/{fetch['id']}")).json()["after"] is None


async def test_a_task_made_from_a_template(web: httpx.AsyncClient, db_url: str) -> None:
    token = await form_token(web, "/ui/templates")
    made = await web.post(
        "/ui/templates",
        data={
            "csrf": token,
            "name": "status digest",
            "description": "",
            "instructions": "Check {{url}} for the {{team}} team.",
        },
    )
    assert made.status_code == 303, made.text
    template_id = int(made.headers["location"].split("?")[0].rsplit("/", 1)[1])

    form = await web.get("/ui/tasks/new")
    assert f'<option value="{template_id}">status digest (url, team)</option>' in form.text
    missing = await new_task(web, name="ops digest", template=str(template_id), params="url=https://s.example.com")
    assert missing.status_code == 422 and "team" in field_error(missing.text, "params")
    assert ">url=https://s.example.com</textarea>" in missing.text
    assert f'<option value="{template_id}" selected>' in missing.text
    unknown = await new_task(web, name="ops digest", template="424242", params="")
    assert unknown.status_code == 422 and "424242" in field_error(unknown.text, "template")
    orphan = await new_task(web, name="ops digest", instructions="Do.", params="team=ops")
    assert orphan.status_code == 422 and "template" in field_error(orphan.text, "params")
    line = await new_task(web, name="ops digest", template=str(template_id), params="team ops")
    assert line.status_code == 422 and field_error(line.text, "params") == "Line 1: write one per line as name=value."

    created = await new_task(
        web,
        name="ops digest",
        instructions="typed, then a template was chosen",
        template=str(template_id),
        params="url=https://s.example.com\nteam=ops <oncall>\n",
    )
    assert created.status_code == 303, created.text
    task = await api_task(web, created.headers["location"])
    assert task["template_id"] == template_id and task["params"] == {
        "url": "https://s.example.com",
        "team": "ops <oncall>",
    }
    assert task["instructions"] == "Check https://s.example.com for the ops <oncall> team."
    page = (await web.get(f"/ui/tasks/{task['id']}")).text
    assert f'<dt>Template</dt><dd><a href="/ui/templates/{template_id}">status digest</a></dd>' in page
    assert "<dt><code>team</code></dt><dd>ops &lt;oncall&gt;</dd>" in page and "<oncall>" not in page

    # Edit: new params fill the template again; choosing no template detaches it with the typed text.
    edit = await web.get(f"/ui/tasks/{task['id']}/edit")
    assert ">url=https://s.example.com\nteam=ops &lt;oncall&gt;</textarea>" in edit.text
    base = {"csrf": csrf_of(edit.text), **SCHEDULE, "name": "ops digest", "links_shown": "1"}
    refilled = await web.post(
        f"/ui/tasks/{task['id']}/edit",
        data={
            **base,
            "template": str(template_id),
            "params": "url=https://t.example.com\nteam=sre",
            "instructions": "x",
        },
    )
    assert refilled.status_code == 303, refilled.text
    assert (await web.get(f"/api/tasks/{task['id']}")).json()[
        "instructions"
    ] == "Check https://t.example.com for the sre team."
    detached = await web.post(
        f"/ui/tasks/{task['id']}/edit", data={**base, "template": "", "params": "", "instructions": "Own words now."}
    )
    assert detached.status_code == 303, detached.text
    after = (await web.get(f"/api/tasks/{task['id']}")).json()
    assert after["template_id"] is None and after["params"] is None and after["instructions"] == "Own words now."

    # A run keeps the exact instructions it was given, shown folded on its page.
    at = START - timedelta(hours=1)
    (run_id,) = await insert_runs(
        db_url,
        [
            (
                FireRow(task_id=int(task["id"]), scheduled_for=at, trigger="schedule", status="succeeded"),
                {"instructions": "Check https://s.example.com for the ops <oncall> team."},
            )
        ],
        now=at,
    )
    run = (await web.get(f"/ui/runs/{run_id}")).text
    assert '<details class="instructions" id="instructions"><summary>Instructions the run was given</summary>' in run
    assert "for the ops &lt;oncall&gt; team." in run


async def test_template_pages_create_change_and_delete(web: httpx.AsyncClient) -> None:
    listing = await web.get("/ui/templates")
    assert listing.status_code == 200 and 'href="/ui/templates" aria-current="page"' in listing.text
    assert "No templates yet." in listing.text
    token = csrf_of(listing.text)
    new = {"csrf": token, "name": "digest", "description": "<b>daily</b>", "instructions": "Summarise {{topic}}."}
    assert (await web.post("/ui/templates", data=new)).status_code == 303
    taken = await web.post("/ui/templates", data=new)
    assert taken.status_code == 422 and "exists already" in field_error(taken.text, "name")
    braces = await web.post("/ui/templates", data={**new, "name": "other", "instructions": "Use {{ bad name }}."})
    assert braces.status_code == 422 and field_error(braces.text, "instructions")
    assert ">Use {{ bad name }}.</textarea>" in braces.text
    digits = await web.post("/ui/templates", data={**new, "name": "123"})
    assert digits.status_code == 422 and field_error(digits.text, "name")

    template = (await web.get("/api/templates/digest")).json()
    task = await create_task(web, name="news", instructions=None, template="digest", params={"topic": "news"})
    listed = (await web.get("/ui/templates")).text
    assert f'<a href="/ui/templates/{template["id"]}">digest</a>' in listed and "<code>topic</code>" in listed
    assert f'<a href="/ui/tasks/{task["id"]}">news</a>' in listed and "&lt;b&gt;daily&lt;/b&gt;" in listed

    # A new placeholder needs a value for every task made from it.
    page = await web.get(f"/ui/templates/{template['id']}")
    assert f'<a href="/ui/tasks/{task["id"]}">news</a>' in page.text
    change = {"csrf": token, "name": "digest", "description": "", "instructions": "Summarise {{topic}} in {{lang}}."}
    refused = await web.post(f"/ui/templates/{template['id']}", data=change)
    assert refused.status_code == 422 and "lang" in field_error(refused.text, "params")
    assert ">Summarise {{topic}} in {{lang}}.</textarea>" in refused.text
    assert (await web.get(f"/api/tasks/{task['id']}")).json()["instructions"] == "Summarise news."
    saved = await web.post(f"/ui/templates/{template['id']}", data={**change, "params": "lang=German"})
    assert saved.status_code == 303 and "notice=template_saved" in saved.headers["location"]
    assert (await web.get(f"/api/tasks/{task['id']}")).json()["instructions"] == "Summarise news in German."

    # Deleting it while a task uses it is refused, naming the task; force detaches.
    in_use = await web.post(f"/ui/templates/{template['id']}/delete", data={"csrf": token})
    assert in_use.status_code == 409 and "used by 1 task(s)" in in_use.text
    assert '<input type="hidden" name="force" value="1">' in in_use.text and "Delete anyway" in in_use.text
    assert (await web.get(f"/api/templates/{template['id']}")).status_code == 200
    gone = await web.post(f"/ui/templates/{template['id']}/delete", data={"csrf": token, "force": "1"})
    assert gone.status_code == 303 and gone.headers["location"] == "/ui/templates?notice=template_deleted"
    kept = (await web.get(f"/api/tasks/{task['id']}")).json()
    assert kept["template_id"] is None and kept["instructions"] == "Summarise news in German."
    assert (await web.get(f"/ui/templates/{template['id']}")).status_code == 404
    assert (await web.get("/ui/templates/abc")).status_code == 404


async def test_delete_a_task_others_run_after_then_force(web: httpx.AsyncClient) -> None:
    fetch = await create_task(web, name="fetch")
    other = await create_task(web, name="other")
    report = await create_task(
        web, name="report", after={"tasks": [{"task_id": fetch["id"]}, {"task_id": other["id"]}]}
    )
    confirm = await web.get(f"/ui/tasks/{fetch['id']}/delete")
    assert f'<a href="/ui/tasks/{report["id"]}">report</a>' in confirm.text
    refused = await web.post(f"/ui/tasks/{fetch['id']}/delete", data={"csrf": csrf_of(confirm.text)})
    assert refused.status_code == 409 and "has dependents" in refused.text
    assert "Delete anyway (detach them)" in refused.text and 'name="force" value="1"' in refused.text
    assert (await web.get(f"/api/tasks/{fetch['id']}")).status_code == 200
    forced = await web.post(f"/ui/tasks/{fetch['id']}/delete", data={"csrf": csrf_of(confirm.text), "force": "1"})
    assert forced.status_code == 303 and forced.headers["location"].startswith("/ui/tasks")
    assert (await web.get(f"/api/tasks/{fetch['id']}")).status_code == 404
    left = (await web.get(f"/api/tasks/{report['id']}")).json()
    assert left["after"] == {"mode": "all", "tasks": [{"task_id": other["id"], "on": "succeeded"}]}
    # A task nobody runs after is deleted at once, as before.
    confirm = await web.get(f"/ui/tasks/{report['id']}/delete")
    assert "These tasks run after it" not in confirm.text
    done = await web.post(f"/ui/tasks/{report['id']}/delete", data={"csrf": csrf_of(confirm.text)})
    assert done.status_code == 303


async def test_user_text_stays_text(web: httpx.AsyncClient, db_url: str) -> None:
    evil = "<script>alert(1)</script>"
    up = await create_task(web, name=evil)
    down = await create_task(
        web,
        name=f"after {evil}",
        after={"task_id": up["id"]},
        kind="http",
        instructions=None,
        http={"url": "https://x.example.com/?q=<script>", "headers": {"X-Note": evil}, "body": evil},
    )
    pages = [
        f"/ui/tasks/{up['id']}",
        f"/ui/tasks/{down['id']}",
        f"/ui/tasks/{down['id']}/edit",
        f"/ui/tasks/{up['id']}/delete",
        "/ui/tasks/new",
    ]
    for path in pages:
        html = (await web.get(path)).text
        assert "<script>alert" not in html, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path
    refused = await web.post(f"/ui/tasks/{up['id']}/delete", data={"csrf": await form_token(web)})
    assert refused.status_code == 409 and "<script>alert" not in refused.text


async def test_http_steps_show_the_request_and_the_answer(web: httpx.AsyncClient, db_url: str) -> None:
    from app.db.engine import create_engine, create_sessionmaker
    from app.db.repositories import ExecutionRepository

    task = await create_task(web, name="ping", kind="http", instructions=None, http={"url": "https://s.example.com/h"})
    at = START - timedelta(hours=1)
    (run_id,) = await insert_runs(
        db_url,
        [
            (
                FireRow(task_id=int(task["id"]), scheduled_for=at, trigger="schedule", status="failed"),
                {"error": "expected a 2xx status, got HTTP 503 Service Unavailable"},
            )
        ],
        now=at,
    )
    engine = create_engine(db_url)
    async with create_sessionmaker(engine)() as s:
        await ExecutionRepository(s).add_steps(
            [
                {
                    "execution_id": run_id,
                    "index": 0,
                    "kind": "http",
                    "name": "GET https://s.example.com/h",
                    "input": {"method": "GET", "url": "https://s.example.com/h", "headers": {}, "body": None},
                    "output": {"status": 503, "reason": "Service Unavailable", "latency_ms": 41.0, "headers": {}},
                    "error": "expected a 2xx status, got HTTP 503 Service Unavailable",
                    "started_at": at,
                    "latency_ms": 41.0,
                    "prompt_tokens": None,
                    "completion_tokens": None,
                    "cost_usd": None,
                    "attempt": 1,
                }
            ]
        )
        await s.commit()
    await engine.dispose()
    page = (await web.get(f"/ui/runs/{run_id}")).text
    assert (
        '<span class="kind">HTTP</span>' in page
        and '<span class="badge s-failed">503 Service Unavailable</span>' in page
    )
    assert "<h3>Request</h3>" in page and "<h3>Response</h3>" in page and "<h3>Input</h3>" not in page
