from tests.browser.screens import Screen

SCREENS = [
    Screen("approvals-queue", "manager1", "/app/approvals"),
    Screen("approvals-mine", "sales1", "/app/approvals"),
    Screen("approvals-rules", "manager1", "/app/approvals/rules"),
    Screen("approvals-rules-group", "exec", "/app/approvals/rules"),
]
