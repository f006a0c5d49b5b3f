from tests.browser.screens import Screen

SCREENS = [
    Screen("board", "manager1", "/app/board"),
    Screen("leaderboard", "manager1", "/app/leaderboard"),
    Screen("lead-queue", "manager1", "/app/leads/queue"),
    Screen("deals-waiting", "manager1", "/app/deals/waiting"),
    Screen("stores", "exec", "/app/stores"),
]
