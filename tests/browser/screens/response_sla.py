from tests.browser.screens import Screen

SCREENS = [
    Screen("response-sla-report", "manager1", "/app/response-sla"),
    Screen("response-sla-settings", "manager1", "/app/response-sla/settings"),
]
