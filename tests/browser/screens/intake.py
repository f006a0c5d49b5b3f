from tests.browser.screens import Screen

SCREENS = [
    Screen("intake-campaigns", "manager1", "/app/campaigns"),
    Screen("intake-partners", "admin", "/app/admin/partners"),
]
