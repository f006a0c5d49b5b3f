from tests.browser.screens import Screen

SCREENS = [
    Screen("login", None, "/app/login"),
    Screen("start-salesperson", "sales1", "/app/"),
    Screen("account", "manager1", "/app/account"),
]
