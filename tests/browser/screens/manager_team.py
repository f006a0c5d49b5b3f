from tests.browser.screens import Screen

SCREENS = [
    Screen("team", "manager1", "/app/team"),
    Screen("team-hours", "manager1", "/app/team/hours"),
    Screen("team-hours-admin", "admin", "/app/team/hours"),
]
