"""The follow-up pages: the salesperson's day (overdue first, with how many days; forms for
the next day and for a call, refusals inline, nothing written), the manager's overdue list
per salesperson, and the store's settings form (managers only), in English and Chinese."""

from __future__ import annotations

from uuid import UUID

from tests.integration.conftest import Api
from tests.integration.test_follow_ups import TODAY, capture, deliver
from tests.integration.test_pages_floor import signed_in


def test_the_follow_up_pages_show_the_day_and_refuse_bad_input_inline(api: Api) -> None:
    overdue = capture(api, "sales_a1", "13800000001", 5)  # three days overdue by default
    kept = deliver(api, "sales_a1", 1)
    api.runtime.follow_ups.plan_calls(UUID(kept))  # the dispatcher's job, perhaps before it
    at = f"?position={api.runtime.app.position()}"
    # One browser (one cookie jar): the manager first, then the salesperson.
    manager = signed_in(api, "manager_a", language="zh_CN")
    board = manager.get(f"/app/follow-ups/overdue{at}")
    assert (
        board.status_code == 200 and "逾期 4 天" in board.text
    )  # the deal's own lead, six days old and "Sales A1" in board.text

    page = signed_in(api, "sales_a1")
    day = page.get(f"/app/follow-ups{at}")
    assert day.status_code == 200
    assert "3 d overdue" in day.text and "Day 1 after delivery" in day.text
    assert day.text.index("4 d overdue") < day.text.index("3 d overdue")  # the oldest first

    before = api.runtime.app.position()
    past = page.post(f"/app/follow-ups/leads/{overdue}", {"follow_up_on": "2020-01-01"})
    assert past.status_code == 422 and 'aria-invalid="true"' in past.text
    scored = page.post(f"/app/follow-ups/calls/{kept}/1", {"outcome": "not_reached", "score": "7"})
    assert scored.status_code == 422 and "only when the customer was reached" in scored.text
    assert api.runtime.app.position() == before

    moved = page.post(f"/app/follow-ups/leads/{overdue}", {"follow_up_on": TODAY.isoformat()})
    assert moved.status_code == 303
    called = page.post(f"/app/follow-ups/calls/{kept}/1", {"outcome": "reached", "score": "90"})
    assert called.status_code == 303
    after = page.get(called.headers["location"])
    assert "3 d overdue" not in after.text and "Day 1 after delivery" not in after.text

    refused = page.post("/app/follow-ups/settings", {"gap_days": "9", "call_offsets": "1"})
    assert refused.status_code == 403  # a salesperson reads the store's settings, no more
    manager = signed_in(api, "manager_a", language="zh_CN")
    settings = manager.get("/app/follow-ups/settings")
    assert settings.status_code == 200 and "跟进设置" in settings.text
    bad = manager.post("/app/follow-ups/settings", {"gap_days": "3", "call_offsets": "1, x"})
    assert bad.status_code == 422 and "1, 7, 30" in bad.text
    good = manager.post(
        "/app/follow-ups/settings", {"gap_days": "3", "call_offsets": "1，7 30", "version": "0"}
    )
    assert good.status_code == 303
    shown = manager.get(good.headers["location"])
    assert 'value="1, 7, 30"' in shown.text and 'value="3"' in shown.text
