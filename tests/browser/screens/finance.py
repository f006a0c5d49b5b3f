from tests.browser.screens import Screen

# The demo group has no pay period until finance opens one, so a period, its statements and a
# line's explain have no link to follow on a fresh demo: tests/browser/test_finance.py opens one
# and walks them at both sizes.
SCREENS = [
    Screen("pay-periods", "finance", "/app/pay/periods"),
    Screen("pay-what-if", "finance", "/app/pay/what-if"),
    Screen("pay-mine", "sales1", "/app/pay/mine"),
]
