"""Every page of tests/browser/screens, at a phone size and a desktop size: accessible (axe-core
finds nothing serious or critical), no horizontal scroll (at 360×740 too), touch targets of at
least 44 px, forms usable by keyboard, and no console error or CSP violation.

Each page is opened once per size in an ordinary context (the pages' CSP in force: console and
CSP listeners, layout, targets, keyboard) and once in a context that bypasses the CSP (so axe can
be injected); the findings are kept for the module and each test asserts one of them. One server
per module; one browser context per user, size and kind.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from tests.browser.screens import Screen, all_screens
from tests.browser.server import (
    SIZES,
    Server,
    demo_server,
    log_in,
    no_horizontal_scroll,
    open_screen,
)

SCREENS = all_screens()
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
NARROW = {"width": 360, "height": 740}
TAP = 44
BAD_IMPACTS = ("serious", "critical")

# Elements allowed below 44 px, by CSS selector, and why.
SMALL_ALLOWED = {
    "input[type=checkbox], input[type=radio]": "ticked through their label, which is the target",
    ".skip": "the skip link is off screen until focused",
}

# Marks a page's CSP violations where the test can read them (init scripts are not subject to
# the page's CSP).
LISTEN_CSP = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__violations.push(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline'));
});
"""

# Opens every <details>, so that what a tap would show is checked too (closed, its content is
# not rendered and Tab skips it).
OPEN_DETAILS = "() => document.querySelectorAll('details').forEach((d) => { d.open = true; })"

# Controls (a <summary> is one: a tap opens its details), and links that are a list item's
# whole content ("list links"); a link inside a sentence is exempt, as WCAG 2.5.8 exempts
# inline targets.
SMALL_TARGETS = """
([allowed, tap]) => {
  const visible = (el) => el.checkVisibility({visibilityProperty: true}) &&
    el.getBoundingClientRect().width > 0;
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.name ? `[name=${el.name}]` : '') +
    ' "' + (el.innerText || el.value || '').trim().slice(0, 30) + '"';
  const controls = [...document.querySelectorAll(
    'button, input, select, textarea, summary, a.button, nav a, .list > li > a')];
  const listLinks = [...document.querySelectorAll('li a')].filter(
    (a) => a.closest('li').innerText.trim() === a.innerText.trim());
  return [...new Set([...controls, ...listLinks])]
    .filter((el) => el.type !== 'hidden' && visible(el) && !el.matches(allowed))
    .filter((el) => el.getBoundingClientRect().height < tap - 0.5)
    .map((el) => `${name(el)}: ${el.getBoundingClientRect().height.toFixed(0)} px`);
}
"""

# Numbers every control of every visible form, so the keyboard walk can say which it reached.
FORM_CONTROLS = """
() => {
  const visible = (el) => el.checkVisibility({visibilityProperty: true});
  const controls = [];
  document.querySelectorAll('form').forEach((form, f) => {
    form.querySelectorAll('input, select, textarea, button').forEach((el, i) => {
      if (el.type === 'hidden' || el.disabled || !visible(el)) return;
      const what = `${el.tagName.toLowerCase()} ${el.name || el.type || i}`;
      el.dataset.kb = `form ${f} (${form.getAttribute('action')}) ${what}`;
      controls.push(el.dataset.kb);
    });
  });
  const focusable = 'a[href], button, input, select, textarea, summary, [tabindex]';
  return [controls, document.querySelectorAll(focusable).length];
}
"""


@dataclass
class Findings:
    """What one page at one size showed; each test asserts one field."""

    problem: str = ""  # the page could not be opened as its screen says
    console: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    scroll: list[str] = field(default_factory=list)
    small: list[str] = field(default_factory=list)
    unreachable: list[str] = field(default_factory=list)
    axe: list[str] = field(default_factory=list)


