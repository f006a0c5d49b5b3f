from tests.browser.screens import Screen

SCREENS = [
    Screen("lead-rules-manager", "manager1", "/app/lead-rules"),
    Screen("lead-rules-admin", "admin", "/app/lead-rules"),
    Screen("customer-duplicates", "manager1", "/app/customer-duplicates"),
    Screen("customer-merge", "manager1", "/app/customer-duplicates", follow="main .list a.row"),
]
