from tests.browser.screens import Screen

SCREENS = [
    Screen("notifications-inbox", "sales1", "/app/inbox"),
    Screen("notifications-settings", "sales1", "/app/account/notifications"),
    Screen("notifications-admin", "admin", "/app/admin/notifications"),
]