class Inspector:
    """Opens each screen once per size and kind of context and keeps what it found."""

    def __init__(self, browser: Browser, live: Server) -> None:
        self.browser = browser
        self.live = live
        self.contexts: dict[tuple[str | None, str, bool], BrowserContext] = {}
        self.found: dict[tuple[str, str], Findings] = {}

    def context(self, user: str | None, size: str, bypass: bool) -> BrowserContext:
        key = (user, size, bypass)
        if key not in self.contexts:
            context = self.browser.new_context(
                viewport=SIZES[size], locale="zh-CN", base_url=self.live.url, bypass_csp=bypass
            )
            context.set_default_timeout(15_000)
            if not bypass:
                context.add_init_script(LISTEN_CSP)
            if user is not None:
                page = context.new_page()
                log_in(page, user)
                page.close()
            self.contexts[key] = context
        return self.contexts[key]

    def open(self, screen: Screen, size: str, bypass: bool, console: list[str]) -> Page:
        page = self.context(screen.user, size, bypass).new_page()
        page.on(
            "console",
            lambda message: (
                console.append(f"{message.text} ({message.location.get('url')})")
                if message.type == "error"
                else None
            ),
        )
        page.on("pageerror", lambda error: console.append(f"uncaught: {error}"))
        answer = open_screen(page, screen.path, screen.follow)
        if answer is not None and answer.status >= 400:
            raise AssertionError(f"HTTP {answer.status} at {page.url}")
        if screen.user is not None and "/app/login" in page.url:
            raise AssertionError(f"sent to the login page ({page.url})")
        return page

    def findings(self, screen: Screen, size: str) -> Findings:
        key = (screen.name, size)
        if key not in self.found:
            self.found[key] = self._inspect(screen, size)
        return self.found[key]

    def _inspect(self, screen: Screen, size: str) -> Findings:
        found = Findings()
        try:
            page = self.open(screen, size, False, found.console)
        except Exception as error:  # every test of the screen reports it
            found.problem = f"{type(error).__name__}: {error}"
            return found
        try:
            page.evaluate(OPEN_DETAILS)
            found.small = page.evaluate(SMALL_TARGETS, [", ".join(SMALL_ALLOWED), TAP])
            found.unreachable = keyboard_unreachable(page)
            if not no_horizontal_scroll(page):
                found.scroll.append(f"{SIZES[size]['width']} px")
            if size == "phone":
                page.set_viewport_size(NARROW)
                if not no_horizontal_scroll(page):
                    found.scroll.append(f"{NARROW['width']} px")
            found.violations = page.evaluate("() => window.__violations")
        finally:
            page.close()
        found.axe = self._axe(screen, size)
        return found

    def _axe(self, screen: Screen, size: str) -> list[str]:
        page = self.open(screen, size, True, [])
        try:
            page.evaluate(OPEN_DETAILS)
            page.add_script_tag(path=str(AXE))
            result: dict[str, Any] = page.evaluate(
                "async () => await axe.run(document, {resultTypes: ['violations']})"
            )
        finally:
            page.close()
        return [
            f"{v['impact']}: {v['id']} ({v['help']}) at "
            + "; ".join(", ".join(node["target"]) for node in v["nodes"][:3])
            for v in result["violations"]
            if v["impact"] in BAD_IMPACTS
        ]

    def close(self) -> None:
        for context in self.contexts.values():
            context.close()


def keyboard_unreachable(page: Page) -> list[str]:
    """The visible controls of the page's forms that Tab never reaches from the top."""
    controls, focusable = page.evaluate(FORM_CONTROLS)
    if not controls:
        return []
    page.evaluate("() => { document.activeElement?.blur(); window.scrollTo(0, 0); }")
    reached: set[str] = set()
    for _ in range(focusable + 5):
        page.keyboard.press("Tab")
        mark = page.evaluate("() => document.activeElement?.dataset?.kb || ''")
        if mark:
            reached.add(mark)
        if reached >= set(controls):
            break
    return [control for control in controls if control not in reached]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The demo group as `make run` leaves it (targets set, past months' payroll approved), so
    the boards and pay pages are checked with their figures, not empty."""
    with demo_server(tmp_path_factory.mktemp("every-page"), settled=True) as server:
        yield server


@pytest.fixture(scope="module")
def inspector(browser: Browser, live: Server) -> Iterator[Inspector]:
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `make install` (npm ci installs axe-core)")
    inspector = Inspector(browser, live)
    yield inspector
    inspector.close()


@pytest.fixture(params=SCREENS, ids=[screen.name for screen in SCREENS])
def screen(request: pytest.FixtureRequest) -> Screen:
    chosen: Screen = request.param
    return chosen


@pytest.fixture
def findings(inspector: Inspector, screen: Screen, size: str) -> Findings:
    found = inspector.findings(screen, size)
    assert not found.problem, found.problem
    return found


def test_axe_finds_nothing_serious_or_critical(findings: Findings) -> None:
    assert findings.axe == []


def test_the_page_never_scrolls_sideways_down_to_360_px(findings: Findings) -> None:
    assert findings.scroll == []


def test_every_visible_control_and_list_link_is_at_least_44_px_tall(findings: Findings) -> None:
    assert findings.small == []


def test_tab_reaches_every_control_of_every_form(findings: Findings) -> None:
    assert findings.unreachable == []


def test_no_console_error_and_no_csp_violation(findings: Findings) -> None:
    assert findings.console == []
    assert findings.violations == []
