"""The floor rotation over the JSON API on both backends (docs/floor-rotation.md): check-in
order, a walk-in taken by whoever is up as a walk-in lead of theirs, with a customer, skip and
move by the manager, the self-set status keeping people off the line, and two takes at the
same moment never taking the same turn."""

from __future__ import annotations

import threading
from typing import Any

from domain.shared.actor import Principal, Role
from tests.integration.conftest import Api


def _path(api: Api, tail: str = "") -> str:
    return f"/stores/{api.world.store_a}/rotation{tail}"


def _line(api: Api, who: str = "manager_a") -> dict[str, Any]:
    return dict(api.ok(api.get(who, _path(api)), 200))


def _check_in(api: Api, *people: str) -> None:
    for person in people:
        api.ok(api.post(person, _path(api, "/members"), {}))


def _walk_in(api: Api, who: str, phone: str) -> Any:
    body = {"customer_name": "Walk In", "customer_phone": phone, "model_interest": "Han"}
    return api.post(who, _path(api, "/walk-ins"), body)


def test_people_join_in_check_in_order_and_the_first_is_up(api: Api) -> None:
    staff = api.world.staff
    _check_in(api, "sales_a2", "sales_a1")

    line = _line(api, "sales_a1")

    assert line["up"] == str(staff["sales_a2"])
    assert line["after"] == [str(staff["sales_a1"])]
    assert [m["place"] for m in line["line"]] == [1, 2]


def test_a_walk_in_becomes_a_walk_in_lead_of_whoever_is_up_who_goes_to_the_back(api: Api) -> None:
    staff = api.world.staff
    _check_in(api, "sales_a1", "sales_a2")

    taken = api.ok(_walk_in(api, "manager_a", "13811112222"))

    assert taken["staff_id"] == str(staff["sales_a1"])
    lead = api.ok(api.get("manager_a", f"/leads/{taken['lead_id']}"), 200)
    assert lead["channel"] == "walk_in"
    assert lead["salesperson_id"] == str(staff["sales_a1"])
    line = _line(api)
    assert line["up"] == str(staff["sales_a2"])
    assert [m["staff_id"] for m in line["line"]] == [str(staff["sales_a2"]), str(staff["sales_a1"])]
    assert line["line"][1]["with_customer"] is True
    assert line["takes"][0]["lead_id"] == taken["lead_id"]


def test_a_salesperson_takes_only_their_own_turn(api: Api) -> None:
    _check_in(api, "sales_a1", "sales_a2")

    refused = _walk_in(api, "sales_a2", "13811113333")
    taken = _walk_in(api, "sales_a1", "13811113333")

    assert refused.status_code == 409
    assert api.ok(taken)["staff_id"] == str(api.world.staff["sales_a1"])


def test_with_a_customer_skips_the_turn_until_free(api: Api) -> None:
    staff = api.world.staff
    _check_in(api, "sales_a1", "sales_a2")

    api.ok(
        api.client.put(
            _path(api, "/with-customer"), json={"busy": True}, headers=api.headers("sales_a1")
        )
    )
    busy_up = _line(api)["up"]
    api.ok(
        api.client.put(
            _path(api, "/with-customer"), json={"busy": False}, headers=api.headers("sales_a1")
        )
    )

    assert busy_up == str(staff["sales_a2"])
    assert _line(api)["up"] == str(staff["sales_a1"])


def test_a_manager_skips_with_a_reason_and_moves_someone_and_a_salesperson_may_not(
    api: Api,
) -> None:
    staff = api.world.staff
    _check_in(api, "sales_a1", "sales_a2")
    a1, a2 = str(staff["sales_a1"]), str(staff["sales_a2"])

    by_salesperson = api.post("sales_a2", _path(api, "/skips"), {"staff_id": a1, "reason": "x"})
    no_reason = api.post("manager_a", _path(api, "/skips"), {"staff_id": a1, "reason": ""})
    api.ok(api.post("manager_a", _path(api, "/skips"), {"staff_id": a1, "reason": "late back"}))
    skipped_up = _line(api)["up"]
    version = _line(api)["version"]
    stale = api.post(
        "manager_a",
        _path(api, "/moves"),
        {"staff_id": a1, "place": 1, "expected_version": version - 1},
    )
    api.ok(api.post("manager_a", _path(api, "/moves"), {"staff_id": a1, "place": 1}))
    outside = api.post("manager_a", _path(api, "/moves"), {"staff_id": a1, "place": 3})

    assert by_salesperson.status_code == 403
    assert no_reason.status_code == 422
    assert skipped_up == a2
    assert stale.status_code == 409
    assert _line(api)["up"] == a1
    assert outside.status_code == 422
    assert outside.headers["content-type"].startswith("application/problem+json")


def test_someone_marked_unavailable_cannot_check_in_and_leaves_the_line_when_up(
    api: Api,
) -> None:
    staff = api.world.staff
    api.ok(api.post("sales_a1", "/duty/availability", {"available": False}))
    refused = api.post("sales_a1", _path(api, "/members"), {})
    api.ok(api.post("sales_a1", "/duty/availability", {"available": True}))
    _check_in(api, "sales_a1", "sales_a2")
    api.ok(api.post("sales_a1", "/duty/availability", {"available": False}))

    taken = api.ok(_walk_in(api, "manager_a", "13811114444"))

    assert refused.status_code == 422
    assert taken["staff_id"] == str(staff["sales_a2"])
    assert [m["staff_id"] for m in _line(api)["line"]] == [str(staff["sales_a2"])]


def test_a_walk_in_who_is_already_a_customer_of_the_store_gives_the_turn_back(api: Api) -> None:
    staff = api.world.staff
    # sales_a2's own customer with an open lead at the store comes in again.
    body = {
        "store_id": str(api.world.store_a),
        "channel": "phone",
        "customer_name": "Known",
        "customer_phone": "13811115555",
    }
    api.ok(api.post("sales_a2", "/leads", body))
    _check_in(api, "sales_a1", "sales_a2")

    taken = api.ok(_walk_in(api, "manager_a", "13811115555"))

    line = _line(api)
    assert line["takes"][0]["returned"] is True
    assert line["up"] == str(staff["sales_a1"])
    assert taken["turn"] == 1


def test_two_walk_ins_at_the_same_moment_go_to_two_different_people(api: Api) -> None:
    """Two managers' takes start together; each saves against the line's version, so one
    loses the race, reloads and takes the next turn: two people, two leads, never one turn
    twice."""
    staff = api.world.staff
    _check_in(api, "sales_a1", "sales_a2")
    manager = Principal(
        user_id="m", role=Role.STORE_MANAGER, store_id=api.world.store_a, username="manager_a"
    )
    start = threading.Barrier(2)
    answers: list[Any] = []

    def take(phone: str) -> None:
        start.wait()
        answers.append(
            api.runtime.floor_rotations.take_walk_in(manager, api.world.store_a, "Walk In", phone)
        )

    threads = [threading.Thread(target=take, args=(p,)) for p in ("13811116666", "13811117777")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(str(a.staff_id) for a in answers) == sorted(
        [str(staff["sales_a1"]), str(staff["sales_a2"])]
    )
    assert sorted(a.turn for a in answers) == [1, 2]
    assert _line(api)["up"] is None
