"""De-duplication of leads, the protection period and merging customers (docs/lead-dedup.md):
the rules at their edges, then the services that apply them, then one property over random
sequences of enquiries."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.crm.errors import (
    CustomerAlreadyServedError,
    CustomerErasedError,
    CustomerMergedError,
    CustomerMergeRefusedError,
)
from domain.crm.model import Customer
from domain.crm.service import Crm
from domain.leads.dedup import (
    DedupRule,
    dedup_setting,
    protection_lapsed,
    protection_setting,
    within_window,
)
from domain.leads.intake import LeadWritten
from domain.leads.model import Lead
from domain.shared.actor import Principal
from domain.shared.errors import InvalidValueError, NotFoundError, PermissionDeniedError
from tests.unit.builders import ADMIN, MONDAY, PHONE_KEY, Group, group, phone

DAY = timedelta(days=1)


@pytest.fixture
def g() -> Group:
    return group()


def capture(
    g: Group,
    n: int,
    when: datetime,
    actor: Principal | None = None,
    *,
    channel: str = "walk_in",
    name: str = "Wang Fang",
    model_interest: str | None = None,
) -> LeadWritten:
    """Capture an enquiry by name and phone number `n` at the actor's store."""
    who = actor or g.seller
    assert who.store_id is not None
    written = g.leads.capture_lead(
        who,
        who.store_id,
        channel,
        customer_name=name,
        customer_phone=phone(n),
        model_interest=model_interest,
        occurred_at=when,
    )
    assert isinstance(written, LeadWritten)
    return written


def leads_of(g: Group, customer_id: UUID, store_id: UUID) -> list[Lead]:
    found = []
    for item in g.app.recorder.select_notifications(start=1, limit=10_000):
        if item.topic.endswith("Lead.Captured"):
            lead = g.app.load(Lead, UUID(str(item.originator_id)), "lead")
            if lead.customer_id == customer_id and lead.store_id == store_id:
                found.append(lead)
    return found


# --- the rules at their edges ------------------------------------------------------------------


def test_an_enquiry_exactly_at_the_windows_end_is_still_within_it() -> None:
    assert within_window(DedupRule.LAST_ACTIVITY, 7, MONDAY, MONDAY + 7 * DAY)


def test_an_enquiry_a_second_after_the_windows_end_is_outside_it() -> None:
    assert not within_window(
        DedupRule.LAST_ACTIVITY, 7, MONDAY, MONDAY + 7 * DAY + timedelta(seconds=1)
    )


def test_an_enquiry_entered_late_before_the_last_touch_is_within_the_window() -> None:
    assert within_window(DedupRule.LAST_ACTIVITY, 1, MONDAY, MONDAY - 30 * DAY)


def test_any_open_ignores_the_window_and_off_never_matches() -> None:
    assert within_window(DedupRule.ANY_OPEN, 1, MONDAY, MONDAY + 400 * DAY)
    assert not within_window(DedupRule.OFF, 365, MONDAY, MONDAY)


def test_protection_holds_on_the_periods_last_moment_and_lapses_just_after() -> None:
    assert not protection_lapsed(30, MONDAY, MONDAY + 30 * DAY)
    assert protection_lapsed(30, MONDAY, MONDAY + 30 * DAY + timedelta(seconds=1))


def test_without_a_protection_period_a_customer_never_lapses() -> None:
    assert not protection_lapsed(None, MONDAY, MONDAY + 3650 * DAY)


@pytest.mark.parametrize(("rule", "days"), [("nearest", 7), ("any_open", 0), ("off", 366)])
def test_a_rule_outside_the_choices_or_a_window_outside_1_to_365_days_is_refused(
    rule: str, days: int
) -> None:
    with pytest.raises(InvalidValueError):
        dedup_setting(rule, days)


def test_a_protection_period_of_zero_days_is_refused() -> None:
    with pytest.raises(InvalidValueError):
        protection_setting(0)


# --- de-duplication in the capture path --------------------------------------------------------


