from tests.browser.screens import Screen

SCREENS = [
    Screen("account-sessions", "finance", "/app/account/sessions"),
    Screen("account-second-factor", "admin", "/app/account/second-factor"),
]
