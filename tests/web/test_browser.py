"""The dashboard in a real headless Chromium against a real ``taskrunner serve`` process.

The server's LLM is the local OpenAI-protocol stub: each run asks for the
``current_time`` tool, then answers. Screenshots of each page are kept under
``tmp/artifacts/screenshots`` (``ARTIFACTS_DIR`` to move them).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.openai_stub import OpenAIStub, Reply
from tests.support.processes import ROOT, TaskrunnerProcess

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
KEY = "trk_" + "b" * 43
ARTIFACTS = Path(os.environ.get("ARTIFACTS_DIR", ROOT / "tmp" / "artifacts")) / "screenshots"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (scripts/install-chromium)"),
]


def agent(body: dict[str, Any]) -> Reply:
    """First call: ask for the time; after the tool answered: report."""
    if any(m.get("role") == "tool" for m in body.get("messages", [])):
        return Reply(content="All quiet: no incidents.", prompt_tokens=40, completion_tokens=8)
    return Reply(tool_calls=(("current_time", {"timezone": "Europe/Berlin"}),), prompt_tokens=30, completion_tokens=6)


class Server(TaskrunnerProcess):
    """``taskrunner serve`` on ``db_url`` with the stub as its LLM, ready when built."""

    def __init__(self, db_url: str, stub: OpenAIStub, log: Path, *, api_keys: str = "") -> None:
        env = {
            "DATABASE_URL": db_url,
            "LLM_MODEL": "openai/gpt-4o-mini",
            "LLM_API_BASE": stub.api_base,
            "LLM_API_KEY": "sk-test",
            "API_KEYS": api_keys,
            "SESSION_SECRET": "browser-test-secret-0123456789",
        }
        super().__init__(["serve"], log, env)
        try:
            self.wait_ready(60)
        except AssertionError:
            self.stop()
            raise


@pytest.fixture
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"])
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def stub() -> Iterator[OpenAIStub]:
    with OpenAIStub(responder=agent) as s:
        yield s


def shot(page: Any, name: str, backend: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{backend}-{name}.png"), full_page=True)


def _backend(db_url: str) -> str:
    return "postgresql" if db_url.startswith("postgresql") else "sqlite"


def test_create_from_words_run_now_watch_it_finish_pause_and_resume(
    db_url: str, stub: OpenAIStub, browser: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    backend = _backend(db_url)
    server = Server(db_url, stub, tmp_path / "server.log")
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(20_000)
        page.goto(server.base + "/")
        expect(page).to_have_url(re.compile(r"/ui/runs$"))

        # New task from plain words: preview first, then create.
        page.get_by_role("navigation", name="Main").get_by_role("link", name="New task", exact=True).first.click()
        expect(page.get_by_role("heading", name="New task")).to_be_visible()
        page.get_by_label("What should run, and when?").fill(
            "every day at 9am check status.example.com and summarise incidents"
        )
        page.locator("#timezone").fill("Europe/Berlin")
        page.get_by_role("button", name="Preview").click()
        preview = page.locator("#preview .preview")
        expect(preview).to_contain_text("09:00")
        expect(preview).to_contain_text("+01:00")
        shot(page, "new-task", backend)
        page.get_by_role("button", name="Create task").click()
        expect(page).to_have_url(re.compile(r"/ui/tasks/\d+(\?.*)?$"))
        expect(page.get_by_role("status").first).to_contain_text("Task created.")
        task_url = page.url.split("?")[0]
        shot(page, "task", backend)

        # It is in the list.
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Tasks", exact=True).click()
        row = page.locator("table.tasks tbody tr").first
        expect(row).to_contain_text("At 09:00 (Europe/Berlin)")
        shot(page, "tasks", backend)

        # Run now, and watch the run finish live with its steps.
        page.goto(task_url)
        page.get_by_role("button", name="Run now").click()
        expect(page).to_have_url(re.compile(r"/ui/runs/\d+(\?.*)?$"))
        expect(page.locator("#run h1")).to_contain_text("succeeded", timeout=30_000)
        expect(page.locator("#run")).to_contain_text("All quiet: no incidents.")
        expect(page.locator(".timeline .step")).to_have_count(3)
        expect(page.locator(".timeline")).to_contain_text("current_time")
        shot(page, "run", backend)

        # The runs list shows it.
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Runs", exact=True).click()
        expect(page.locator("#run-rows")).to_contain_text("succeeded")
        shot(page, "runs", backend)

        # Controls: set them in the edit form, see them on the task page.
        page.goto(task_url)
        page.get_by_role("link", name="Edit", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Edit")
        page.locator("#controls summary").click()
        page.get_by_label("When a fire comes while the previous run is still going").select_option("buffer_one")
        page.get_by_label("Concurrency key").fill("slack")
        page.get_by_label("Jitter (s)").fill("120")
        page.get_by_label("$ per day").fill("2")
        page.get_by_label("Max start delay (s)").fill("60")
        shot(page, "task-edit-controls", backend)
        page.get_by_role("button", name="Save").click()
        expect(page).to_have_url(re.compile(r"/ui/tasks/\d+\?notice=saved$"))
        controls = page.locator("section#controls")
        expect(controls).to_contain_text("(buffer_one)")
        expect(controls.get_by_role("link", name="slack")).to_be_visible()
        expect(controls).to_contain_text("120 s")
        expect(controls).to_contain_text(re.compile(r"Spent today\s*\$[0-9.]+ of \$2.00"))
        expect(controls).to_contain_text("start within 60 s of its time")
        expect(page.locator("ol.fires")).to_contain_text("(jitter)")
        shot(page, "task-controls", backend)

        # Pause with a note, see the note; resume clears it.
        page.get_by_label("Pause note (optional)").fill("vendor <outage>")
        page.get_by_role("button", name="Pause").click()
        expect(page.locator("h1 .badge")).to_have_text("paused")
        expect(page.locator("#pause-note")).to_have_text("Paused: vendor <outage>")
        shot(page, "task-paused", backend)
        page.get_by_role("button", name="Resume").click()
        expect(page.locator("h1 .badge")).to_have_text("active")
        expect(page.locator("#pause-note")).to_have_count(0)
        expect(page.locator(".strip .tick")).to_have_count(1)
        shot(page, "task-with-runs", backend)

        for name in ("upcoming", "health"):
            page.get_by_role("navigation", name="Main").get_by_role("link", name=name.capitalize(), exact=True).click()
            expect(page.get_by_role("heading", level=1)).to_have_text(name.capitalize())
            shot(page, name, backend)

        phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
        phone.goto(server.base + "/ui/runs")
        expect(phone.locator("#run-rows")).to_contain_text("succeeded")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 400  # no sideways page scroll
        shot(phone, "runs-phone", backend)
    finally:
        server.stop()


def test_a_running_run_appears_in_the_list_live(db_url: str, stub: OpenAIStub, browser: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    server = Server(db_url, stub, tmp_path / "server.log")
    try:
        task = httpx.post(
            server.base + "/api/tasks",
            json={
                "name": "live",
                "instructions": "Report.",
                "schedule": {"kind": "cron", "cron": "0 9 * * *", "timezone": "UTC"},
            },
        ).json()
        page = browser.new_page()
        page.set_default_timeout(20_000)
        page.goto(server.base + "/ui/runs")
        expect(page.locator("#run-rows")).to_contain_text("No runs match.")
        page.wait_for_function("() => document.querySelector('[sse-connect]') !== null")
        httpx.post(f"{server.base}/api/tasks/{task['id']}/run")
        expect(page.locator("#run-rows")).to_contain_text("live", timeout=15_000)
        expect(page.locator("#run-rows")).to_contain_text("succeeded", timeout=30_000)
    finally:
        server.stop()


def test_create_a_task_from_a_template_and_see_its_params(
    db_url: str, stub: OpenAIStub, browser: Any, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    backend = _backend(db_url)
    server = Server(db_url, stub, tmp_path / "server.log")
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(20_000)
        page.goto(server.base + "/ui/runs")

        # A template, made on the Templates page.
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Templates", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Templates")
        page.get_by_label("Name").fill("status digest")
        page.get_by_label("Instructions").fill("Check {{url}} for the {{team}} team.")
        page.get_by_role("button", name="Create template").click()
        expect(page).to_have_url(re.compile(r"/ui/templates/\d+\?notice=template_created$"))
        expect(page.get_by_role("heading", level=1)).to_have_text("status digest")

        # The task form: choosing a template hides the instructions; the http fields are hidden for an agent.
        page.get_by_role("navigation", name="Main").get_by_role("link", name="New task", exact=True).click()
        page.get_by_label("Name, instructions and an exact schedule").check()
        page.locator("#name").fill("ops digest")
        expect(page.locator("#instructions")).to_be_visible()
        expect(page.locator("#http_url")).to_be_hidden()
        page.locator("#template").select_option(label="status digest (url, team)")
        expect(page.locator("#instructions")).to_be_hidden()
        page.locator("#params").fill("url=https://status.example.com\nteam=ops <oncall>")
        page.locator("#cron").fill("0 9 * * 1-5")
        page.locator("#timezone").fill("Europe/Berlin")
        shot(page, "task-new-from-template", backend)
        page.get_by_role("button", name="Create task").click()
        expect(page).to_have_url(re.compile(r"/ui/tasks/\d+\?notice=created$"))

        # The task page links the template and shows the params and the filled instructions.
        settings = page.locator("section[aria-labelledby=settings-h]")
        expect(settings.get_by_role("link", name="status digest")).to_be_visible()
        expect(settings.locator("dl.params")).to_contain_text("https://status.example.com")
        expect(settings.locator("dl.params")).to_contain_text("ops <oncall>")
        expect(settings).to_contain_text("Check https://status.example.com for the ops <oncall> team.")
        shot(page, "task-from-template", backend)

        # The template lists the task that uses it.
        settings.get_by_role("link", name="status digest").click()
        expect(page.locator("#template-tasks")).to_contain_text("ops digest")
    finally:
        server.stop()


def test_log_in_with_a_key_and_out(db_url: str, stub: OpenAIStub, browser: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    server = Server(db_url, stub, tmp_path / "server.log", api_keys=KEY)
    try:
        page = browser.new_page()
        page.set_default_timeout(20_000)
        page.goto(server.base + "/ui/tasks")
        expect(page).to_have_url(re.compile(r"/ui/login\?next="))
        shot(page, "login", _backend(db_url))
        page.get_by_label("API key").fill("trk_wrong")
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("alert")).to_contain_text("not valid")
        page.get_by_label("API key").fill(KEY)
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_url(re.compile(r"/ui/tasks$"))
        expect(page.get_by_role("heading", level=1)).to_contain_text("Tasks")
        cookie = next(c for c in page.context.cookies() if c["name"] == "taskrunner_session")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
        page.goto(server.base + "/docs")
        expect(page.locator(".swagger-ui .title").first).to_contain_text("taskrunner")
        page.goto(server.base + "/ui/tasks")
        page.get_by_role("button", name="Log out").click()
        expect(page).to_have_url(re.compile(r"/ui/login"))
        page.goto(server.base + "/ui/runs")
        expect(page).to_have_url(re.compile(r"/ui/login"))
    finally:
        server.stop()
