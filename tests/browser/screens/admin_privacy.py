from tests.browser.screens import Screen

CUSTOMER = "a.row[href^='/app/admin/privacy/']"

SCREENS = [
    Screen("admin-privacy", "admin", "/app/admin/privacy"),
    Screen("admin-privacy-customer", "admin", "/app/admin/privacy", follow=CUSTOMER),
]
