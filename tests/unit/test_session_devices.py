"""The sessions page names a session's device from its User-Agent, most specific browser first."""

from __future__ import annotations

import pytest

from api.pages.i18n import current
from api.pages.routes.account_security import device

CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
    " Chrome/126.0.0.0 Safari/537.36"
)
EDGE = CHROME_WINDOWS + " Edg/126.0.0.0"
WECHAT_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15"
    " (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.49"
)
SAFARI_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko)"
    " Version/17.5 Safari/605.1.15"
)


@pytest.mark.parametrize(
    ("agent", "shown"),
    [
        (CHROME_WINDOWS, "Chrome on Windows"),
        (EDGE, "Edge on Windows"),
        (WECHAT_IPHONE, "WeChat on iPhone"),
        (SAFARI_MAC, "Safari on macOS"),
        ("python-httpx/0.27.0", "httpx"),
        ("", "Unknown program"),
        ("SomeTool", "SomeTool"),
    ],
    ids=["chrome", "edge", "wechat", "safari", "httpx", "none", "other"],
)
def test_a_user_agent_is_shown_as_browser_on_system(agent: str, shown: str) -> None:
    current.set("en")

    assert device(agent) == shown