def test_a_second_enquiry_within_the_window_is_recorded_on_the_open_lead(g: Group) -> None:
    first = capture(g, 1, MONDAY)

    again = capture(g, 1, MONDAY + 30 * DAY, channel="phone", model_interest="Seal")

    assert again.id == first.id and again.recorded_as_enquiry
    lead = g.leads.get_lead(g.seller, first.id)
    assert lead.enquiries == 1 and lead.model_interest == "Seal"
    enquiry = list(g.app.events.get(lead.id))[-1]
    assert isinstance(enquiry, Lead.EnquiryRecorded) and enquiry.channel == "phone"


def test_an_enquiry_after_the_default_window_opens_a_new_lead(g: Group) -> None:
    first = capture(g, 1, MONDAY)

    again = capture(g, 1, MONDAY + 31 * DAY)

    assert again.id != first.id and not again.recorded_as_enquiry


def test_the_window_counts_from_the_last_contact_not_the_capture(g: Group) -> None:
    first = capture(g, 1, MONDAY)
    g.leads.log_activity(g.seller, first.id, "call", occurred_at=MONDAY + 20 * DAY)

    again = capture(g, 1, MONDAY + 45 * DAY)

    assert again.id == first.id


def test_an_enquiry_after_the_lead_was_lost_opens_a_new_lead(g: Group) -> None:
    first = capture(g, 1, MONDAY)
    g.leads.lose_lead(g.manager, first.id, "price", occurred_at=MONDAY + DAY)

    again = capture(g, 1, MONDAY + 2 * DAY)

    assert again.id != first.id


def test_a_store_that_turned_de_duplication_off_opens_a_lead_per_enquiry(g: Group) -> None:
    g.leads.set_lead_dedup(g.manager, g.store_id, "off", 30, occurred_at=MONDAY)
    first = capture(g, 1, MONDAY)

    again = capture(g, 1, MONDAY + DAY)

    assert again.id != first.id


def test_any_open_records_on_an_open_lead_however_old(g: Group) -> None:
    g.leads.set_lead_dedup(g.manager, g.store_id, "any_open", 1, occurred_at=MONDAY)
    first = capture(g, 1, MONDAY)

    again = capture(g, 1, MONDAY + 200 * DAY)

    assert again.id == first.id


def test_a_capture_for_a_known_customer_id_is_de_duplicated_too(g: Group) -> None:
    first = capture(g, 1, MONDAY)
    customer_id = g.leads.get_lead(g.seller, first.id).customer_id

    again = g.leads.capture_lead(
        g.seller, g.store_id, "website", customer_id=customer_id, occurred_at=MONDAY + DAY
    )

    assert again.id == first.id


def test_an_enquiry_passed_on_to_the_owners_store_lands_on_their_open_lead(g: Group) -> None:
    first = capture(g, 1, MONDAY)

    with pytest.raises(CustomerAlreadyServedError) as refused:
        capture(g, 1, MONDAY + DAY, actor=g.other_seller, name="W. Fang")

    assert "Wang" not in str(refused.value.detail)
    lead = g.leads.get_lead(g.seller, first.id)
    assert lead.enquiries == 1


def test_only_the_stores_managers_set_its_rule(g: Group) -> None:
    with pytest.raises(PermissionDeniedError):
        g.leads.set_lead_dedup(g.seller, g.store_id, "off", 30)
    with pytest.raises(PermissionDeniedError):
        g.leads.set_lead_dedup(g.other_manager, g.store_id, "off", 30)
    with pytest.raises(PermissionDeniedError):
        g.leads.set_protection_period(g.manager, 30)


# --- the protection period ---------------------------------------------------------------------


def test_within_the_protection_period_another_store_only_learns_the_customer_is_served(
    g: Group,
) -> None:
    g.leads.set_protection_period(ADMIN, 30, occurred_at=MONDAY)
    first = capture(g, 1, MONDAY)
    customer_id = g.leads.get_lead(g.seller, first.id).customer_id

    with pytest.raises(CustomerAlreadyServedError):
        capture(g, 1, MONDAY + 30 * DAY, actor=g.other_seller)

    assert g.app.repository.get(customer_id).store_id == g.store_id


