"""Leads: Given/When/Then on the aggregate, then the leads service's capture, assignment, access."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.crm.errors import CustomerAlreadyServedError
from domain.crm.model import Customer
from domain.leads.errors import (
    LeadActivityNotAutomatableError,
    LeadAlreadyAssignedError,
    LeadAppointmentNotDueError,
    LeadAppointmentNotPendingError,
    LeadAppointmentPendingError,
    LeadCustomerMissingError,
    LeadLossNoteRequiredError,
    LeadNotAssignedError,
)
from domain.leads.model import AppointmentPurpose, Lead, LeadStatus, LossReason
from domain.organisation.errors import StaffInactiveError
from domain.shared.errors import (
    DomainError,
    IllegalTransitionError,
    InvalidValueError,
    NotFoundError,
    PermissionDeniedError,
    StaleVersionError,
)
from tests.unit.builders import (
    ADMIN,
    AUDITOR,
    FINANCE,
    MONDAY,
    Group,
    at,
    group,
    new_app,
    new_events,
    phone,
    state,
)

SELLER, OTHER_SELLER = uuid4(), uuid4()


@pytest.fixture
def g() -> Group:
    return group()


def captured() -> Lead:
    lead = Lead.capture(uuid4(), uuid4(), "website", "Han EV", None, MONDAY)
    new_events(lead)
    return lead


def assigned() -> Lead:
    lead = captured()
    lead.assign(SELLER, at(5))
    new_events(lead)
    return lead


def with_appointment(scheduled_for: datetime | None = None) -> tuple[Lead, UUID]:
    lead = assigned()
    appointment_id = lead.set_appointment(scheduled_for or at(days=2), "test_drive", at(10))
    new_events(lead)
    return lead, appointment_id


def converted() -> Lead:
    lead = assigned()
    lead.convert(uuid4(), at(hours=2))
    new_events(lead)
    return lead


def lost() -> Lead:
    lead = assigned()
    lead.lose("price", None, at(hours=2))
    new_events(lead)
    return lead


# --- capture and assignment ----------------------------------------------------------------------


def test_capturing_opens_an_unassigned_lead() -> None:
    store_id, customer_id = uuid4(), uuid4()

    lead = Lead.capture(store_id, customer_id, "marketplace", " Seal ", "asked for a quote", MONDAY)

    [event] = new_events(lead)
    assert isinstance(event, Lead.Captured)
    assert (event.store_id, event.customer_id, event.channel) == (
        store_id,
        customer_id,
        "marketplace",
    )
    assert (event.model_interest, event.note) == ("Seal", "asked for a quote")
    assert lead.status is LeadStatus.OPEN and lead.salesperson_id is None


def test_capturing_from_an_unknown_channel_is_refused() -> None:
    with pytest.raises(InvalidValueError):
        Lead.capture(uuid4(), uuid4(), "billboard", None, None, MONDAY)


def test_assigning_records_the_salesperson_and_no_predecessor() -> None:
    lead = captured()

    lead.assign(SELLER, at(5))

    [event] = new_events(lead)
    assert isinstance(event, Lead.Assigned)
    assert (event.salesperson_id, event.previous_id) == (SELLER, None)


def test_reassigning_records_the_previous_salesperson() -> None:
    lead = assigned()

    lead.assign(OTHER_SELLER, at(6))

    [event] = new_events(lead)
    assert (event.salesperson_id, event.previous_id) == (OTHER_SELLER, SELLER)


def test_reassigning_to_the_same_salesperson_is_refused() -> None:
    lead = assigned()

    with pytest.raises(LeadAlreadyAssignedError):
        lead.assign(SELLER, at(6))


@pytest.mark.parametrize("closed", [converted, lost])
def test_a_closed_lead_cannot_be_assigned(closed: Callable[[], Lead]) -> None:
    lead = closed()

    with pytest.raises(IllegalTransitionError):
        lead.assign(OTHER_SELLER, at(days=1))


# --- activities ------------------------------------------------------------------------------


def test_an_activity_is_logged_for_an_assigned_lead() -> None:
    lead = assigned()

    lead.log_activity("call", "interested", "wants a test drive", False, at(20))

    [event] = new_events(lead)
    assert isinstance(event, Lead.ActivityLogged)
    assert (event.kind, event.outcome, event.note, event.automated) == (
        "call",
        "interested",
        "wants a test drive",
        False,
    )
    assert lead.first_response_at == at(20)


def test_an_unassigned_lead_takes_no_activity() -> None:
    lead = captured()

    with pytest.raises(LeadNotAssignedError):
        lead.log_activity("call", None, None, False, at(20))


@pytest.mark.parametrize("closed", [converted, lost])
def test_a_closed_lead_takes_no_activity(closed: Callable[[], Lead]) -> None:
    lead = closed()

    with pytest.raises(IllegalTransitionError):
        lead.log_activity("call", None, None, False, at(days=1))


def test_an_auto_reply_is_not_a_response() -> None:
    lead = assigned()

    lead.log_activity("message", None, "auto-reply", True, at(6))

    assert lead.first_response_at is None
    assert lead.activities == 1


def test_the_first_response_is_the_earliest_human_contact_even_when_entered_late() -> None:
    lead = assigned()
    lead.log_activity("message", None, None, True, at(6))
    lead.log_activity("call", None, None, False, at(40))

    lead.log_activity("message", None, "entered late", False, at(30))

    assert lead.first_response_at == at(30)
    assert lead.last_activity_at == at(40)


def test_a_visit_cannot_be_automated() -> None:
    lead = assigned()

    with pytest.raises(LeadActivityNotAutomatableError):
        lead.log_activity("visit", None, None, True, at(20))


def test_an_unknown_activity_kind_is_refused() -> None:
    lead = assigned()

    with pytest.raises(InvalidValueError):
        lead.log_activity("email blast", None, None, False, at(20))


# --- appointments ----------------------------------------------------------------------------


def test_setting_an_appointment_records_when_and_why() -> None:
    lead = assigned()

    appointment_id = lead.set_appointment(at(days=2), "test_drive", at(10))

    [event] = new_events(lead)
    assert isinstance(event, Lead.AppointmentSet)
    assert (event.appointment_id, event.scheduled_for, event.purpose) == (
        appointment_id,
        at(days=2),
        "test_drive",
    )
    assert lead.appointment_purpose is AppointmentPurpose.TEST_DRIVE


def test_only_one_appointment_may_be_pending() -> None:
    lead, _ = with_appointment()

    with pytest.raises(LeadAppointmentPendingError):
        lead.set_appointment(at(days=3), "visit", at(11))


def test_an_appointment_needs_a_salesperson_to_host_it() -> None:
    lead = captured()

    with pytest.raises(LeadNotAssignedError):
        lead.set_appointment(at(days=2), "visit", at(10))


def test_an_appointment_cannot_be_scheduled_before_it_was_made() -> None:
    lead = assigned()

    with pytest.raises(InvalidValueError):
        lead.set_appointment(at(1), "visit", at(10))


def test_an_appointment_time_must_carry_a_timezone() -> None:
    lead = assigned()

    with pytest.raises(InvalidValueError):
        lead.set_appointment(datetime(2025, 3, 5, 10, 0), "visit", at(10))


@pytest.mark.parametrize("closed", [converted, lost])
def test_a_closed_lead_takes_no_appointment(closed: Callable[[], Lead]) -> None:
    lead = closed()

    with pytest.raises(IllegalTransitionError):
        lead.set_appointment(at(days=3), "visit", at(days=1))


def test_a_customer_who_came_clears_the_pending_appointment() -> None:
    lead, appointment_id = with_appointment()

    lead.mark_shown(appointment_id, at(days=2))

    [event] = new_events(lead)
    assert isinstance(event, Lead.AppointmentShown)
    assert event.appointment_id == appointment_id
    assert (lead.appointment_id, lead.appointments_shown) == (None, 1)


def test_a_no_show_clears_the_pending_appointment() -> None:
    lead, appointment_id = with_appointment()

    lead.mark_no_show(appointment_id, at(days=2, hours=1))

    [event] = new_events(lead)
    assert isinstance(event, Lead.AppointmentMissed)
    assert (lead.appointment_id, lead.appointments_missed) == (None, 1)


def test_a_no_show_cannot_be_called_before_the_appointment_time() -> None:
    lead, appointment_id = with_appointment()

    with pytest.raises(LeadAppointmentNotDueError):
        lead.mark_no_show(appointment_id, at(days=1))


def test_only_the_pending_appointment_can_be_resolved() -> None:
    lead, appointment_id = with_appointment()
    lead.mark_shown(appointment_id, at(days=2))

    with pytest.raises(LeadAppointmentNotPendingError):
        lead.mark_no_show(appointment_id, at(days=3))
    with pytest.raises(LeadAppointmentNotPendingError):
        lead.mark_shown(uuid4(), at(days=3))


def test_the_visit_can_be_recorded_after_the_lead_converted_during_it() -> None:
    lead, appointment_id = with_appointment()
    lead.convert(uuid4(), at(days=2))

    lead.mark_shown(appointment_id, at(days=2, minutes=5))

    assert lead.appointments_shown == 1


# --- closing ---------------------------------------------------------------------------------


def test_converting_closes_the_lead_with_its_deal() -> None:
    lead = assigned()
    deal_id = uuid4()

    lead.convert(deal_id, at(hours=3))

    [event] = new_events(lead)
    assert isinstance(event, Lead.Converted)
    assert event.deal_id == deal_id
    assert (lead.status, lead.deal_id, lead.closed_at) == (
        LeadStatus.CONVERTED,
        deal_id,
        at(hours=3),
    )


@pytest.mark.parametrize("closed", [converted, lost])
def test_a_closed_lead_cannot_convert(closed: Callable[[], Lead]) -> None:
    lead = closed()

    with pytest.raises(IllegalTransitionError):
        lead.convert(uuid4(), at(days=1))


def test_losing_records_the_reason() -> None:
    lead = assigned()

    lead.lose("competitor", "went to the Tesla store", at(hours=3))

    [event] = new_events(lead)
    assert isinstance(event, Lead.Lost)
    assert (event.reason, event.note) == ("competitor", "went to the Tesla store")
    assert (lead.status, lead.lost_reason) == (LeadStatus.LOST, LossReason.COMPETITOR)


def test_losing_for_another_reason_needs_a_note() -> None:
    lead = assigned()

    with pytest.raises(LeadLossNoteRequiredError):
        lead.lose("other", "  ", at(hours=3))


def test_losing_for_an_unknown_reason_is_refused() -> None:
    lead = assigned()

    with pytest.raises(InvalidValueError):
        lead.lose("weather", None, at(hours=3))


@pytest.mark.parametrize("closed", [converted, lost])
def test_a_closed_lead_cannot_be_lost(closed: Callable[[], Lead]) -> None:
    lead = closed()

    with pytest.raises(IllegalTransitionError):
        lead.lose("price", None, at(days=1))


# --- the service: capture ----------------------------------------------------------------------


def test_a_salesperson_gets_the_lead_they_capture_in_the_same_save(g: Group) -> None:
    before = g.app.position()

    written = g.leads.capture_lead(
        g.seller, g.store_id, "walk_in", customer_name="Wang Fang", customer_phone=phone(3)
    )

    lead = g.leads.get_lead(g.seller, written.id)
    assert lead.salesperson_id == g.seller.staff_id
    assert written.version == 2  # Captured then Assigned
    # the customer, its phone claim and the customer's lead slot at the store (lead-dedup.md)
    assert written.position == g.app.position() == before + 5


def test_capturing_for_a_new_phone_registers_the_customer_with_the_lead(g: Group) -> None:
    written = g.leads.capture_lead(
        g.seller, g.store_id, "phone", customer_name="Wang Fang", customer_phone=phone(3)
    )

    lead = g.leads.get_lead(g.seller, written.id)
    customer = g.crm.get_customer(g.seller, lead.customer_id)
    assert (customer.name, customer.owner_id, customer.source) == (
        "Wang Fang",
        g.seller.staff_id,
        "phone",
    )


def test_capturing_for_a_known_phone_reuses_the_own_customer(g: Group) -> None:
    customer_id = g.customer(g.seller, n=3)

    written = g.leads.capture_lead(
        g.seller, g.store_id, "website", customer_name="Wang F.", customer_phone="+86" + phone(3)
    )

    assert g.leads.get_lead(g.seller, written.id).customer_id == customer_id


def leads_since(g: Group, position: int) -> list[Lead]:
    """The leads whose capture the log recorded after `position`."""
    notifications = g.app.notification_log.select(position + 1, 10)
    return [
        g.app.repository.get(n.originator_id)
        for n in notifications
        if n.topic.endswith("Lead.Captured")
    ]


def test_a_colleagues_customer_captured_becomes_a_lead_of_the_owner(g: Group) -> None:
    customer_id = g.customer(g.seller, n=3)
    before = g.app.position()

    with pytest.raises(CustomerAlreadyServedError) as raised:
        g.leads.capture_lead(
            g.colleague, g.store_id, "phone", customer_name="Wang F.", customer_phone=phone(3)
        )

    [lead] = leads_since(g, before)
    assert (lead.customer_id, lead.store_id) == (customer_id, g.store_id)
    assert lead.salesperson_id == g.seller.staff_id
    assert str(customer_id) not in raised.value.detail and "Wang" not in raised.value.detail
    assert raised.value.extra == {"passed_on": True}


@pytest.mark.parametrize("capturer", ["other_seller", "other_manager"])
def test_another_stores_customer_captured_goes_to_the_owning_stores_manager(
    g: Group, capturer: str
) -> None:
    customer_id = g.customer(g.seller, n=3)
    before = g.app.position()

    with pytest.raises(CustomerAlreadyServedError):
        g.leads.capture_lead(
            getattr(g, capturer),
            g.other_store_id,
            "phone",
            customer_name="Wang F.",
            customer_phone=phone(3),
        )

    [lead] = leads_since(g, before)
    assert (lead.customer_id, lead.store_id, lead.salesperson_id) == (
        customer_id,
        g.store_id,
        None,
    )


def test_a_refused_lead_leaves_no_customer_behind(g: Group) -> None:
    with pytest.raises(InvalidValueError):
        g.leads.capture_lead(
            g.seller, g.store_id, "billboard", customer_name="Wang Fang", customer_phone=phone(3)
        )

    assert g.phones.find(g.crm.phone_hash(phone(3))) is None


def test_capturing_for_a_known_customer_id(g: Group) -> None:
    customer_id = g.customer(g.seller)

    written = g.leads.capture_lead(g.seller, g.store_id, "referral", customer_id=customer_id)

    assert g.leads.get_lead(g.seller, written.id).customer_id == customer_id


def test_a_salesperson_cannot_capture_for_a_customer_they_cannot_read(g: Group) -> None:
    customer_id = g.customer(g.colleague)

    with pytest.raises(NotFoundError):
        g.leads.capture_lead(g.seller, g.store_id, "referral", customer_id=customer_id)


def test_a_lead_needs_a_customer(g: Group) -> None:
    with pytest.raises(LeadCustomerMissingError):
        g.leads.capture_lead(g.seller, g.store_id, "walk_in", customer_name="Wang Fang")


def test_a_lead_takes_a_customer_id_or_a_name_and_phone_not_both(g: Group) -> None:
    customer_id = g.customer(g.seller)

    with pytest.raises(InvalidValueError):
        g.leads.capture_lead(
            g.seller,
            g.store_id,
            "walk_in",
            customer_id=customer_id,
            customer_name="Wang Fang",
            customer_phone=phone(3),
        )


def test_a_manager_may_assign_the_lead_at_capture(g: Group) -> None:
    written = g.leads.capture_lead(
        g.manager,
        g.store_id,
        "website",
        customer_name="Wang Fang",
        customer_phone=phone(3),
        salesperson_id=g.colleague.staff_id,
    )

    assert g.leads.get_lead(g.colleague, written.id).salesperson_id == g.colleague.staff_id


def test_a_lead_captured_by_a_manager_may_wait_unassigned(g: Group) -> None:
    written = g.leads.capture_lead(
        g.manager, g.store_id, "website", customer_name="Wang Fang", customer_phone=phone(3)
    )

    lead = g.leads.get_lead(g.manager, written.id)
    assert (lead.salesperson_id, written.version) == (None, 1)


def test_a_salesperson_cannot_capture_a_lead_for_a_colleague(g: Group) -> None:
    with pytest.raises(PermissionDeniedError):
        g.leads.capture_lead(
            g.seller,
            g.store_id,
            "website",
            customer_name="Wang Fang",
            customer_phone=phone(3),
            salesperson_id=g.colleague.staff_id,
        )


def test_a_salesperson_cannot_capture_leads_for_another_store(g: Group) -> None:
    with pytest.raises(PermissionDeniedError):
        g.leads.capture_lead(
            g.seller, g.other_store_id, "website", customer_name="W", customer_phone=phone(3)
        )


def test_auditors_cannot_capture_leads(g: Group) -> None:
    with pytest.raises(PermissionDeniedError):
        g.leads.capture_lead(
            AUDITOR, g.store_id, "website", customer_name="W", customer_phone=phone(3)
        )


# --- the service: assignment and work -----------------------------------------------------------


def test_a_manager_hands_a_lead_to_a_colleague(g: Group) -> None:
    lead_id = g.lead(g.seller)
    assert g.colleague.staff_id is not None

    g.leads.assign_lead(g.manager, lead_id, g.colleague.staff_id)

    lead = g.leads.get_lead(g.colleague, lead_id)
    assert lead.salesperson_id == g.colleague.staff_id
    with pytest.raises(NotFoundError):
        g.leads.get_lead(g.seller, lead_id)


def test_salespeople_cannot_assign_leads(g: Group) -> None:
    lead_id = g.lead(g.seller)
    assert g.colleague.staff_id is not None

    with pytest.raises(PermissionDeniedError):
        g.leads.assign_lead(g.seller, lead_id, g.colleague.staff_id)


def test_a_lead_cannot_go_to_a_salesperson_of_another_store(g: Group) -> None:
    lead_id = g.lead(g.seller)
    assert g.other_seller.staff_id is not None

    with pytest.raises(InvalidValueError):
        g.leads.assign_lead(ADMIN, lead_id, g.other_seller.staff_id)


def test_a_lead_cannot_go_to_someone_who_left(g: Group) -> None:
    lead_id = g.lead(g.seller)
    assert g.colleague.staff_id is not None
    g.organisation.staff_leaves(ADMIN, g.colleague.staff_id, "moved away")

    with pytest.raises(StaffInactiveError):
        g.leads.assign_lead(g.manager, lead_id, g.colleague.staff_id)


def test_a_manager_of_another_store_cannot_see_the_lead(g: Group) -> None:
    lead_id = g.lead(g.seller)
    assert g.colleague.staff_id is not None

    with pytest.raises(NotFoundError):
        g.leads.assign_lead(g.other_manager, lead_id, g.colleague.staff_id)


def test_a_salesperson_cannot_read_another_salespersons_lead(g: Group) -> None:
    lead_id = g.lead(g.seller)

    with pytest.raises(NotFoundError):
        g.leads.get_lead(g.colleague, lead_id)


def test_a_salesperson_cannot_work_another_salespersons_lead(g: Group) -> None:
    lead_id = g.lead(g.seller)

    with pytest.raises(NotFoundError):
        g.leads.log_activity(g.colleague, lead_id, "call")


def test_finance_reads_leads_but_cannot_work_them(g: Group) -> None:
    lead_id = g.lead(g.seller)
    assert g.leads.get_lead(FINANCE, lead_id).id == lead_id

    with pytest.raises(PermissionDeniedError):
        g.leads.log_activity(FINANCE, lead_id, "call")


def test_the_salesperson_works_a_lead_through_an_appointment(g: Group) -> None:
    lead_id = g.lead(g.seller)
    g.leads.log_activity(g.seller, lead_id, "call", "booked", occurred_at=at(15))
    appointment_id = uuid4()
    g.leads.set_appointment(
        g.seller, lead_id, at(days=1), "visit", appointment_id=appointment_id, occurred_at=at(16)
    )

    written = g.leads.mark_shown(g.seller, lead_id, appointment_id, occurred_at=at(days=1))

    lead = g.leads.get_lead(g.seller, lead_id)
    assert written.version == lead.version == 5
    assert (lead.first_response_at, lead.appointments_shown) == (at(15), 1)


def test_a_no_show_is_recorded_through_the_service(g: Group) -> None:
    lead_id = g.lead(g.seller)
    g.leads.set_appointment(g.seller, lead_id, at(days=1), "test_drive", occurred_at=at(16))
    appointment_id = g.leads.get_lead(g.seller, lead_id).appointment_id
    assert appointment_id is not None

    g.leads.mark_no_show(g.seller, lead_id, appointment_id, occurred_at=at(days=1, hours=2))

    assert g.leads.get_lead(g.seller, lead_id).appointments_missed == 1


def test_the_manager_closes_a_lead_as_lost_directly(g: Group) -> None:
    lead_id = g.lead(g.seller)

    g.leads.lose_lead(g.manager, lead_id, "financing", occurred_at=at(days=3))

    lead = g.leads.get_lead(g.seller, lead_id)
    assert (lead.status, lead.lost_reason) == (LeadStatus.LOST, LossReason.FINANCING)


def test_working_a_lead_at_a_stale_version_is_a_conflict(g: Group) -> None:
    lead_id = g.lead(g.seller)
    g.leads.log_activity(g.seller, lead_id, "call")

    with pytest.raises(StaleVersionError):
        g.leads.log_activity(g.seller, lead_id, "message", expected_version=2)


def test_an_unknown_lead_is_not_found(g: Group) -> None:
    with pytest.raises(NotFoundError):
        g.leads.get_lead(ADMIN, uuid4())


def test_a_customer_id_is_not_a_lead(g: Group) -> None:
    customer_id = g.customer(g.seller)
    assert isinstance(g.app.repository.get(customer_id), Customer)

    with pytest.raises(NotFoundError):
        g.leads.get_lead(ADMIN, customer_id)


# --- replay ------------------------------------------------------------------------------------

zones = st.sampled_from([UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-3))])
offsets = st.integers(min_value=0, max_value=60 * 24 * 10).map(lambda m: timedelta(minutes=m))
lead_commands = st.lists(
    st.one_of(
        st.tuples(st.just("assign"), st.integers(0, 2)),
        st.tuples(
            st.just("activity"),
            st.sampled_from(["call", "message", "visit", "test_drive", "bogus"]),
            st.booleans(),
        ),
        st.tuples(st.just("appointment"), st.sampled_from(["visit", "test_drive"]), offsets),
        st.tuples(st.just("shown")),
        st.tuples(st.just("missed")),
        st.tuples(st.just("convert")),
        st.tuples(st.just("lose"), st.sampled_from(list(LossReason)), st.none() | st.just("x")),
    ),
    max_size=20,
)


@settings(max_examples=50, deadline=None)
@given(commands=lead_commands, zone=zones, steps=st.lists(offsets, min_size=20, max_size=20))
def test_a_replayed_lead_equals_the_live_one(
    commands: list[tuple[Any, ...]], zone: timezone, steps: list[timedelta]
) -> None:
    app = new_app()
    sellers = [uuid4() for _ in range(3)]
    start = datetime(2025, 3, 3, 9, 30, tzinfo=zone)
    lead = Lead.capture(uuid4(), uuid4(), "website", None, None, start)
    for command, step in zip(commands, steps, strict=False):
        when = start + step
        pending = lead.appointment_id or uuid4()
        try:
            match command:
                case ("assign", index):
                    lead.assign(sellers[index], when)
                case ("activity", kind, automated):
                    lead.log_activity(kind, None, None, automated, when)
                case ("appointment", purpose, ahead):
                    lead.set_appointment(when + ahead, purpose, when)
                case ("shown",):
                    lead.mark_shown(pending, when)
                case ("missed",):
                    lead.mark_no_show(pending, when)
                case ("convert",):
                    lead.convert(uuid4(), when)
                case ("lose", reason, note):
                    lead.lose(reason, note, when)
        except DomainError:
            pass  # a refused command records nothing
    app.save(lead)

    replayed: Lead = app.repository.get(lead.id)

    assert state(replayed) == state(lead)
