from tests.browser.screens import Screen

# The demo group has no appraisal yet: an appraisal page is seen in tests/browser/test_trade_ins.py.
SCREENS = [
    Screen("appraisals", "manager1", "/app/appraisals"),
    Screen("look-to-book", "manager1", "/app/look-to-book"),
]
