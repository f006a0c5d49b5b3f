"""Which sales-floor records a list shows each role."""

from __future__ import annotations

from uuid import uuid4

from api.deps import FloorScope, floor_scope
from domain.shared.actor import Principal, Role

STORE, OTHER, STAFF = uuid4(), uuid4(), uuid4()


def test_a_salesperson_sees_own_records_only() -> None:
    actor = Principal(user_id="s", role=Role.SALESPERSON, store_id=STORE, staff_id=STAFF)

    assert floor_scope(actor, None) == FloorScope(visible=True, salesperson_id=STAFF)


def test_a_salesperson_login_without_a_staff_record_sees_nothing() -> None:
    actor = Principal(user_id="s", role=Role.SALESPERSON, store_id=STORE)

    assert floor_scope(actor, None) == FloorScope(visible=False)


def test_a_manager_sees_the_own_store_whatever_the_filter_omits() -> None:
    actor = Principal(user_id="m", role=Role.STORE_MANAGER, store_id=STORE)

    assert floor_scope(actor, None) == FloorScope(visible=True, store_id=STORE)
    assert floor_scope(actor, STORE) == FloorScope(visible=True, store_id=STORE)


def test_a_manager_asking_for_another_store_sees_nothing() -> None:
    actor = Principal(user_id="m", role=Role.STORE_MANAGER, store_id=STORE)

    assert floor_scope(actor, OTHER) == FloorScope(visible=False)


def test_group_roles_see_what_they_filter_on() -> None:
    for role in (Role.ADMIN, Role.GROUP_EXEC, Role.FINANCE, Role.AUDITOR):
        actor = Principal(user_id="g", role=role)

        assert floor_scope(actor, OTHER) == FloorScope(visible=True, store_id=OTHER)
        assert floor_scope(actor, None) == FloorScope(visible=True)
