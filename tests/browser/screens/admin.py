from tests.browser.screens import Screen

STORE = "a.row[href^='/app/admin/stores/']"
STAFF = "a.row[href^='/app/admin/staff/']"
PLAN = "a.row[href^='/app/admin/plans/']"
SALES1 = "a.row[href='/app/admin/users/sales1']"

SCREENS = [
    Screen("admin-stores", "admin", "/app/admin/stores"),
    Screen("admin-store", "admin", "/app/admin/stores", follow=STORE),
    Screen("admin-staff", "admin", "/app/admin/staff"),
    Screen("admin-staff-member", "admin", "/app/admin/staff", follow=STAFF),
    Screen("admin-users", "admin", "/app/admin/users"),
    Screen("admin-user", "admin", "/app/admin/users", follow=SALES1),
    Screen("admin-plans", "admin", "/app/admin/plans"),
    Screen("admin-plan", "admin", "/app/admin/plans", follow=PLAN),
]
