from tests.browser.screens import Screen

SCREENS = [
    Screen("access-log", "auditor", "/app/audit/access"),
    Screen("access-log-verified", "admin", "/app/audit/access?verify=1&kind=login_succeeded"),
]
