from tests.browser.screens import Screen

SCREENS = [
    Screen("follow-ups-day", "sales1", "/app/follow-ups"),
    Screen("follow-ups-day-manager", "manager1", "/app/follow-ups"),
    Screen("follow-ups-call", "sales1", "/app/follow-ups", follow="section.calls a.row"),
    Screen(
        "follow-ups-lead", "sales1", "/app/follow-ups", follow="a[href^='/app/follow-ups/leads/']"
    ),
    Screen("follow-ups-overdue", "manager1", "/app/follow-ups/overdue"),
    Screen("follow-ups-settings", "manager1", "/app/follow-ups/settings"),
]
