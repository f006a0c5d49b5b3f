"""De-duplication of leads, the protection period and merging customers through the HTTP API
(docs/lead-dedup.md). Every test runs on SQLite and PostgreSQL (the `settings` fixture behind
`api`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from domain.crm.model import Customer
from domain.leads.model import Lead
from domain.shared.access import SYSTEM_READ
from domain.shared.actor import SYSTEM, acting_as
from projections.directory import queries as directory
from projections.registry import all_projections
from projections.runner import reset
from tests.integration.conftest import Api
from tests.integration.test_personal_data import caught_up
from tests.integration.views_world import table_rows

T0 = datetime(2026, 9, 1, 2, 0, tzinfo=UTC)


def at(days: float) -> str:
    return (T0 + timedelta(days=days)).isoformat()


def capture(api: Api, user: str, store: UUID, name: str, phone: str, **body: Any) -> Any:
    payload = {
        "store_id": str(store),
        "channel": "walk_in",
        "customer_name": name,
        "customer_phone": phone,
        "occurred_at": at(0),
        **body,
    }
    return api.post(user, "/leads", payload)


def test_a_second_enquiry_lands_on_the_open_lead_and_another_store_learns_nothing(
    api: Api,
) -> None:
    store_a = api.world.store_a
    rules = {"rule": "last_activity", "window_days": 14}
    assert (
        api.client.put(
            f"/stores/{store_a}/lead-rules", json=rules, headers=api.headers("manager_a")
        ).status_code
        == 201
    )
    first = api.ok(capture(api, "sales_a1", store_a, "Zhou Min", "13811112222"))

    again = api.ok(
        capture(
            api,
            "sales_a1",
            store_a,
            "Zhou Min",
            "13811112222",
            channel="phone",
            note="asks for the Seal's price",
            model_interest="Seal",
            occurred_at=at(14),
        )
    )
    served = capture(api, "sales_b1", api.world.store_b, "Z. Min", "13811112222")

    assert (first["outcome"], again["outcome"]) == ("lead_opened", "enquiry_recorded")
    assert again["id"] == first["id"]
    assert served.status_code == 409 and "Zhou" not in served.text
    enquiries = api.ok(api.get("sales_a1", f"/leads/{first['id']}/enquiries"), 200)
    assert [(e["channel"], e["note"]) for e in enquiries] == [
        ("phone", "asks for the Seal's price"),
        ("walk_in", None),  # the other store's enquiry, passed on to the owner's lead
    ]
    lead = api.ok(api.get("sales_a1", f"/leads/{first['id']}"), 200)
    assert (lead["enquiries"], lead["model_interest"]) == (2, "Seal")
    rules_out = api.ok(api.get("manager_a", f"/stores/{store_a}/lead-rules"), 200)
    assert (rules_out["rule"], rules_out["window_days"], rules_out["rule_set"]) == (
        "last_activity",
        14,
        True,
    )
    caught_up(api)
    customer = UUID(lead["customer_id"])
    rows = directory.list_leads(api.runtime.db, scope=SYSTEM_READ, customer_id=customer)
    assert rows["total"] == 1


def test_after_the_protection_period_the_other_store_takes_the_customer_over(api: Api) -> None:
    protection = {"protection_days": 30}
    assert (
        api.client.put(
            "/group/lead-protection", json=protection, headers=api.headers("admin")
        ).status_code
        == 201
    )
    first = api.ok(capture(api, "sales_a1", api.world.store_a, "Qian Yu", "13933334444"))
    customer = api.ok(api.get("sales_a1", f"/leads/{first['id']}"), 200)["customer_id"]

    kept = capture(api, "sales_b1", api.world.store_b, "Qian Yu", "13933334444", occurred_at=at(30))
    taken = capture(
        api, "sales_b1", api.world.store_b, "Qian Yu", "13933334444", occurred_at=at(31)
    )

    assert kept.status_code == 409
    assert api.ok(taken)["outcome"] == "lead_opened"
    now_theirs = api.ok(api.get("sales_b1", f"/customers/{customer}"), 200)
    assert now_theirs["store_id"] == str(api.world.store_b)
    assert api.get("sales_a1", f"/customers/{customer}").status_code == 404
    history = api.ok(api.get("auditor", f"/history/{customer}"), 200)
    assert any("TakenOver" in str(event) for event in history["events"])


def test_a_merge_moves_leads_and_deals_under_the_survivor_and_erasure_follows_it(
    api: Api,
) -> None:
    store_a = api.world.store_a
    one = api.ok(capture(api, "sales_a1", store_a, "Sun Li", "13655556666"))
    two = api.ok(capture(api, "sales_a1", store_a, "Sun Li", "13655556667", note="second phone"))
    survivor = api.ok(api.get("sales_a1", f"/leads/{one['id']}"), 200)["customer_id"]
    duplicate = api.ok(api.get("sales_a1", f"/leads/{two['id']}"), 200)["customer_id"]
    deal = api.ok(
        api.post("sales_a1", "/deals", {"store_id": str(store_a), "customer_id": duplicate})
    )
    caught_up(api)
    pairs = api.ok(api.get("manager_a", "/customers-merge-candidates"), 200)
    assert [(p["reason"], {p["first"]["id"], p["second"]["id"]}) for p in pairs] == [
        ("same_name_similar_phone", {survivor, duplicate})
    ]
    assert pairs[0]["first"]["name"] == "Sun Li" and "****" in pairs[0]["first"]["phone"]

    api.ok(api.post("manager_a", f"/customers/{survivor}/merges", {"duplicate_id": duplicate}))

    caught_up(api)
    merged = api.ok(api.get("manager_a", f"/customers/{duplicate}"), 200)
    assert merged["merged_into"] == survivor
    assert api.ok(api.get("manager_a", f"/customers/{survivor}"), 200)["merged_from"] == [duplicate]
    db = api.runtime.db
    leads = directory.list_leads(db, scope=SYSTEM_READ, customer_id=UUID(survivor))
    deals = directory.list_deals(db, scope=SYSTEM_READ, customer_id=UUID(survivor))
    assert {str(item["id"]) for item in leads["items"]} == {one["id"], two["id"]}
    assert [str(item["id"]) for item in deals["items"]] == [deal["id"]]
    listed = api.ok(api.get("manager_a", "/customers"), 200)["items"]
    assert duplicate not in {c["id"] for c in listed}
    live = table_rows(db, all_projections())
    for projection in all_projections():
        reset(db, projection)
    caught_up(api)
    assert table_rows(db, all_projections()) == live

    api.ok(api.post("admin", f"/customers/{survivor}/erasure", {"reason": "customer request"}))

    keys = api.runtime.customer_keys.keys_for([UUID(survivor), UUID(duplicate)])
    assert keys == {UUID(survivor): None, UUID(duplicate): None}
    assert api.ok(api.get("admin", f"/leads/{two['id']}"), 200)["note"] == "已删除"
    assert api.runtime.app.repository.get(UUID(duplicate)).erased


def test_merges_a_manager_may_not_make_are_refused_and_write_nothing(api: Api) -> None:
    mine = api.ok(capture(api, "sales_a1", api.world.store_a, "He Jun", "13577778888"))
    theirs = api.ok(capture(api, "sales_b1", api.world.store_b, "He Jun", "13577778889"))
    a = api.ok(api.get("sales_a1", f"/leads/{mine['id']}"), 200)["customer_id"]
    b = api.ok(api.get("sales_b1", f"/leads/{theirs['id']}"), 200)["customer_id"]
    head = api.runtime.app.position()

    itself = api.post("manager_a", f"/customers/{a}/merges", {"duplicate_id": a})
    across = api.post("manager_a", f"/customers/{a}/merges", {"duplicate_id": b})
    by_seller = api.post("sales_a1", f"/customers/{a}/merges", {"duplicate_id": b})

    assert (itself.status_code, across.status_code, by_seller.status_code) == (422, 404, 403)
    assert itself.headers["content-type"].startswith("application/problem+json")
    assert api.runtime.app.position() == head
    assert api.runtime.app.load(Customer, UUID(b), "customer").merged_into is None


def test_a_lead_saved_before_lead_slots_existed_takes_the_customers_next_enquiry(api: Api) -> None:
    """A lead captured before de-duplication kept a slot per customer and store (saved here as
    it was then: the lead alone) still takes its customer's next enquiry, found in the views;
    the enquiry writes the slot, so the one after finds it without them."""
    store_a = api.world.store_a
    customer = api.ok(
        api.post(
            "sales_a1",
            "/customers",
            {"store_id": str(store_a), "name": "Old Lead", "phone": "13822223333"},
        )
    )
    when = T0 + timedelta(days=1)
    with acting_as(SYSTEM):
        old = Lead.capture(store_a, UUID(customer["id"]), "walk_in", None, None, when)
        api.runtime.app.save(old)
    caught_up(api)

    body = {"customer_id": customer["id"], "occurred_at": at(2)}
    first = api.ok(
        api.post("sales_a1", "/leads", {"store_id": str(store_a), "channel": "phone"} | body)
    )
    second = api.ok(
        api.post("sales_a1", "/leads", {"store_id": str(store_a), "channel": "phone"} | body)
    )

    assert (first["id"], first["outcome"]) == (str(old.id), "enquiry_recorded")
    assert (second["id"], second["outcome"]) == (str(old.id), "enquiry_recorded")
    assert api.ok(api.get("sales_a1", f"/leads/{old.id}"), 200)["enquiries"] == 2
