"""A live Showroom with the demo group, and Debian's Chromium driven by Playwright.

Playwright never downloads a browser here: it drives /usr/bin/chromium (installed by .ci/run
with apt). Without it the browser tests skip, unless SHOWROOM_REQUIRE_SERVICES=1 (CI), where
they fail. Each test module gets its own server and demo group (a few seconds), so modules run
in parallel under xdist without sharing data.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.browser.server import (
    CHROMIUM,
    CHROMIUM_ARGS,
    SIZES,
    Server,
    demo_server,
    log_in,
    no_horizontal_scroll,
    password_of,
)

__all__ = ["Server", "log_in", "no_horizontal_scroll", "password_of"]

REQUIRE = os.environ.get("SHOWROOM_REQUIRE_SERVICES") == "1"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server over a fresh demo group (two stores, two months, up to today)."""
    with demo_server(tmp_path_factory.mktemp("live")) as server:
        yield server


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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
