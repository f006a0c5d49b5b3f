from tests.browser.screens import Screen

SCREENS = [
    Screen("loans-declined", "manager1", "/app/loans/declined"),
]
