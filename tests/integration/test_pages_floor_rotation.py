"""The floor rotation page: a salesperson checks in and sees themselves up, a manager gives a
walk-in to whoever is up and skips someone with a reason, bad input is refused inline with
nothing written, a colleague's skip is refused, the polled board is a piece of its own, and
the page reads in Chinese."""

from __future__ import annotations

from tests.integration.conftest import Api
from tests.integration.test_pages_floor import signed_in


def test_the_rotation_page_checks_in_takes_a_walk_in_and_skips(api: Api) -> None:
    store = api.world.store_a
    page = signed_in(api, "sales_a1")
    empty = page.get("/app/rotation")
    assert empty.status_code == 200 and "Nobody has checked in today." in empty.text

    checked = page.post(f"/app/rotation/{store}/check-in", {})
    assert checked.status_code == 303
    mine = page.get(checked.headers["location"])
    assert "Sales A1" in mine.text and "I take this walk-in" in mine.text
    board = page.get("/app/rotation/board")
    assert board.status_code == 200 and 'hx-trigger="every 5s"' in board.text
    assert "<html" not in board.text

    manager = signed_in(api, "manager_a")
    before = api.runtime.app.position()
    bad = manager.post(
        f"/app/rotation/{store}/walk-ins", {"customer_name": "Walk In", "customer_phone": "12"}
    )
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text
    no_reason = manager.post(
        f"/app/rotation/{store}/skips",
        {"skip_staff_id": str(api.world.staff["sales_a1"]), "reason": ""},
    )
    assert no_reason.status_code == 422
    assert api.runtime.app.position() == before

    taken = manager.post(
        f"/app/rotation/{store}/walk-ins",
        {"customer_name": "Walk In", "customer_phone": "13822223333", "model_interest": "Han"},
    )
    assert taken.status_code == 303
    after = manager.get(taken.headers["location"])
    assert "#1 · Sales A1" in after.text and "With a customer" in after.text

    colleague = signed_in(api, "sales_a2")
    refused = colleague.post(
        f"/app/rotation/{store}/skips",
        {"skip_staff_id": str(api.world.staff["sales_a1"]), "reason": "late"},
    )
    assert refused.status_code == 403

    chinese = signed_in(api, "manager_a", language="zh_CN")
    assert "接待轮序" in chinese.get("/app/rotation").text
