"""`make screenshots`: every page of tests/browser/screens at a phone size and a desktop size.

    python -m tests.browser.screenshots [FOLDER] [--locale en] [--only NAME,...]

Starts a server over a fresh demo group (with the targets and payroll `make run` sets), logs
in as each screen's user (once per user and size), opens each screen (following its `follow`
link) and saves `<name>-phone.png` and `<name>-desktop.png`, full page, into FOLDER (default
`screenshots/`). It prints each file it wrote and each screen that failed; the exit status is
1 when any failed. Needs Chromium (/usr/bin/chromium, or SHOWROOM_CHROMIUM).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, sync_playwright

from tests.browser.screens import Screen, all_screens
from tests.browser.server import (
    CHROMIUM,
    CHROMIUM_ARGS,
    SIZES,
    demo_server,
    log_in,
    open_screen,
)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m tests.browser.screenshots", description=__doc__)
    p.add_argument("folder", nargs="?", default="screenshots")
    p.add_argument("--locale", default="zh-CN", help="the browser's language (zh-CN or en)")
    p.add_argument("--only", default="", help="screen names, comma-separated (default: all)")
    return p


def problem_of(screen: Screen, status: int | None, url: str) -> str | None:
    """Why a screen's page is not the page it should be, if it is not."""
    if status is not None and status >= 400:
        return f"HTTP {status} at {url}"
    if screen.user is not None and "/app/login" in url:
        return f"sent to the login page ({url})"
    return None


def shoot(
    browser: Browser, url: str, screens: Sequence[Screen], folder: Path, locale: str
) -> tuple[list[Path], list[str]]:
    """Screenshot every screen at every size; the files written and the failures."""
    written: list[Path] = []
    failed: list[str] = []
    for size, viewport in SIZES.items():
        contexts: dict[str | None, BrowserContext] = {}
        try:
            for screen in screens:
                if screen.user not in contexts:
                    context = browser.new_context(viewport=viewport, locale=locale, base_url=url)
                    context.set_default_timeout(15_000)
                    contexts[screen.user] = context
                    if screen.user is not None:
                        log_in(context.new_page(), screen.user)
                page = contexts[screen.user].new_page()
                try:
                    answer = open_screen(page, screen.path, screen.follow)
                    page.wait_for_load_state("networkidle")
                    problem = problem_of(screen, answer.status if answer else None, page.url)
                    target = folder / f"{screen.name}-{size}.png"
                    page.screenshot(path=str(target), full_page=True)
                    written.append(target)
                    if problem:
                        failed.append(f"{screen.name} ({size}): {problem}")
                except Exception as error:  # report every screen, then fail
                    failed.append(f"{screen.name} ({size}): {type(error).__name__}: {error}")
                finally:
                    page.close()
        finally:
            for context in contexts.values():
                context.close()
    return written, failed


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    folder = Path(args.folder)
    folder.mkdir(parents=True, exist_ok=True)
    chosen = {name.strip() for name in args.only.split(",") if name.strip()}
    screens = [s for s in all_screens() if not chosen or s.name in chosen]
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is not installed (apt-get install chromium)", file=sys.stderr)
        return 2
    with (
        tempfile.TemporaryDirectory(prefix="showroom-screenshots-") as directory,
        demo_server(Path(directory), settled=True) as server,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            written, failed = shoot(browser, server.url, screens, folder, args.locale)
        finally:
            browser.close()
    for path in written:
        print(path)
    print(f"{len(written)} screenshots of {len(screens)} screens in {folder}/")
    for failure in failed:
        print(f"FAILED {failure}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
