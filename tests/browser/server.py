"""A live Showroom over a demo group, and Debian's Chromium, for the browser tests and for
`make screenshots` (which runs outside pytest, so none of this is a fixture).

Playwright never downloads a browser here: it drives /usr/bin/chromium (installed by .ci/run
with apt), or the one SHOWROOM_CHROMIUM names.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from playwright.sync_api import Page, Response

from api.main import create_app
from ops.simulation import GroupSummary, load_demo, settle_demo_office
from workers.runtime import Runtime, migrate
from workers.settings import Settings

CHROMIUM = os.environ.get("SHOWROOM_CHROMIUM", "/usr/bin/chromium")
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


@contextmanager
def serve(settings: Settings) -> Iterator[str]:
    """Serve the app on a free local port in a thread until the block ends."""
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


def demo_settings(directory: Path) -> Settings:
    """A fresh store in `directory` holding the demo group (two stores, two months, to today)."""
    settings = Settings(data_dir=directory / "var", secret_key="browser-tests-" + "k" * 32)
    migrate(settings)
    return settings


def load_small_demo(settings: Settings, *, settled: bool = False) -> GroupSummary:
    """Two stores, two months; `settled`: also the targets and payroll `make run` sets (past
    months approved, this month's period open), so the boards and pay pages show figures."""
    runtime = Runtime.build(settings)
    try:
        runtime.runner.start()
        summary = load_demo(runtime, seed=11, stores=2, months=2)
        runtime.runner.run_until_caught_up()
        if settled and summary.first_day and summary.last_day:
            settle_demo_office(runtime, summary.first_day, summary.last_day)
            runtime.runner.run_until_caught_up()
    finally:
        runtime.close()
    return summary


# The demo groups built in this process (by `settled`): their folder and summary.
_TEMPLATES: dict[bool, tuple[Path, GroupSummary]] = {}


def _demo_template(settled: bool) -> tuple[Path, GroupSummary]:
    """The demo group, built once per process (10 s on a loaded machine) and copied for each
    server (9 MB: milliseconds). The data folder and its key folder beside it are copied whole;
    nothing in them names the folder."""
    if settled not in _TEMPLATES:
        directory = Path(tempfile.mkdtemp(prefix="showroom-demo-"))
        atexit.register(shutil.rmtree, directory, True)
        summary = load_small_demo(demo_settings(directory), settled=settled)
        _TEMPLATES[settled] = (directory, summary)
    return _TEMPLATES[settled]


@contextmanager
def demo_server(directory: Path, *, settled: bool = False) -> Iterator[Server]:
    """A server over its own copy of the demo group in `directory` (the group is built once per
    process: each test module still gets its own data, as before)."""
    template, summary = _demo_template(settled)
    for entry in template.iterdir():
        shutil.copytree(entry, directory / entry.name)
    settings = demo_settings(directory)  # the copy's settings (its migrate finds nothing to do)
    with serve(settings) as url:
        yield Server(url=url, settings=settings, summary=summary)


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


def open_screen(page: Page, path: str, follow: str | None = None) -> Response | None:
    """Open `path`; then, when `follow` is given, the first link matching it. Returns the
    answer to the last navigation (None when the browser did not report one)."""
    answer = page.goto(path)
    if follow is None:
        return answer
    link = page.locator(follow).first
    href = link.get_attribute("href", timeout=5_000)
    if not href:
        raise LookupError(f"no link matching {follow!r} on {path}")
    return page.goto(href)
