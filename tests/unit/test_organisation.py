"""Organisation: stores, staff and users — Given/When/Then, rules, scope and authentication."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.app import Showroom
from domain.organisation.errors import (
    LastAdminError,
    SelfDeactivationError,
    UserAlreadyExistsError,
    WeakPasswordError,
    WrongPasswordError,
)
from domain.organisation.model import Staff, Store, User
from domain.organisation.passwords import hash_password, verify_password
from domain.organisation.service import Organisation
from domain.shared.actor import SYSTEM, Principal, Role
from domain.shared.errors import (
    IllegalTransitionError,
    InvalidValueError,
    NotFoundError,
    PermissionDeniedError,
)
from domain.shared.values import visible

WHEN = datetime(2025, 3, 3, 1, 30, tzinfo=UTC)


def new() -> tuple[Showroom, Organisation]:
    app = Showroom(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    return app, Organisation(app)


def test_opening_a_store_records_its_name_city_brands_and_timezone() -> None:
    store = Store(
        name="Pudong", city="Shanghai", brands=["BYD"], timezone="Asia/Shanghai", occurred_at=WHEN
    )

    events = list(store.collect_events())

    assert [type(e).__qualname__ for e in events] == ["Store.Opened"]
    assert (events[0].name, events[0].brands, events[0].occurred_at) == ("Pudong", ["BYD"], WHEN)


def test_a_closed_store_cannot_be_updated_or_closed_again() -> None:
    store = Store(name="A", city="B", brands=[], timezone="UTC", occurred_at=WHEN)
    store.close(occurred_at=WHEN)

    with pytest.raises(IllegalTransitionError):
        store.update("A2", "B", [], "UTC", occurred_at=WHEN)
    with pytest.raises(IllegalTransitionError):
        store.close(occurred_at=WHEN)


def test_an_unknown_timezone_is_refused_and_nothing_is_written() -> None:
    app, org = new()

    with pytest.raises(InvalidValueError):
        org.open_store(SYSTEM, "A", "B", ["BYD"], timezone="Mars/Olympus")

    assert app.position() == 0


def test_repeated_brands_are_refused() -> None:
    _, org = new()

    with pytest.raises(InvalidValueError):
        org.open_store(SYSTEM, "A", "B", ["BYD", "BYD"])


def test_only_an_admin_opens_stores() -> None:
    _, org = new()
    manager = Principal(user_id="m", role=Role.STORE_MANAGER)

    with pytest.raises(PermissionDeniedError):
        org.open_store(manager, "A", "B", ["BYD"])


def test_a_store_manager_hires_for_the_own_store_only() -> None:
    _, org = new()
    mine = org.open_store(SYSTEM, "Mine", "X", []).id
    other = org.open_store(SYSTEM, "Other", "Y", []).id
    manager = Principal(user_id="m", role=Role.STORE_MANAGER, store_id=mine)

    hired = org.hire_staff(manager, mine, "Li Na", Role.SALESPERSON)

    assert org.get_staff(manager, hired.id).store_id == mine
    with pytest.raises(PermissionDeniedError):
        org.hire_staff(manager, other, "Wang", Role.SALESPERSON)


def test_a_staff_member_who_left_cannot_transfer_or_leave_again() -> None:
    staff = Staff(name="Li", role="salesperson", store_id=SYSTEM_STORE, occurred_at=WHEN)
    staff.leave("moved", occurred_at=WHEN)

    with pytest.raises(IllegalTransitionError):
        staff.transfer(OTHER_STORE, occurred_at=WHEN)
    with pytest.raises(IllegalTransitionError):
        staff.leave("again", occurred_at=WHEN)


def test_a_user_id_follows_from_the_username_so_names_are_unique() -> None:
    _, org = new()
    store = org.open_store(SYSTEM, "A", "B", []).id
    staff = org.hire_staff(SYSTEM, store, "Li", Role.SALESPERSON).id
    org.register_user(SYSTEM, "li.na", "long-enough-1", Role.SALESPERSON, staff_id=staff)

    with pytest.raises(UserAlreadyExistsError):
        org.register_user(SYSTEM, "LI.NA", "long-enough-2", Role.ADMIN)


def test_a_salesperson_login_takes_the_store_of_its_staff_record() -> None:
    _, org = new()
    store = org.open_store(SYSTEM, "A", "B", []).id
    staff = org.hire_staff(SYSTEM, store, "Li", Role.SALESPERSON).id

    org.register_user(SYSTEM, "li", "long-enough-1", Role.SALESPERSON, staff_id=staff)
    principal = org.authenticate("li", "long-enough-1")

    assert principal is not None
    assert (principal.role, principal.store_id, principal.staff_id) == (
        Role.SALESPERSON,
        store,
        staff,
    )


def test_a_short_password_is_refused() -> None:
    _, org = new()

    with pytest.raises(WeakPasswordError):
        org.register_user(SYSTEM, "boss", "short", Role.ADMIN)


def test_a_password_no_utf8_can_encode_is_refused_when_set_and_fails_when_tried() -> None:
    _, org = new()
    org.register_user(SYSTEM, "boss", "long-enough-1", Role.ADMIN)
    lone_surrogates = "\ud800" * 12  # what a JSON escape or a CLI argument can carry

    with pytest.raises(InvalidValueError):
        org.register_user(SYSTEM, "clerk", lone_surrogates, Role.FINANCE)
    assert org.authenticate("boss", lone_surrogates) is None


def test_a_wrong_password_or_unknown_user_does_not_authenticate() -> None:
    _, org = new()
    org.register_user(SYSTEM, "boss", "long-enough-1", Role.ADMIN)

    assert org.authenticate("boss", "wrong-password") is None
    assert org.authenticate("nobody", "long-enough-1") is None


def test_a_deactivated_user_no_longer_authenticates_or_resolves() -> None:
    _, org = new()
    org.register_user(SYSTEM, "deputy", "long-enough-1", Role.ADMIN)
    written = org.register_user(SYSTEM, "boss", "long-enough-1", Role.ADMIN)

    org.deactivate_user(SYSTEM, "boss")

    assert org.authenticate("boss", "long-enough-1") is None
    assert org.principal(written.id) is None


def test_a_user_changes_only_the_own_password() -> None:
    _, org = new()
    org.register_user(SYSTEM, "boss", "long-enough-1", Role.ADMIN)
    written = org.register_user(SYSTEM, "clerk", "long-enough-1", Role.FINANCE)
    clerk = org.principal(written.id)
    assert clerk is not None

    org.change_password(clerk, "clerk", "another-one-2", current_password="long-enough-1")

    assert org.authenticate("clerk", "another-one-2") is not None
    with pytest.raises(NotFoundError):
        org.change_password(clerk, "boss", "hijacked-pass")


def test_events_carry_the_acting_user() -> None:
    app, org = new()
    admin = Principal(user_id="admin-42", role=Role.ADMIN)

    written = org.open_store(admin, "A", "B", [])

    assert [e.actor for e in app.events.get(written.id)] == ["admin-42"]


def test_password_hashes_are_salted_and_verify() -> None:
    first, second = hash_password("same-password"), hash_password("same-password")

    assert first != second
    assert verify_password("same-password", first) and not verify_password("other", first)
    assert not verify_password("same-password", "not-a-hash")


@settings(max_examples=30, deadline=None)
@given(
    # Names a store may have: one line of letters, digits, punctuation, symbols and spaces.
    names=st.lists(
        st.text(
            st.characters(categories=["L", "N", "P", "S", "Zs"]), min_size=1, max_size=20
        ).filter(visible),
        min_size=1,
        max_size=5,
    ),
    close=st.booleans(),
)
def test_a_replayed_store_equals_the_live_one(names: list[str], close: bool) -> None:
    app, _ = new()
    store = Store(name=names[0], city="C", brands=[], timezone="UTC", occurred_at=WHEN)
    for name in names[1:]:
        store.update(name, "C", ["BYD"], "UTC", occurred_at=WHEN)
    if close:
        store.close(occurred_at=WHEN)
    app.save(store)

    replayed = app.repository.get(store.id)

    assert {k: v for k, v in vars(replayed).items() if k != "_pending_events"} == {
        k: v for k, v in vars(store).items() if k != "_pending_events"
    }


def test_a_replayed_user_equals_the_live_one() -> None:
    app, _ = new()
    user = User(
        username="li",
        password_hash=hash_password("long-enough-1"),
        role="finance",
        store_id=None,
        staff_id=None,
        occurred_at=WHEN,
    )
    user.change_password(hash_password("long-enough-2"), occurred_at=WHEN)
    user.deactivate(occurred_at=WHEN)
    app.save(user)

    replayed = app.repository.get(user.id)

    assert vars(replayed) | {"_pending_events": []} == vars(user) | {"_pending_events": []}


SYSTEM_STORE = Store(name="S", city="C", brands=[], timezone="UTC", occurred_at=WHEN).id
OTHER_STORE = Store(name="O", city="C", brands=[], timezone="UTC", occurred_at=WHEN).id


def test_the_last_active_admin_cannot_be_deactivated() -> None:
    _, org = new()
    org.register_user(SYSTEM, "boss", "long-enough-1", Role.ADMIN)

    with pytest.raises(LastAdminError):
        org.deactivate_user(SYSTEM, "boss")


def test_an_admin_cannot_deactivate_itself() -> None:
    _, org = new()
    org.register_user(SYSTEM, "deputy", "long-enough-1", Role.ADMIN)
    boss = org.principal(org.register_user(SYSTEM, "boss", "long-enough-1", Role.ADMIN).id)
    assert boss is not None

    with pytest.raises(SelfDeactivationError):
        org.deactivate_user(boss, "boss")


def test_changing_the_own_password_needs_the_current_one() -> None:
    _, org = new()
    clerk = org.principal(org.register_user(SYSTEM, "clerk", "long-enough-1", Role.FINANCE).id)
    assert clerk is not None

    with pytest.raises(WrongPasswordError):
        org.change_password(clerk, "clerk", "another-one-2", current_password="guess-guess")
