"""Deal approvals, structure and order: Given/When/Then on the Deal, the Desk service's rules of
who decides, and properties: a quote that needs level N is never signed before someone at N or
above approved exactly that quote, and replaying a deal's events gives the live deal."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.inventory.model import Vehicle, VehicleStatus
from domain.sales.desk import Desk
from domain.sales.desking import (
    NOTHING,
    RANK,
    ApprovalLevel,
    Requirement,
    Rule,
    evaluate,
    rules,
)
from domain.sales.errors import (
    DealApprovalNotNeededError,
    DealApprovalNotPendingError,
    DealApprovalPendingError,
    DealApprovalRefusedError,
    DealApprovalRequiredError,
    DealApproverLevelError,
    DealDownPaymentError,
    DealNoOrderError,
    DealOrderPlacedError,
)
from domain.sales.model import ApprovalStatus, Deal, DealStatus
from domain.shared.actor import Principal, Role
from domain.shared.errors import DomainError, NotFoundError, PermissionDeniedError
from tests.unit.builders import MONDAY, Group, at, group, new_events, state, vin

TL, M, GM = ApprovalLevel.TEAM_LEADER, ApprovalLevel.MANAGER, ApprovalLevel.GENERAL_MANAGER
STORE = rules("0.03", "0.05", "0.10", "manager", {"Han": "190000"}, "general_manager")


def quoted_deal(discount: str = "12000") -> Deal:
    """A deal on a Han listed at 209,800 that cost 180,000, quoted at list less `discount`."""
    store_id = uuid4()
    vehicle = Vehicle.receive(
        store_id, vin(1), "BYD", "Han", "EV", "Black", 2025, "new",
        "180000", "209800", date(2025, 3, 1), MONDAY,
    )  # fmt: skip
    deal = Deal.open(store_id, uuid4(), uuid4(), None, MONDAY)
    deal.attach_vehicle(vehicle, MONDAY)
    deal.quote("209800", discount, MONDAY)
    return deal


def need(deal: Deal) -> Requirement:
    figures = deal.quote_figures
    return NOTHING if figures is None else evaluate(STORE, figures)


# --- Given / When / Then on the Deal ------------------------------------------------------------


def test_a_request_records_the_level_and_the_rules_the_quote_broke() -> None:
    deal = quoted_deal("22000")
    new_events(deal)

    deal.request_approval(need(deal), "regular customer", "user-chen", MONDAY)

    [requested] = new_events(deal)
    assert isinstance(requested, Deal.ApprovalRequested)
    assert (requested.level, requested.reasons) == ("general_manager", ["discount", "floor"])
    assert (requested.price, requested.discount) == (Decimal("209800"), Decimal("22000"))
    assert deal.approval is not None and deal.approval.status is ApprovalStatus.PENDING


def test_a_contract_is_refused_while_the_approval_is_pending() -> None:
    deal = quoted_deal()
    deal.request_approval(need(deal), None, "user-chen", MONDAY)

    with pytest.raises(DealApprovalPendingError, match="waits for approval by a manager"):
        deal.sign_contract(MONDAY, need(deal))


def test_a_contract_is_refused_after_a_refusal_with_its_reason() -> None:
    deal = quoted_deal()
    deal.request_approval(need(deal), None, "user-chen", MONDAY)
    deal.refuse(M, "too much off a car that sells", "user-zhang", MONDAY)

    with pytest.raises(DealApprovalRefusedError, match="too much off a car that sells"):
        deal.sign_contract(MONDAY, need(deal))


def test_a_quote_that_needs_approval_cannot_be_signed_before_it_is_asked_for() -> None:
    deal = quoted_deal()

    with pytest.raises(DealApprovalRequiredError, match="needs approval by a manager"):
        deal.sign_contract(MONDAY, need(deal))


def test_an_approved_quote_is_signed() -> None:
    deal = quoted_deal()
    deal.request_approval(need(deal), None, "user-chen", MONDAY)
    deal.approve(M, "ok this once", "user-zhang", MONDAY)

    deal.sign_contract(MONDAY, need(deal))

    assert deal.status is DealStatus.CONTRACTED
    assert deal.front_gross == Decimal("17800")


def test_a_team_leader_cannot_decide_a_request_that_needs_a_manager() -> None:
    deal = quoted_deal()
    deal.request_approval(need(deal), None, "user-chen", MONDAY)

    with pytest.raises(DealApproverLevelError):
        deal.approve(TL, None, "user-lead", MONDAY)
    with pytest.raises(DealApproverLevelError):
        deal.refuse(TL, "no", "user-lead", MONDAY)


def test_a_new_quote_after_approval_needs_approval_again() -> None:
    deal = quoted_deal()
    deal.request_approval(need(deal), None, "user-chen", MONDAY)
    deal.approve(M, None, "user-zhang", MONDAY)

    deal.quote("209800", "12500", MONDAY)

    assert deal.approval is None
    with pytest.raises(DealApprovalRequiredError):
        deal.sign_contract(MONDAY, need(deal))


def test_a_quote_needing_nothing_cannot_be_sent_for_approval() -> None:
    deal = quoted_deal("1000")

    with pytest.raises(DealApprovalNotNeededError):
        deal.request_approval(need(deal), None, "user-chen", MONDAY)


def test_a_request_is_not_made_twice_and_not_decided_when_none_is_pending() -> None:
    deal = quoted_deal()
    with pytest.raises(DealApprovalNotPendingError):
        deal.approve(GM, None, "user-boss", MONDAY)
    deal.request_approval(need(deal), None, "user-chen", MONDAY)

    with pytest.raises(DealApprovalPendingError):
        deal.request_approval(need(deal), None, "user-chen", MONDAY)


def test_a_refusal_needs_a_reason() -> None:
    deal = quoted_deal()
    deal.request_approval(need(deal), None, "user-chen", MONDAY)

    with pytest.raises(DomainError):
        deal.refuse(M, "   ", "user-zhang", MONDAY)


def test_the_structure_leaves_the_rest_of_the_selling_price_financed() -> None:
    deal = quoted_deal("12000")  # selling 197,800
    new_events(deal)

    deal.set_structure("60000", MONDAY)

    [structure] = new_events(deal)
    assert (structure.down_payment, structure.amount_financed) == (
        Decimal("60000.00"),
        Decimal("137800.00"),
    )
    assert deal.amount_financed == Decimal("137800.00")
    with pytest.raises(DealDownPaymentError):
        deal.set_structure("197800.01", MONDAY)


def test_an_order_is_gated_like_a_contract_and_freezes_the_quote() -> None:
    deal = quoted_deal()
    with pytest.raises(DealApprovalRequiredError):
        deal.place_order("5000", MONDAY, need(deal))
    deal.request_approval(need(deal), None, "user-chen", MONDAY)
    deal.approve(GM, None, "user-boss", MONDAY)

    deal.place_order("5000", MONDAY, need(deal))

    assert deal.ordered and deal.order_deposit == Decimal("5000.00")
    with pytest.raises(DealOrderPlacedError):
        deal.quote("209800", "0", MONDAY)
    with pytest.raises(DealOrderPlacedError):
        deal.cancel("changed mind", MONDAY)


def test_cancelling_an_order_closes_the_deal_with_its_reason() -> None:
    deal = quoted_deal("1000")
    with pytest.raises(DealNoOrderError):
        deal.cancel_order("no order yet", MONDAY)
    deal.place_order("5000", MONDAY, need(deal))
    new_events(deal)

    deal.cancel_order("customer bought elsewhere", MONDAY)

    kinds = [type(e) for e in new_events(deal)]
    assert kinds == [Deal.OrderCancelled, Deal.Cancelled]
    assert deal.status is DealStatus.CANCELLED
    assert deal.close_reason == "customer bought elsewhere"


# --- the service: who decides -------------------------------------------------------------------


@pytest.fixture
def g() -> Group:
    return group()


def _desk_deal(g: Group, discount: str = "12000") -> tuple[Desk, UUID]:
    desk = Desk(g.app)
    desk.set_rules(g.manager, g.store_id, "0.03", "0.05", "0.10", "manager", {"Han": "190000"})
    deal_id = g.deal()
    g.sales.attach_vehicle(g.seller, deal_id, g.vehicle(), occurred_at=at(hours=2))
    g.sales.quote_deal(g.seller, deal_id, "209800", discount, occurred_at=at(hours=2))
    return desk, deal_id


def test_the_store_manager_approves_and_the_contract_is_signed(g: Group) -> None:
    desk, deal_id = _desk_deal(g)
    desk.request_approval(g.seller, deal_id, "loyal customer")

    desk.approve(g.manager, deal_id, "fine")
    g.sales.sign_contract(g.seller, deal_id)

    assert g.sales.get_deal(g.seller, deal_id).status is DealStatus.CONTRACTED


def test_the_service_refuses_a_contract_the_rules_hold(g: Group) -> None:
    _, deal_id = _desk_deal(g)

    with pytest.raises(DealApprovalRequiredError):
        g.sales.sign_contract(g.seller, deal_id)


def test_a_salesperson_never_decides_and_another_store_manager_does_not_see_it(g: Group) -> None:
    desk, deal_id = _desk_deal(g)
    desk.request_approval(g.seller, deal_id)

    with pytest.raises(PermissionDeniedError):
        desk.approve(g.colleague, deal_id)
    with pytest.raises(NotFoundError):
        desk.approve(g.other_manager, deal_id)


def test_nobody_decides_their_own_request(g: Group) -> None:
    desk, deal_id = _desk_deal(g)
    desk.request_approval(g.manager, deal_id)

    with pytest.raises(PermissionDeniedError, match="own approval request"):
        desk.approve(g.manager, deal_id)


def test_the_group_executive_approves_what_needs_the_general_manager(g: Group) -> None:
    desk, deal_id = _desk_deal(g, discount="22000")
    desk.request_approval(g.seller, deal_id)
    with pytest.raises(DealApproverLevelError):
        desk.approve(g.manager, deal_id)
    executive = Principal(user_id="user-boss", role=Role.GROUP_EXEC)

    desk.approve(executive, deal_id)

    g.sales.sign_contract(g.seller, deal_id)


def test_only_store_managers_and_group_roles_set_the_rules(g: Group) -> None:
    desk = Desk(g.app)
    with pytest.raises(PermissionDeniedError):
        desk.set_rules(g.seller, g.store_id, "0.03")
    with pytest.raises(PermissionDeniedError):
        desk.set_rules(g.manager, g.other_store_id, "0.03")

    desk.set_rules(g.manager, g.store_id, "0.03")

    assert desk.get_rules(g.seller, g.store_id).discount_team_leader == Decimal("0.0300")


def test_an_order_keeps_the_vehicle_held_and_its_cancellation_releases_it(g: Group) -> None:
    desk, deal_id = _desk_deal(g, discount="1000")
    desk.place_order(g.seller, deal_id, "5000")
    vehicle_id = g.sales.get_deal(g.seller, deal_id).vehicle_id
    assert vehicle_id is not None
    assert g.vehicle_of(vehicle_id).status is VehicleStatus.RESERVED

    desk.cancel_order(g.seller, deal_id, "customer's loan fell through")

    assert g.vehicle_of(vehicle_id).status is VehicleStatus.IN_STOCK


# --- properties ---------------------------------------------------------------------------------

discounts = st.sampled_from(["0", "5000", "8000", "12000", "22000", "31000"])
levels = st.sampled_from(list(ApprovalLevel))
steps = st.one_of(
    st.tuples(st.just("quote"), discounts),
    st.tuples(st.just("request"), st.none()),
    st.tuples(st.just("approve"), levels),
    st.tuples(st.just("refuse"), levels),
    st.tuples(st.just("sign"), st.none()),
)


@settings(max_examples=200)
@given(first=discounts, script=st.lists(steps, max_size=12))
def test_a_quote_needing_level_n_is_signed_only_after_an_approval_at_n_or_above_of_that_quote(
    first: str, script: list[tuple[str, object]]
) -> None:
    """A reference model follows the script: which figures were approved, at what level, and
    whether a request is pending or refused. A contract is signed exactly when the reference
    says it may be, and then the approved figures are the signed ones."""
    deal = quoted_deal(first)
    approved: tuple[str, ApprovalLevel] | None = None  # (discount, level) of the current quote
    pending: ApprovalLevel | None = None
    refused = False
    current = first
    for action, arg in script:
        if deal.status is not DealStatus.QUOTED:
            break
        needed = need(deal).level
        if action == "quote":
            deal.quote("209800", str(arg), MONDAY)
            current, approved, pending, refused = str(arg), None, None, False
        elif action == "request":
            ok = (
                needed is not None
                and pending is None
                and not (approved is not None and RANK[approved[1]] >= RANK[needed])
            )
            if ok:
                deal.request_approval(need(deal), None, "user-chen", MONDAY)
                pending, refused = needed, False
            else:
                with pytest.raises(DomainError):
                    deal.request_approval(need(deal), None, "user-chen", MONDAY)
        elif action in ("approve", "refuse"):
            level = ApprovalLevel(str(arg))
            if pending is not None and RANK[level] >= RANK[pending]:
                if action == "approve":
                    deal.approve(level, None, "user-x", MONDAY)
                    approved, refused = (current, level), False
                else:
                    deal.refuse(level, "no", "user-x", MONDAY)
                    approved, refused = None, True
                pending = None
            else:
                with pytest.raises(DomainError):
                    getattr(deal, action)(level, "no", "user-x", MONDAY)
        else:
            may = (
                pending is None
                and not refused
                and (
                    needed is None
                    or (
                        approved is not None
                        and approved[0] == current
                        and RANK[approved[1]] >= RANK[needed]
                    )
                )
            )
            if may:
                deal.sign_contract(MONDAY, need(deal))
                assert deal.contracted_at == MONDAY  # signed
                assert needed is None or (approved is not None and approved[0] == current)
            else:
                with pytest.raises(DomainError):
                    deal.sign_contract(MONDAY, need(deal))


@settings(max_examples=50)
@given(script=st.lists(st.tuples(st.sampled_from(["quote", "request", "approve", "refuse",
                                                  "structure", "order"]), discounts),
                       max_size=10))  # fmt: skip
def test_replaying_a_deal_with_approvals_and_an_order_gives_the_live_deal(
    script: list[tuple[str, str]],
) -> None:
    deal = quoted_deal("12000")
    for action, discount in script:
        try:
            if action == "quote":
                deal.quote("209800", discount, MONDAY)
            elif action == "request":
                deal.request_approval(need(deal), "n", "user-chen", MONDAY)
            elif action == "approve":
                deal.approve(GM, None, "user-boss", MONDAY)
            elif action == "refuse":
                deal.refuse(GM, "no", "user-boss", MONDAY)
            elif action == "structure":
                deal.set_structure(discount, MONDAY)
            else:
                deal.place_order("1000", MONDAY, need(deal))
        except DomainError:
            pass
    events = new_events(deal)
    replayed: Deal | None = None
    for stored in events:
        replayed = stored.mutate(replayed)
    assert replayed is not None
    assert state(replayed) == state(deal)


def test_a_requirement_with_no_level_is_nothing() -> None:
    assert not NOTHING.needed
    assert replace(NOTHING, broken=((Rule.LOSS, GM),), level=GM).reasons == ["loss"]
