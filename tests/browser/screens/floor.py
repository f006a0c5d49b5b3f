from tests.browser.screens import Screen

SCREENS = [
    Screen("floor-my-day", "sales1", "/app/my-day"),
    Screen("floor-my-day-manager", "manager1", "/app/my-day"),
    Screen("floor-capture", "sales1", "/app/leads/new"),
    Screen("floor-lead", "sales1", "/app/my-day", follow="a.row[href^='/app/leads/']"),
    Screen("floor-customers", "sales1", "/app/customers"),
    Screen("floor-customer", "sales1", "/app/customers", follow="a.row[href^='/app/customers/']"),
]
