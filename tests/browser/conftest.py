"""A live Showroom with the demo group, and Debian's Chromium driven by Playwright.

Playwright never downloads a browser here: it drives /usr/bin/chromium (installed by .ci/run
with apt). Without it the browser tests skip, unless SHOWROOM_REQUIRE_SERVICES=1 (CI), where
they fail. Each test module gets its own server and demo group (a few seconds), so modules run
in parallel under xdist without sharing data.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, sync_playwright

from api.main import create_app
from ops.simulation import GroupSummary, load_demo
from workers.runtime import Runtime, migrate
from workers.settings import Settings

CHROMIUM = os.environ.get("SHOWROOM_CHROMIUM", "/usr/bin/chromium")
REQUIRE = os.environ.get("SHOWROOM_REQUIRE_SERVICES") == "1"
# Without the background-networking flags Chromium keeps calling Google's hosts, which this
# closed network refuses; a new profile each launch.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}
SIZES = {"phone": PHONE, "desktop": DESKTOP}
PASSWORDS = {
    "admin": "showroom-admin",
    "exec": "showroom-exec",
    "finance": "showroom-finance",
    "auditor": "showroom-auditor",
}


def password_of(username: str) -> str:
    if username.startswith("manager"):
        return "showroom-manager"
    if username.startswith("sales"):
        return "showroom-sales"
    return PASSWORDS[username]


@dataclass
class Server:
    url: str
    settings: Settings
    summary: GroupSummary


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def serve(settings: Settings) -> Iterator[str]:
    """Serve the app on a free local port in a thread until the generator is closed."""
    port = _free_port()
    app = create_app(settings, run_projections=True, run_workers=True)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server over a fresh demo group (two stores, two months, up to today)."""
    directory: Path = tmp_path_factory.mktemp("live")
    settings = Settings(data_dir=directory / "var", secret_key="browser-tests-" + "k" * 32)
    migrate(settings)
    runtime = Runtime.build(settings)
    try:
        runtime.runner.start()
        summary = load_demo(runtime, seed=11, stores=2, months=2)
        runtime.runner.run_until_caught_up()
    finally:
        runtime.close()
    for url in serve(settings):
        yield Server(url=url, settings=settings, summary=summary)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is not installed (apt-get install chromium)"
        if REQUIRE:
            pytest.fail(message + " but SHOWROOM_REQUIRE_SERVICES=1")
        pytest.skip(message)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(params=sorted(SIZES))
def size(request: pytest.FixtureRequest) -> str:
    """Each journey runs at a phone size (390×844) and a desktop size (1440×900)."""
    name: str = request.param
    return name


@pytest.fixture
def new_page(browser: Browser, live: Server) -> Iterator[Callable[..., Page]]:
    """Open a page (a fresh browser context: no cookies) at a size, optionally logged in."""
    contexts = []

    def open_page(size: str = "phone", user: str | None = None, locale: str = "zh-CN") -> Page:
        context = browser.new_context(viewport=SIZES[size], locale=locale, base_url=live.url)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        if user is not None:
            log_in(page, user)
        return page

    yield open_page
    for context in contexts:
        context.close()


def log_in(page: Page, username: str) -> None:
    """Log in through the form, as a person would."""
    page.goto("/app/login")
    page.fill("#f-username", username)
    page.fill("#f-password", password_of(username))
    page.click("form[action='/app/login'] button[type=submit]")
    page.wait_for_url("**/app/**")


def no_horizontal_scroll(page: Page) -> bool:
    fits: bool = page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    return fits


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
