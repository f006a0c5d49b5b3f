"""Sales teams, the team leader's reach, working time, closing a store and back-dating, over
the JSON API on both backends (docs/organisation-front.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from domain.shared.actor import SYSTEM
from tests.integration.conftest import PASSWORD, Api


def _leader(api: Api) -> str:
    """Hire a team leader at store A, give them a login, and return the username."""
    org = api.runtime.organisation
    staff_id = org.hire_staff(SYSTEM, api.world.store_a, "Leader A", "team_leader").id
    api.world.staff["lead_a"] = staff_id
    org.register_user(
        SYSTEM, "lead_a", PASSWORD, "team_leader", store_id=api.world.store_a, staff_id=staff_id
    )
    return "lead_a"


def _lead(api: Api, who: str, name: str, phone: str, salesperson: str | None = None) -> str:
    body = {
        "store_id": str(api.world.store_a),
        "channel": "walk_in",
        "customer_name": name,
        "customer_phone": phone,
    }
    if salesperson is not None:
        body["salesperson_id"] = str(api.world.staff[salesperson])
    return str(api.ok(api.post(who, "/leads", body))["id"])


def test_a_team_leader_reads_and_assigns_within_the_team_only(api: Api) -> None:
    """A manager forms a team led by a team leader with sales_a1 in it; the leader then sees
    the leads and customers of the team (own and sales_a1's) but not sales_a2's, assigns to
    the team only, and reads the KPI table of the team only; team rules (one team per
    salesperson, another store's staff) answer 422, another store's manager 403 or 404."""
    leader = _leader(api)
    staff, store_a = api.world.staff, api.world.store_a
    team = api.ok(
        api.post(
            "manager_a",
            f"/stores/{store_a}/teams",
            {"name": "Team Dragon", "leader_id": str(staff["lead_a"])},
        )
    )
    team_id = team["id"]
    api.ok(
        api.post(
            "manager_a",
            f"/stores/{store_a}/teams/{team_id}/members",
            {"staff_id": str(staff["sales_a1"])},
        )
    )
    # A salesperson is in one team at most; another store's salesperson in none of A's.
    second = api.ok(
        api.post(
            "manager_a",
            f"/stores/{store_a}/teams",
            {"name": "Team Tiger", "leader_id": str(staff["sales_a2"])},
        )
    )
    refused = api.post(
        "manager_a",
        f"/stores/{store_a}/teams/{second['id']}/members",
        {"staff_id": str(staff["sales_a1"])},
    )
    assert refused.status_code == 422, refused.text
    foreign = api.post(
        "manager_a",
        f"/stores/{store_a}/teams/{team_id}/members",
        {"staff_id": str(staff["sales_b1"])},
    )
    assert foreign.status_code == 422, foreign.text
    assert (
        api.post(
            "manager_b",
            f"/stores/{store_a}/teams",
            {"name": "x", "leader_id": str(staff["sales_b1"])},
        ).status_code
        == 403
    )
    teams = api.ok(api.get("sales_a1", f"/stores/{store_a}/teams"), 200)
    assert [t["name"] for t in teams] == ["Team Dragon", "Team Tiger"]
    assert api.get("sales_b1", f"/stores/{store_a}/teams").status_code == 404

    mine = _lead(api, "sales_a1", "王小明", "13800000001")
    theirs = _lead(api, "sales_a2", "李小红", "13800000002")
    own = _lead(api, leader, "张伟", "13800000003")
    position = api.ok(
        api.post(
            leader,
            f"/leads/{own}/assignment",
            {"salesperson_id": str(staff["sales_a1"])},
        )
    )["position"]
    seen = api.ok(api.get(leader, "/leads", params={"position": position}), 200)
    assert {item["id"] for item in seen["items"]} == {mine, own}
    assert theirs not in {item["id"] for item in seen["items"]}
    assert api.get(leader, f"/leads/{mine}").status_code == 200
    assert api.get(leader, f"/leads/{theirs}").status_code == 404
    outside = api.post(
        leader, f"/leads/{mine}/assignment", {"salesperson_id": str(staff["sales_a2"])}
    )
    assert outside.status_code == 403, outside.text
    customers = api.ok(api.get(leader, "/customers"), 200)
    assert len(customers["items"]) == 2
    kpis = api.ok(api.get(leader, "/reports/kpis", params={"position": position}), 200)
    assert {row["salesperson_id"] for row in kpis["items"]} <= {
        str(staff["sales_a1"]),
        str(staff["lead_a"]),
    }
    assert (
        api.get(
            leader, "/reports/kpis", params={"salesperson_id": str(staff["sales_a2"])}
        ).status_code
        == 404
    )
    hidden = api.ok(api.get(leader, "/leads", params={"store_id": str(api.world.store_b)}), 200)
    assert hidden["items"] == []

    # Surveys and pay plans answer a team leader with the team's (none yet), never an error.
    assert api.ok(api.get(leader, "/surveys"), 200)["items"] == []
    assert api.get(leader, "/pay-plans").status_code == 200

    # Taking sales_a1 out of the team takes their records out of the leader's reach at once.
    api.ok(
        api.post(
            "manager_a", f"/stores/{store_a}/teams/{team_id}/members/{staff['sales_a1']}/removal"
        )
    )
    assert api.get(leader, f"/leads/{mine}").status_code == 404
    api.ok(api.post("manager_a", f"/stores/{store_a}/teams/{team_id}/disbanding"))
    assert [t["name"] for t in api.ok(api.get("manager_a", f"/stores/{store_a}/teams"), 200)] == [
        "Team Tiger"
    ]


def test_hours_shifts_leave_and_status_decide_who_is_on_duty(api: Api) -> None:
    """A manager sets every day 00:00-24:00 as opening hours and a shift for sales_a1; the
    duty view lists sales_a1 as on duty until they mark themselves off the floor or are on
    leave today; a holiday today closes the store; bad spans answer 422."""
    store_a, staff = api.world.store_a, api.world.staff
    for weekday in range(7):
        api.ok(
            api.client.put(
                f"/stores/{store_a}/hours/{weekday}",
                json={"spans": ["00:00-24:00"]},
                headers=api.headers("manager_a"),
            )
        )
        api.ok(
            api.client.put(
                f"/staff/{staff['sales_a1']}/shifts/{weekday}",
                json={"spans": ["00:00-24:00"]},
                headers=api.headers("manager_a"),
            )
        )
    bad = api.client.put(
        f"/stores/{store_a}/hours/1",
        json={"spans": ["18:00-09:00"]},
        headers=api.headers("manager_a"),
    )
    assert bad.status_code == 422
    duty = api.ok(api.get("sales_a1", f"/staff/{staff['sales_a1']}/duty"), 200)
    assert duty["on_duty_now"] is True
    position = api.ok(api.post("sales_a1", "/duty/availability", {"available": True}))["position"]
    on = api.ok(
        api.get("manager_a", f"/stores/{store_a}/on-duty", params={"position": position}), 200
    )
    assert [i["staff_id"] for i in on["items"]] == [str(staff["sales_a1"])]

    position = api.ok(api.post("sales_a1", "/duty/availability", {"available": False}))["position"]
    on = api.ok(
        api.get("manager_a", f"/stores/{store_a}/on-duty", params={"position": position}), 200
    )
    assert on["items"] == []
    api.ok(api.post("sales_a1", "/duty/availability", {"available": True}))

    local_today = datetime.now(UTC) + timedelta(hours=8)  # the store is in Asia/Shanghai
    day = local_today.date().isoformat()
    position = api.ok(
        api.post("manager_a", f"/staff/{staff['sales_a1']}/leave", {"first": day, "last": day})
    )["position"]
    on = api.ok(
        api.get("manager_a", f"/stores/{store_a}/on-duty", params={"position": position}), 200
    )
    assert on["items"] == []
    api.ok(api.post("manager_a", f"/staff/{staff['sales_a1']}/leave/{day}/cancellation"))
    written = api.ok(
        api.client.put(
            f"/stores/{store_a}/dates/{day}",
            json={"spans": [], "note": "国庆节"},
            headers=api.headers("manager_a"),
        )
    )
    hours = api.ok(api.get("sales_a1", f"/stores/{store_a}/hours"), 200)
    assert hours["open_now"] is False and hours["notes"][day] == "国庆节"
    on = api.ok(
        api.get(
            "manager_a", f"/stores/{store_a}/on-duty", params={"position": written["position"]}
        ),
        200,
    )
    assert on["items"] == []
    # Someone else's status is their own: another store's manager cannot even see the duty.
    assert api.get("manager_b", f"/staff/{staff['sales_a1']}/duty").status_code == 404


def test_closing_a_store_and_back_dating_opening_and_hiring(api: Api) -> None:
    """An admin opens a store back-dated to 2019 and hires someone back-dated to 2020; a date
    in the future is refused; closing the store refuses new leads and hires; a manager may not
    close a store."""
    opened = datetime(2019, 5, 1, 9, tzinfo=UTC)
    store = api.ok(
        api.post(
            "admin",
            "/stores",
            {
                "name": "Old Store",
                "city": "Hangzhou",
                "brands": ["VW"],
                "occurred_at": opened.isoformat(),
            },
        )
    )
    future = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    refused = api.post(
        "admin", "/stores", {"name": "Later", "city": "Hangzhou", "occurred_at": future}
    )
    assert refused.status_code == 422, refused.text
    hired = api.ok(
        api.post(
            "admin",
            "/staff",
            {
                "store_id": store["id"],
                "name": "Veteran",
                "role": "salesperson",
                "occurred_at": "2020-01-02T09:00:00+08:00",
            },
        )
    )
    events = list(api.runtime.app.events.get(UUID(hired["id"])))
    assert events[0].occurred_at == datetime(2020, 1, 2, 1, tzinfo=UTC)
    assert api.post("manager_a", f"/stores/{store['id']}/closure", {}).status_code == 403
    api.ok(api.post("admin", f"/stores/{store['id']}/closure", {}))
    assert api.ok(api.get("admin", f"/stores/{store['id']}"), 200)["active"] is False
    lead = api.post(
        "admin",
        "/leads",
        {
            "store_id": store["id"],
            "channel": "walk_in",
            "customer_name": "赵六",
            "customer_phone": "13900000009",
        },
    )
    assert lead.status_code == 422, lead.text
    again = api.post("admin", f"/stores/{store['id']}/closure", {})
    assert again.status_code == 422, again.text