def test_after_the_protection_period_the_capturing_store_takes_the_customer_over(
    g: Group,
) -> None:
    g.leads.set_protection_period(ADMIN, 30, occurred_at=MONDAY)
    first = capture(g, 1, MONDAY)
    customer_id = g.leads.get_lead(g.seller, first.id).customer_id

    taken = capture(g, 1, MONDAY + 30 * DAY + timedelta(minutes=1), actor=g.other_seller)

    customer = g.crm.get_customer(g.other_seller, customer_id)
    assert (customer.store_id, customer.owner_id) == (g.other_store_id, g.other_seller.staff_id)
    lead = g.leads.get_lead(g.other_seller, taken.id)
    assert lead.store_id == g.other_store_id and lead.customer_id == customer_id
    moved = [e for e in g.app.events.get(customer_id) if isinstance(e, Customer.TakenOver)]
    assert moved[0].previous_store_id == g.store_id and moved[0].protection_days == 30


def test_the_owners_contact_restarts_the_protection_period(g: Group) -> None:
    g.leads.set_protection_period(ADMIN, 30, occurred_at=MONDAY)
    first = capture(g, 1, MONDAY)
    g.leads.log_activity(g.seller, first.id, "call", occurred_at=MONDAY + 20 * DAY)

    with pytest.raises(CustomerAlreadyServedError):
        capture(g, 1, MONDAY + 45 * DAY, actor=g.other_seller)


def test_enquiries_passed_on_from_other_stores_do_not_extend_the_protection(g: Group) -> None:
    g.leads.set_protection_period(ADMIN, 30, occurred_at=MONDAY)
    capture(g, 1, MONDAY)
    with pytest.raises(CustomerAlreadyServedError):
        capture(g, 1, MONDAY + 25 * DAY, actor=g.other_seller)

    taken = capture(g, 1, MONDAY + 31 * DAY, actor=g.other_seller)

    assert g.leads.get_lead(g.other_seller, taken.id).store_id == g.other_store_id


# --- merging -----------------------------------------------------------------------------------


def two_records(g: Group) -> tuple[UUID, UUID, UUID, UUID]:
    """Li Wei twice at the main store (a typo in the phone), each with a lead."""
    one = capture(g, 1, MONDAY, name="Li Wei")
    two = capture(g, 2, MONDAY + DAY, name="Li Wei")
    survivor = g.leads.get_lead(g.seller, one.id).customer_id
    duplicate = g.leads.get_lead(g.seller, two.id).customer_id
    return survivor, duplicate, one.id, two.id


def test_a_manager_merges_two_records_of_one_person_at_their_store(g: Group) -> None:
    survivor, duplicate, _, _ = two_records(g)

    g.crm.merge_customers(g.manager, survivor, duplicate, occurred_at=MONDAY + 2 * DAY)

    assert g.crm.get_customer(g.manager, duplicate).merged_into == survivor
    assert g.crm.get_customer(g.manager, survivor).merged_ids == (duplicate,)


def test_the_duplicates_phone_finds_the_survivors_open_lead(g: Group) -> None:
    survivor, duplicate, first_lead, _ = two_records(g)
    g.crm.merge_customers(g.manager, survivor, duplicate, occurred_at=MONDAY + 2 * DAY)

    again = capture(g, 2, MONDAY + 3 * DAY, name="Li Wei")

    assert again.id == first_lead and again.recorded_as_enquiry


def test_a_merged_record_takes_no_more_changes(g: Group) -> None:
    survivor, duplicate, _, _ = two_records(g)
    g.crm.merge_customers(g.manager, survivor, duplicate, occurred_at=MONDAY + 2 * DAY)

    with pytest.raises(CustomerMergedError) as refused:
        g.crm.record_consent(g.manager, duplicate, "sms", True)

    assert refused.value.extra["merged_into"] == str(survivor)


def test_merging_a_customer_into_itself_is_refused(g: Group) -> None:
    survivor, _, _, _ = two_records(g)

    with pytest.raises(CustomerMergeRefusedError):
        g.crm.merge_customers(g.manager, survivor, survivor)


