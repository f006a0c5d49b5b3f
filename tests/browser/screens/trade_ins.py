from tests.browser.screens import Screen

SCREENS = [
    Screen("appraisals", "manager1", "/app/appraisals"),
    Screen("appraisal", "manager1", "/app/appraisals", follow="td a[href^='/app/appraisals/']"),
    Screen("look-to-book", "manager1", "/app/look-to-book"),
]
