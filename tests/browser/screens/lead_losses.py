from tests.browser.screens import Screen

SCREENS = [
    Screen("losses-queue", "manager1", "/app/losses"),
    Screen("losses-report", "manager1", "/app/losses/report"),
    Screen("losses-report-by-model", "exec", "/app/losses/report?by=model"),
]
