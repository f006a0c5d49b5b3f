from tests.browser.screens import Screen

SCREENS = [
    Screen("routing-rules", "manager1", "/app/routing"),
    Screen("routing-rules-admin", "admin", "/app/routing"),
    Screen("routing-queue", "manager1", "/app/routing/queue"),
    Screen("routing-fairness", "manager1", "/app/routing/fairness"),
]
