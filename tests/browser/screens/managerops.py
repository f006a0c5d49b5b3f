from tests.browser.screens import Screen

SCREENS = [
    Screen("managerops-credits", "manager1", "/app/credits"),
    Screen("managerops-credit-split", "manager1", "/app/credits", follow="main .list a.row"),
    Screen("managerops-unwinds", "manager1", "/app/unwinds"),
    Screen("managerops-unwind", "manager1", "/app/unwinds", follow="main .list a.row"),
    Screen("managerops-targets", "manager1", "/app/targets"),
    Screen("managerops-evaluations", "manager1", "/app/evaluations"),
    Screen("managerops-scorecards", "admin", "/app/scorecards"),
]
