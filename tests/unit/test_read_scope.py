"""The read-scope policy: which records and figures each role sees, whatever it asks for."""

from __future__ import annotations

import re
from pathlib import Path
from uuid import uuid4

import pytest

from domain.shared.access import GROUP_READERS, Reach, read_scope
from domain.shared.actor import Principal, Role
from domain.shared.errors import NotFoundError

STORE, OTHER, STAFF, COLLEAGUE = uuid4(), uuid4(), uuid4(), uuid4()

SALESPERSON = Principal(user_id="s", role=Role.SALESPERSON, store_id=STORE, staff_id=STAFF)
MANAGER = Principal(user_id="m", role=Role.STORE_MANAGER, store_id=STORE)
GROUP = [Principal(user_id="g", role=role) for role in GROUP_READERS]
EVERYONE = [SALESPERSON, MANAGER, *GROUP]


# --- rows: the floor's own records (customers, leads, deals, surveys, evaluations, targets) -----


def test_a_salesperson_sees_own_records_only() -> None:
    scope = read_scope(SALESPERSON, reach=Reach.OWN)

    assert scope.visible
    assert (scope.store_id, scope.salesperson_id) == (None, STAFF)


def test_a_salesperson_sees_own_records_in_the_store_asked_for() -> None:
    scope = read_scope(SALESPERSON, store_id=OTHER, reach=Reach.OWN)

    assert (scope.store_id, scope.salesperson_id) == (OTHER, STAFF)


def test_a_salesperson_login_without_a_staff_record_sees_nothing() -> None:
    actor = Principal(user_id="s", role=Role.SALESPERSON, store_id=STORE)

    assert not read_scope(actor, reach=Reach.OWN).visible
    assert not read_scope(actor).visible


def test_a_salesperson_asking_for_a_colleague_sees_nothing() -> None:
    scope = read_scope(SALESPERSON, salesperson_id=COLLEAGUE, reach=Reach.OWN)

    assert scope.hidden == ("salesperson", str(COLLEAGUE))


def test_a_manager_sees_the_own_store_whatever_the_filter_omits() -> None:
    for store in (None, STORE):
        scope = read_scope(MANAGER, store_id=store, reach=Reach.OWN)

        assert scope.visible
        assert (scope.store_id, scope.salesperson_id) == (STORE, None)


def test_a_manager_asking_for_another_store_sees_nothing() -> None:
    for reach in Reach:
        assert read_scope(MANAGER, store_id=OTHER, reach=reach).hidden == ("store", str(OTHER))


def test_a_manager_login_without_a_store_sees_nothing() -> None:
    actor = Principal(user_id="m", role=Role.STORE_MANAGER)

    assert read_scope(actor).hidden == ("store", "none")


def test_group_roles_see_what_they_filter_on() -> None:
    for actor in GROUP:
        for reach in Reach:
            asked = read_scope(actor, store_id=OTHER, salesperson_id=COLLEAGUE, reach=reach)
            everything = read_scope(actor, reach=reach)

            assert (asked.store_id, asked.salesperson_id) == (OTHER, COLLEAGUE)
            assert everything.visible
            assert (everything.store_id, everything.salesperson_id) == (None, None)


# --- rows: what a store shows its staff (stock, reports, staff, scorecards, pay plans) ----------


def test_a_salesperson_sees_the_own_store_and_own_figures() -> None:
    scope = read_scope(SALESPERSON)

    assert (scope.store_id, scope.salesperson_id) == (STORE, STAFF)


def test_a_salesperson_asking_for_another_store_sees_nothing() -> None:
    assert read_scope(SALESPERSON, store_id=OTHER).hidden == ("store", str(OTHER))


def test_a_hidden_scope_is_not_found_for_reports() -> None:
    scope = read_scope(MANAGER, store_id=OTHER)

    with pytest.raises(NotFoundError):
        scope.ensure_visible()


def test_a_callers_own_filter_narrows_a_scope_but_never_widens_it() -> None:
    scope = read_scope(MANAGER)

    assert scope.narrowed() == (STORE, None)
    assert scope.narrowed(STORE, COLLEAGUE) == (STORE, COLLEAGUE)
    with pytest.raises(NotFoundError):
        scope.narrowed(OTHER)


# --- figures: cost, phone numbers, gross --------------------------------------------------------


def test_only_a_salesperson_is_blind_to_cost() -> None:
    for actor in EVERYONE:
        for reach in Reach:
            assert read_scope(actor, reach=reach).sees_cost is (actor is not SALESPERSON)


def test_full_phone_numbers_show_to_those_who_work_with_the_customer() -> None:
    working = {Role.ADMIN, Role.STORE_MANAGER, Role.SALESPERSON}

    for actor in EVERYONE:
        assert read_scope(actor).sees_full_phone is (actor.role in working)


def test_a_salesperson_sees_own_gross_and_never_a_colleagues() -> None:
    scope = read_scope(SALESPERSON)

    assert scope.sees_gross_of(STAFF)
    assert not scope.sees_gross_of(COLLEAGUE)
    assert not scope.sees_gross_of(None)


def test_everyone_else_sees_the_gross_of_whoever_they_see() -> None:
    for actor in [MANAGER, *GROUP]:
        assert read_scope(actor).sees_gross_of(COLLEAGUE)


def test_a_manager_sees_the_whole_of_the_own_store_only() -> None:
    scope = read_scope(MANAGER)

    assert scope.sees_whole_store(STORE)
    assert not scope.sees_whole_store(OTHER)
    assert not scope.sees_whole_store(None)  # the group's period: own store's lines only


def test_group_roles_see_the_whole_of_every_store_and_the_group() -> None:
    for actor in GROUP:
        assert all(read_scope(actor).sees_whole_store(s) for s in (STORE, OTHER, None))


def test_a_salesperson_never_sees_a_whole_store() -> None:
    assert not read_scope(SALESPERSON).sees_whole_store(STORE)


def test_no_route_decides_who_sees_what() -> None:
    # Routes parse, make one call under the policy and respond: a role test in a route body is
    # a second copy of a rule of domain/shared/access.py, which the pages would not share.
    routes = Path(__file__).parents[2] / "api" / "routes"
    rules = re.compile(r"Role\.|\.reads_everything|\.role (is|in|not|==|!=) ")

    branching = [
        f"{module.name}:{n}"
        for module in sorted(routes.glob("*.py"))
        for n, line in enumerate(module.read_text().splitlines(), start=1)
        if rules.search(line)
    ]

    assert branching == []


def test_no_page_decides_who_sees_what() -> None:
    # The pages call the same services under the same policy: a page may choose which links
    # its menu shows a role (NavItem), but never branches on the role to show or hide data.
    pages = Path(__file__).parents[2] / "api" / "pages"
    rules = re.compile(r"\.reads_everything|\.role (is|in|not|==|!=) |\.role\.value ==")
    branching = [
        f"{module.relative_to(pages)}:{n}"
        for module in sorted(pages.rglob("*.py"))
        for n, line in enumerate(module.read_text().splitlines(), start=1)
        if rules.search(line) and "# the menu" not in line
    ]
    templates = [
        f"{template.relative_to(pages)}:{n}"
        for template in sorted((pages / "templates").rglob("*.html"))
        for n, line in enumerate(template.read_text().splitlines(), start=1)
        if re.search(r"actor\.role\b(?!\))", line) and "role_label" not in line
    ]
    assert branching == [] and templates == []
