from tests.browser.screens import Screen

SCREENS = [
    Screen("deals-salesperson", "sales1", "/app/deals"),
    Screen("deals-manager", "manager1", "/app/deals"),
    Screen("deal-salesperson", "sales1", "/app/deals", follow=".deal-list a.row"),
    Screen("my-month", "sales1", "/app/my-month"),
]
