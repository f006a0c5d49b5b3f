from tests.browser.screens import Screen

SCREENS = [
    Screen("history-search", "auditor", "/app/history"),
    Screen("history-deal", "auditor", "/app/history", follow="a.deal"),
    Screen("integrity", "auditor", "/app/audit/integrity?run=1"),
    Screen("verify-periods", "finance", "/app/audit/verify"),
    Screen("verify-period", "auditor", "/app/audit/verify", follow="a.verify"),
]
