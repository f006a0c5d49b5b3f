from tests.browser.screens import Screen

# The verification of one approved period has no screen: the demo group approves no period
# (tests/browser/test_auditor.py approves one and opens it).
SCREENS = [
    Screen("history-search", "auditor", "/app/history"),
    Screen("history-deal", "auditor", "/app/history", follow="a.deal"),
    Screen("integrity", "auditor", "/app/audit/integrity?run=1"),
    Screen("verify-periods", "finance", "/app/audit/verify"),
]
