from tests.browser.screens import Screen

# The screens' server settles the demo's office as `make run` does (past months approved, this
# month open), so a period and a salesperson's statement have links to follow.
SCREENS = [
    Screen("pay-periods", "finance", "/app/pay/periods"),
    Screen("pay-period", "finance", "/app/pay/periods", follow="a[href^='/app/pay/periods/']"),
    Screen("pay-what-if", "finance", "/app/pay/what-if"),
    Screen("pay-mine", "sales1", "/app/pay/mine"),
    Screen("pay-my-statement", "sales1", "/app/pay/mine", follow="a[href^='/app/pay/mine/']"),
]
