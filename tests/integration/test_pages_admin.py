"""The administrator's pages: stores, staff, users and pay plans, through the page client."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from domain.organisation.model import Store, User
from domain.shared.actor import SYSTEM
from tests.integration.conftest import PASSWORD, Api
from tests.pages.client import PageClient
from tests.unit.four_eyes import publish

PLAN = [
    {"type": "per_unit", "key": "unit", "new": "300", "used": "200"},
    {"type": "percent_of_gross", "key": "commission", "rate": "0.20", "mini": "300"},
    {
        "type": "volume_tiers",
        "key": "volume",
        "mode": "retroactive",
        "tiers": [{"threshold": "4", "amount": "100"}, {"threshold": "8", "amount": "200"}],
    },
    {"type": "fni", "key": "fni", "products": {"finance": {"flat": "300"}}},
]


def pages(api: Api, username: str, language: str = "en") -> PageClient:
    client = PageClient(api.client)
    api.client.cookies.clear()
    api.client.cookies.set("showroom_lang", language)
    client.log_in(username, PASSWORD)
    return client


def other_client(api: Api, username: str, language: str = "en") -> PageClient:
    """A second browser: its own cookie jar."""
    client = PageClient(TestClient(api.client.app, raise_server_exceptions=False))
    client.client.cookies.set("showroom_lang", language)
    client.log_in(username, PASSWORD)
    return client


def user_count(api: Api) -> int:
    return len(api.runtime.organisation.list_users(admin_principal(api)))


def admin_principal(api: Api) -> Any:
    principal = api.runtime.organisation.authenticate("admin", PASSWORD)
    assert principal is not None
    return principal


def new_user_form(api: Api, **changes: str) -> dict[str, str]:
    form = {
        "username": "sales_new",
        "password": "a-good-password",
        "role": "salesperson",
        "store_id": "",
        "staff_id": str(api.world.staff["sales_a2"]),
    }
    form.update(changes)
    return form


def make_plan(api: Api) -> Any:
    plans = api.runtime.pay_plans
    plan_id = plans.create_plan(SYSTEM, "Floor standard").id
    from datetime import date

    publish(plans, SYSTEM, plan_id, date(2026, 1, 1), PLAN, "first")
    return plan_id


# --- access -------------------------------------------------------------------------------------


def test_a_salesperson_gets_the_apis_403_on_the_users_page_and_its_forms(api: Api) -> None:
    client = pages(api, "sales_a1")
    before = user_count(api)

    listing = client.get("/app/admin/users")
    posted = client.post("/app/admin/users", new_user_form(api))
    json_answer = api.post(
        "sales_a1", "/users", {"username": "x1", "password": "longenough1", "role": "admin"}
    )

    assert listing.status_code == posted.status_code == json_answer.status_code == 403
    assert user_count(api) == before


def test_a_store_manager_cannot_change_a_store_or_set_its_pack(api: Api) -> None:
    client = pages(api, "manager_a")
    store = f"/app/admin/stores/{api.world.store_a}"

    update = client.post(
        store, {"name": "X", "city": "Y", "brands": "BYD", "timezone": "Asia/Shanghai"}
    )
    pack = client.post(store + "/pack", {"condition": "new", "pack_new": "800"})

    assert update.status_code == pack.status_code == 403
    assert api.runtime.app.repository.get(api.world.store_a).name == "Pudong BYD"


def test_a_finance_clerk_publishes_plans_but_sees_no_users(api: Api) -> None:
    client = pages(api, "finance")

    assert client.get("/app/admin/plans").status_code == 200
    assert client.get("/app/admin/users").status_code == 403


# --- stores -------------------------------------------------------------------------------------


def test_an_admin_opens_a_store_and_sees_it(api: Api) -> None:
    client = pages(api, "admin")

    answer = client.post(
        "/app/admin/stores",
        {
            "name": "Minhang Denza",
            "city": "Shanghai",
            "brands": "Denza, BYD",
            "timezone": "Asia/Shanghai",
        },
    )

    assert answer.status_code == 303
    page = client.get(answer.headers["location"])
    assert page.status_code == 200
    assert "Minhang Denza" in page.text and "Denza, BYD" in page.text


def test_a_store_with_a_repeated_brand_is_refused_inline_and_nothing_opens(api: Api) -> None:
    client = pages(api, "admin")
    before = client.get("/app/admin/stores").text.count('class="row"')

    answer = client.post(
        "/app/admin/stores",
        {"name": "Twice", "city": "Shanghai", "brands": "BYD, BYD", "timezone": "Asia/Shanghai"},
    )

    assert answer.status_code == 422
    assert "brands must not repeat" in answer.text or "Invalid value" in answer.text
    assert client.get("/app/admin/stores").text.count('class="row"') == before


def test_an_admin_sets_the_new_car_pack_and_the_store_page_shows_it(api: Api) -> None:
    client = pages(api, "admin")
    path = f"/app/admin/stores/{api.world.store_a}"

    answer = client.post(path + "/pack", {"condition": "new", "pack_new": "800"})

    assert answer.status_code == 303
    store: Store = api.runtime.app.repository.get(api.world.store_a)
    assert str(store.pack_for("new")) == "800.00"
    assert "¥800.00" in client.get(answer.headers["location"]).text


def test_a_pack_that_is_not_an_amount_is_refused_beside_its_field(api: Api) -> None:
    client = pages(api, "admin")
    path = f"/app/admin/stores/{api.world.store_a}"

    answer = client.post(path + "/pack", {"condition": "used", "pack_used": "lots"})

    assert answer.status_code == 422
    assert 'id="f-pack_used-error"' in answer.text
    store: Store = api.runtime.app.repository.get(api.world.store_a)
    assert "used" not in store.packs


# --- staff --------------------------------------------------------------------------------------


def test_an_admin_hires_transfers_and_records_a_departure(api: Api) -> None:
    client = pages(api, "admin")
    hired = client.post(
        "/app/admin/staff",
        {"store_id": str(api.world.store_a), "name": "Zhao Lei", "role": "salesperson"},
    )
    assert hired.status_code == 303
    listing = client.get(hired.headers["location"])
    assert "Zhao Lei" in listing.text
    staff_path = listing.text.split('href="/app/admin/staff/')[1].split('"')[0]
    for line in listing.text.split("<li>"):
        if "Zhao Lei" in line:
            staff_path = line.split('href="/app/admin/staff/')[1].split('"')[0]
    path = f"/app/admin/staff/{staff_path}"

    moved = client.post(path + "/transfer", {"to_store_id": str(api.world.store_b)})
    left = client.post(path + "/departure", {"reason": "Moved to another city"})

    assert moved.status_code == left.status_code == 303
    page = client.get(left.headers["location"])
    assert "Tianhe Toyota" in page.text and "Left" in page.text


def test_a_departure_without_a_reason_is_refused_inline(api: Api) -> None:
    client = pages(api, "admin")
    path = f"/app/admin/staff/{api.world.staff['sales_a1']}"

    answer = client.post(path + "/departure", {"reason": "  "})

    assert answer.status_code == 422
    assert 'id="f-reason-error"' in answer.text
    assert api.runtime.organisation.get_staff(SYSTEM, api.world.staff["sales_a1"]).active


# --- users --------------------------------------------------------------------------------------


def test_an_admin_creates_a_salesperson_login_tied_to_the_staff_record(api: Api) -> None:
    client = pages(api, "admin")

    answer = client.post("/app/admin/users", new_user_form(api))

    assert answer.status_code == 303
    user: User = api.runtime.app.repository.get(User.id_for("sales_new"))
    assert (user.staff_id, user.store_id) == (api.world.staff["sales_a2"], api.world.store_a)
    page = client.get(answer.headers["location"])
    assert "sales_new" in page.text and "Sales A2" in page.text


def test_a_weak_password_gets_the_services_message_beside_the_field(api: Api) -> None:
    client = pages(api, "admin")
    before = user_count(api)

    answer = client.post("/app/admin/users", new_user_form(api, password="short"))

    assert answer.status_code == 422
    error = answer.text.split('id="f-password-error">')[1].split("<")[0]
    assert error == "password must have at least 8 characters"
    assert "short" not in answer.text.split('id="f-password"')[1].split(">")[0]
    assert user_count(api) == before


def test_a_weak_password_is_refused_in_chinese_for_a_chinese_admin(api: Api) -> None:
    client = pages(api, "admin", language="zh-CN")

    answer = client.post("/app/admin/users", new_user_form(api, password="short"))

    assert answer.status_code == 422
    assert "密码至少需要 8 个字符" in answer.text


def test_a_salesperson_login_without_a_staff_record_is_refused_beside_it(api: Api) -> None:
    client = pages(api, "admin")

    answer = client.post("/app/admin/users", new_user_form(api, staff_id=""))

    assert answer.status_code == 422
    assert 'id="f-staff_id-error"' in answer.text


def test_a_double_submit_creates_one_user(api: Api) -> None:
    client = pages(api, "admin")
    before = user_count(api)
    form = new_user_form(api, username="twice")

    first = client.post("/app/admin/users", form, key="same-key")
    second = client.post("/app/admin/users", form, key="same-key")

    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert user_count(api) == before + 1


def test_an_admin_deactivates_reactivates_unlocks_and_resets_a_password(api: Api) -> None:
    client = pages(api, "admin")
    path = "/app/admin/users/sales_b1"

    off = client.post(path + "/deactivation")
    assert off.status_code == 303
    assert api.runtime.organisation.authenticate("sales_b1", PASSWORD) is None
    on = client.post(path + "/reactivation")
    unlocked = client.post(path + "/unlock")
    reset = client.post(path + "/password", {"password": "brand-new-secret"})

    assert on.status_code == unlocked.status_code == reset.status_code == 303
    assert api.runtime.organisation.authenticate("sales_b1", "brand-new-secret") is not None
    assert "The password was reset" in client.get(reset.headers["location"]).text


def test_an_admin_cannot_deactivate_itself_and_is_told_why(api: Api) -> None:
    client = pages(api, "admin")

    answer = client.post("/app/admin/users/admin/deactivation")

    assert answer.status_code == 422
    assert 'class="error banner"' in answer.text
    assert api.runtime.organisation.authenticate("admin", PASSWORD) is not None


# --- pay plans ----------------------------------------------------------------------------------


def test_a_plan_page_says_the_components_in_english_and_in_chinese(api: Api) -> None:
    plan_id = make_plan(api)
    english = pages(api, "admin").get(f"/app/admin/plans/{plan_id}").text
    chinese = pages(api, "admin", language="zh-CN").get(f"/app/admin/plans/{plan_id}").text

    assert "¥300.00 per new unit, ¥200.00 per used unit" in english
    assert "20% of commission gross, at least ¥300.00 per deal" in english
    assert "retroactive volume tiers: from 4 units ¥100.00 per unit" in english
    assert "finance ¥300.00 flat" in english
    assert "每辆新车 ¥300.00，每辆二手车 ¥200.00" in chinese
    assert "佣金毛利的 20%" in chinese


def test_a_version_with_a_bad_component_is_refused_inline_with_the_json_kept(api: Api) -> None:
    plan_id = make_plan(api)
    client = pages(api, "admin")
    bad = json.dumps([{"type": "per_unit", "key": "unit", "new": "abc"}])

    answer = client.post(
        f"/app/admin/plans/{plan_id}/versions",
        {"effective_from": "2026-03-01", "note": "", "components": bad},
    )

    assert answer.status_code == 422
    assert 'id="f-components-error"' in answer.text
    assert "components[0].new" in answer.text
    assert "&#34;abc&#34;" in answer.text or "&quot;abc&quot;" in answer.text
    assert len(api.runtime.pay_plans.get_plan(SYSTEM, plan_id).versions) == 1


def test_text_that_is_not_json_is_refused_inline(api: Api) -> None:
    plan_id = make_plan(api)
    client = pages(api, "admin")

    answer = client.post(
        f"/app/admin/plans/{plan_id}/versions",
        {"effective_from": "2026-03-01", "components": "[{"},
    )

    assert answer.status_code == 422
    assert "Not valid JSON" in answer.text


def test_an_admin_proposes_a_version_finance_confirms_it_and_the_plan_is_assigned(
    api: Api,
) -> None:
    plan_id = make_plan(api)
    client = pages(api, "admin")
    finance = other_client(api, "finance")
    path = f"/app/admin/plans/{plan_id}"

    proposed = client.post(
        path + "/versions",
        {"effective_from": "2026-03-01", "note": "spring", "components": json.dumps(PLAN[:1])},
    )
    waiting = client.get(proposed.headers["location"]).text
    queue = finance.get(f"/app/admin/plans?position={api.runtime.app.position()}").text
    published = finance.post(path + "/versions/2/confirmation")
    assigned = client.post(
        path + "/assignments",
        {"store_id": str(api.world.store_b), "role": "salesperson", "month": "2026-03"},
    )

    assert proposed.status_code == published.status_code == assigned.status_code == 303
    assert "Waiting for confirmation by another person" in waiting
    assert f'action="{path}/versions/2/confirmation"' not in waiting
    assert f'action="{path}/versions/2/confirmation"' in queue
    plan = api.runtime.pay_plans.get_plan(SYSTEM, plan_id)
    assert [v.version for v in plan.versions] == [1, 2]
    [assignment] = plan.assignments.values()
    assert (assignment.store_id, str(assignment.effective_from)) == (
        api.world.store_b,
        "2026-03-01",
    )
    page = client.get(assigned.headers["location"]).text
    assert "Version 2, in force from 2026-03-01" in page and "Tianhe Toyota" in page


def test_an_admin_creates_a_plan(api: Api) -> None:
    client = pages(api, "admin")

    answer = client.post("/app/admin/plans", {"name": "Used-car desk", "description": ""})

    assert answer.status_code == 303
    assert "Used-car desk" in client.get(answer.headers["location"]).text


def test_a_version_from_mid_month_says_which_month_it_first_pays(api: Api) -> None:
    plan_id = make_plan(api)
    client = pages(api, "admin")

    client.post(
        f"/app/admin/plans/{plan_id}/versions",
        {"effective_from": "2026-03-15", "components": json.dumps(PLAN[:1])},
    )
    answer = other_client(api, "finance").post(
        f"/app/admin/plans/{plan_id}/versions/2/confirmation"
    )

    page = client.get(answer.headers["location"]).text
    assert "it first pays 2026-04" in page
    assert "2026-03 is still paid by the version before it" in page


def test_a_double_submit_proposes_one_version(api: Api) -> None:
    plan_id = make_plan(api)
    client = pages(api, "admin")
    form = {"effective_from": "2026-04-01", "components": json.dumps(PLAN[:1])}

    first = client.post(f"/app/admin/plans/{plan_id}/versions", form, key="one-tap")
    second = client.post(f"/app/admin/plans/{plan_id}/versions", form, key="one-tap")

    assert first.status_code == second.status_code == 303
    events = [type(e).__name__ for e in api.runtime.app.events.get(plan_id)]
    assert events.count("VersionProposed") == 2  # the first version's, and this one once
    assert api.runtime.pay_plans.get_plan(SYSTEM, plan_id).proposed is not None


def test_the_proposer_confirming_their_own_version_on_the_page_is_refused(api: Api) -> None:
    plan_id = make_plan(api)
    client = pages(api, "admin")
    client.post(
        f"/app/admin/plans/{plan_id}/versions",
        {"effective_from": "2026-04-01", "components": json.dumps(PLAN[:1])},
    )
    client.get(f"/app/admin/plans/{plan_id}")

    answer = client.post(f"/app/admin/plans/{plan_id}/versions/2/confirmation")

    assert answer.status_code == 422
    assert "another person must confirm or refuse it" in answer.text
    assert len(api.runtime.pay_plans.get_plan(SYSTEM, plan_id).versions) == 1


def test_a_salesperson_gets_the_403_page_in_chinese_when_publishing(api: Api) -> None:
    plan_id = make_plan(api)
    client = pages(api, "sales_a1", language="zh-CN")

    answer = client.post(
        f"/app/admin/plans/{plan_id}/versions",
        {"effective_from": "2026-04-01", "components": json.dumps(PLAN[:1])},
    )

    assert answer.status_code == 403
    assert "您的角色不能执行此操作。" in answer.text
    assert len(api.runtime.pay_plans.get_plan(SYSTEM, plan_id).versions) == 1


def test_checking_a_version_reads_it_back_in_words_and_publishes_nothing(api: Api) -> None:
    plan_id = make_plan(api)
    client = pages(api, "admin")

    answer = client.post(
        f"/app/admin/plans/{plan_id}/versions",
        {"effective_from": "", "components": json.dumps(PLAN[:2]), "action": "check"},
    )

    assert answer.status_code == 200
    preview = answer.text.split('class="preview"')[1]
    assert "20% of commission gross, at least ¥300.00 per deal" in preview
    assert len(api.runtime.pay_plans.get_plan(SYSTEM, plan_id).versions) == 1


def test_an_admin_unlocks_a_login_locked_by_failed_attempts(api: Api) -> None:
    stranger = TestClient(api.client.app, raise_server_exceptions=False)
    for _attempt in range(5):
        stranger.post("/app/login", data={"username": "sales_b1", "password": "wrong-guess"})
    locked = stranger.post("/app/login", data={"username": "sales_b1", "password": PASSWORD})
    assert locked.status_code == 429
    client = pages(api, "admin")

    unlocked = client.post("/app/admin/users/sales_b1/unlock")

    assert unlocked.status_code == 303
    again = stranger.post(
        "/app/login", data={"username": "sales_b1", "password": PASSWORD}, follow_redirects=False
    )
    assert again.status_code == 303


def test_a_store_manager_sees_the_own_stores_staff_and_none_of_anothers(api: Api) -> None:
    client = pages(api, "manager_a")

    own = client.get("/app/admin/staff").text
    other = client.get(f"/app/admin/staff?store_id={api.world.store_b}").text

    assert "Sales A1" in own and "Tianhe Toyota" not in own
    assert "Sales B1" not in other
    member = client.get(f"/app/admin/staff/{api.world.staff['sales_b1']}")
    assert member.status_code == 404
