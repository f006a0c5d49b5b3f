from tests.browser.screens import Screen

SCREENS = [
    Screen("floor-rotation", "sales1", "/app/rotation"),
    Screen("floor-rotation-manager", "manager1", "/app/rotation"),
]