def test_a_store_manager_cannot_merge_a_customer_of_another_store(g: Group) -> None:
    survivor, _, _, _ = two_records(g)
    other = capture(g, 9, MONDAY, actor=g.other_seller, name="Li Wei")
    theirs = g.leads.get_lead(g.other_seller, other.id).customer_id

    with pytest.raises(NotFoundError):
        g.crm.merge_customers(g.manager, survivor, theirs)
    with pytest.raises(PermissionDeniedError):
        g.crm.merge_customers(g.seller, survivor, theirs)
    g.crm.merge_customers(ADMIN, survivor, theirs)  # an admin merges across stores


def test_a_merge_already_done_is_refused_the_second_time(g: Group) -> None:
    survivor, duplicate, _, _ = two_records(g)
    g.crm.merge_customers(g.manager, survivor, duplicate)

    with pytest.raises(CustomerMergedError):
        g.crm.merge_customers(g.manager, survivor, duplicate)


class RecordingShredder:
    """The key store's erasure port, remembering whose keys it destroyed."""

    def __init__(self) -> None:
        self.destroyed: list[UUID] = []

    def destroy(self, customer_id: UUID, erased_at: datetime | None = None) -> None:
        self.destroyed.append(customer_id)


def test_erasing_the_survivor_erases_the_records_merged_into_it(g: Group) -> None:
    survivor, duplicate, _, _ = two_records(g)
    g.crm.merge_customers(g.manager, survivor, duplicate)
    shredder = RecordingShredder()
    crm = Crm(g.app, g.phones, PHONE_KEY, keys=shredder)

    crm.erase_customer(ADMIN, survivor, "customer request")

    assert set(shredder.destroyed) == {survivor, duplicate}
    assert g.app.repository.get(duplicate).erased
    with pytest.raises(CustomerErasedError):
        g.crm.merge_customers(g.manager, survivor, duplicate)


# --- the property ------------------------------------------------------------------------------

STEP = st.tuples(
    st.integers(min_value=0, max_value=2),  # which customer
    st.integers(min_value=0, max_value=12),  # days since the previous step
    st.sampled_from(["enquire", "enquire", "enquire", "lose", "call"]),
)


@settings(max_examples=25, deadline=None)
@given(
    rule=st.sampled_from(["last_activity", "any_open"]),
    window=st.integers(min_value=1, max_value=20),
    steps=st.lists(STEP, min_size=1, max_size=25),
)
def test_random_enquiries_never_give_a_customer_two_open_leads_within_the_window(
    rule: str, window: int, steps: list[tuple[int, int, str]]
) -> None:
    g = group()
    g.leads.set_lead_dedup(g.manager, g.store_id, rule, window, occurred_at=MONDAY)
    when = MONDAY
    latest: dict[int, UUID] = {}
    for who, gap, action in steps:
        when += timedelta(days=gap, minutes=1)
        lead_id = latest.get(who)
        lead = None if lead_id is None else g.leads.get_lead(g.seller, lead_id)
        if action == "enquire" or lead is None or not lead.is_open:
            latest[who] = capture(g, who, when).id
        elif action == "lose":
            g.leads.lose_lead(g.manager, lead.id, "price", occurred_at=when)
        else:
            g.leads.log_activity(g.seller, lead.id, "call", occurred_at=when)
    for who in latest:
        customer_id = g.leads.get_lead(g.seller, latest[who]).customer_id
        open_leads = sorted(
            (x for x in leads_of(g, customer_id, g.store_id) if x.is_open),
            key=lambda x: x.captured_at,
        )
        if rule == "any_open":
            assert len(open_leads) <= 1
        for older, newer in pairwise(open_leads):
            # A second open lead was only opened once the older one had gone stale.
            touched = [older.captured_at, older.last_activity_at, older.last_enquiry_at]
            before = max(t for t in touched if t is not None and t < newer.captured_at)
            assert newer.captured_at - before > timedelta(days=window)
