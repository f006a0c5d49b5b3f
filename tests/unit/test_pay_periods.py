"""The PayPeriod aggregate (Given events / When command / Then events), its lifecycle as a
stateful test against a reference model, and the replay property."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.utils import get_topic
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from api.errors import status_of
from domain.app import Showroom
from domain.organisation.service import Organisation
from domain.pay import engine
from domain.pay import errors as pay_errors
from domain.pay.chargebacks import chargebacks_for
from domain.pay.errors import (
    DisputeAlreadyResolvedError,
    DisputeNotFoundError,
    NoOpenPeriodError,
    PayPeriodOrderError,
    PayPeriodOverlapError,
)
from domain.pay.facts import CreditFact, PeriodFacts, ProductFact
from domain.pay.periods import (
    GROUP_WIDE_RULE,
    STORE_ALONE_RULE,
    PayPeriod,
    PeriodStatus,
    period_id,
    snapshot_hash,
)
from domain.pay.plans import PlanVersion
from domain.pay.ports import PaidLine, PeriodRef, Reversal
from domain.pay.records import compose
from domain.pay.service.payroll import Payroll
from domain.pay.snapshots import statement_snapshot_id
from domain.pay.statement import Statement, StatementLine
from domain.shared.actor import Principal, Role
from domain.shared.errors import (
    DomainError,
    IllegalTransitionError,
    InvalidValueError,
    NotFoundError,
    PermissionDeniedError,
)
from tests.unit.builders import new_app
from tests.unit.four_eyes import approve

MAY = datetime(2026, 5, 31, 15, 0, tzinfo=UTC)
STORE = UUID("11111111-1111-1111-1111-111111111111")
SELLER = UUID("22222222-2222-2222-2222-222222222222")
STATEMENTS: list[dict[str, Any]] = [
    {"salesperson_id": str(SELLER), "lines": [{"n": 1, "amount": Decimal("500.00")}]}
]
TOTALS: dict[str, Any] = {"total": Decimal("500.00")}


def at(minutes: int) -> datetime:
    return MAY + timedelta(minutes=minutes)


def new_events(period: PayPeriod) -> list[Any]:
    return list(period.collect_events())


def state(period: PayPeriod) -> dict[str, Any]:
    return {k: v for k, v in vars(period).items() if k != "_pending_events"}


def opened(store_id: UUID | None = STORE) -> PayPeriod:
    """Given: May 2026 of a store, just opened."""
    period = PayPeriod(store_id=store_id, month="2026-05", protection_days=90, occurred_at=MAY)
    period.collect_events()
    return period


def closed() -> PayPeriod:
    period = opened()
    period.close(known_at=at(1), occurred_at=at(1))
    period.collect_events()
    return period


def requested() -> PayPeriod:
    """A closed period whose approval finance requested (four eyes: another confirms it)."""
    period = closed()
    period.request_approval("finance", occurred_at=at(2))
    period.collect_events()
    return period


def approved() -> PayPeriod:
    period = requested()
    period.approve(
        STATEMENTS, TOTALS, snapshot_hash(STATEMENTS, TOTALS), "admin", occurred_at=at(2)
    )
    period.collect_events()
    return period


def exported() -> PayPeriod:
    period = approved()
    period.record_export(uuid4(), occurred_at=at(3))
    period.collect_events()
    return period


# --- identity ----------------------------------------------------------------------------------


def test_a_scope_and_month_always_give_the_same_period_id() -> None:
    first = PayPeriod(store_id=STORE, month="2026-05", protection_days=90, occurred_at=MAY)

    assert first.id == period_id(STORE, "2026-05")
    assert period_id(None, "2026-05") != period_id(STORE, "2026-05")
    assert period_id(STORE, "2026-06") != period_id(STORE, "2026-05")


# --- lifecycle ---------------------------------------------------------------------------------


def test_an_opened_period_is_open_for_its_scope_and_month() -> None:
    period = PayPeriod(store_id=None, month="2026-05", protection_days=60, occurred_at=MAY)

    [event] = new_events(period)

    assert isinstance(event, PayPeriod.Opened)
    assert (event.store_id, event.month, event.protection_days) == (None, "2026-05", 60)
    assert period.status is PeriodStatus.OPEN
    assert period.scope == "group"
    assert period.covers(STORE)


def test_a_newly_opened_period_records_the_group_wide_pay_rule() -> None:
    period = PayPeriod(store_id=STORE, month="2026-05", protection_days=90, occurred_at=MAY)

    [event] = new_events(period)

    assert event.pay_rule == period.pay_rule == GROUP_WIDE_RULE


def test_an_opening_stored_before_the_pay_rule_was_recorded_decodes_under_rule_1() -> None:
    mapper = new_app().mapper
    [event] = new_events(
        PayPeriod(store_id=STORE, month="2026-05", protection_days=90, occurred_at=MAY)
    )
    stored = mapper.to_stored_event(event)
    fields = mapper.transcoder.decode(stored.state)
    del fields["class_version"], fields["pay_rule"]
    version_1 = replace(stored, state=mapper.transcoder.encode(fields))

    replayed = mapper.to_domain_event(version_1).mutate(None)

    assert isinstance(replayed, PayPeriod)
    assert replayed.pay_rule == STORE_ALONE_RULE
    assert (replayed.store_id, replayed.month) == (STORE, "2026-05")


def test_closing_freezes_the_figures_as_known_at_the_close() -> None:
    period = opened()

    period.close(known_at=at(5), occurred_at=at(5))

    [event] = new_events(period)
    assert isinstance(event, PayPeriod.Closed)
    assert event.known_at == at(5)
    assert (period.status, period.known_at) == (PeriodStatus.CLOSED, at(5))


def test_confirming_a_requested_approval_records_the_snapshot_and_its_hash() -> None:
    period = requested()
    content_hash = snapshot_hash(STATEMENTS, TOTALS)

    records = period.approve(STATEMENTS, TOTALS, content_hash, "admin", occurred_at=at(2))

    [event] = new_events(period)
    assert isinstance(event, PayPeriod.Approved)
    assert (event.statement_ids, event.totals, event.content_hash) == (
        [str(SELLER)],
        TOTALS,
        content_hash,
    )
    assert [(r.id, r.period_id, r.record) for r in records] == [
        (statement_snapshot_id(period.id, SELLER), period.id, STATEMENTS[0])
    ]
    assert period.status is PeriodStatus.APPROVED


def test_an_approval_stored_with_its_statements_still_replays_them() -> None:
    period = requested()
    content_hash = snapshot_hash(STATEMENTS, TOTALS)
    mapper = new_app().mapper
    period.approve(STATEMENTS, TOTALS, content_hash, "admin", occurred_at=at(2))
    [event] = new_events(period)
    stored = mapper.to_stored_event(event)
    fields = mapper.transcoder.decode(stored.state)
    del fields["class_version"], fields["statement_ids"]
    version_1 = replace(
        stored, state=mapper.transcoder.encode({**fields, "statements": STATEMENTS})
    )
    replayed = requested()

    mapper.to_domain_event(version_1).mutate(replayed)

    assert (replayed.statement_ids, replayed.legacy_statements) == ([str(SELLER)], STATEMENTS)
    assert replayed.content_hash == content_hash


def test_approving_an_open_period_is_refused() -> None:
    period = opened()

    with pytest.raises(IllegalTransitionError):
        period.request_approval("finance", occurred_at=at(2))

    assert new_events(period) == []


def test_approving_with_a_malformed_hash_is_refused() -> None:
    period = requested()

    with pytest.raises(InvalidValueError):
        period.approve(STATEMENTS, TOTALS, "not-a-hash", "admin", occurred_at=at(2))


def test_reopening_a_closed_period_makes_it_provisional_again() -> None:
    period = closed()

    period.reopen("costs were posted late", occurred_at=at(3))

    [event] = new_events(period)
    assert isinstance(event, PayPeriod.Reopened)
    assert (period.status, period.known_at) == (PeriodStatus.OPEN, None)


def test_reopening_after_approval_is_refused() -> None:
    period = approved()

    with pytest.raises(IllegalTransitionError):
        period.reopen("too late", occurred_at=at(3))

    assert new_events(period) == []


def test_the_first_export_moves_an_approved_period_to_exported() -> None:
    period = approved()
    export_id = uuid4()

    period.record_export(export_id, occurred_at=at(3))

    [event] = new_events(period)
    assert isinstance(event, PayPeriod.Exported)
    assert (period.status, period.export_ids) == (PeriodStatus.EXPORTED, [export_id])


def test_a_second_export_keeps_the_period_exported() -> None:
    period = exported()

    period.record_export(uuid4(), occurred_at=at(4))

    assert period.status is PeriodStatus.EXPORTED
    assert len(period.export_ids) == 2


def test_exporting_before_approval_is_refused() -> None:
    with pytest.raises(IllegalTransitionError):
        closed().record_export(uuid4(), occurred_at=at(3))


def test_paying_an_exported_period_records_the_reference() -> None:
    period = exported()

    period.pay("BANK-2026-06-01", occurred_at=at(4))

    [event] = new_events(period)
    assert isinstance(event, PayPeriod.Paid)
    assert (period.status, period.paid_reference) == (PeriodStatus.PAID, "BANK-2026-06-01")


def test_paying_before_the_export_is_refused() -> None:
    with pytest.raises(IllegalTransitionError):
        approved().pay("BANK-1", occurred_at=at(4))


# --- adjustments -------------------------------------------------------------------------------


def test_an_adjustment_on_an_open_period_is_recorded_with_its_approver() -> None:
    period = opened()
    adjustment_id = uuid4()

    period.add_adjustment(
        adjustment_id, SELLER, Decimal("-300.00"), "demo car damage", "finance", at(1)
    )

    [event] = new_events(period)
    assert isinstance(event, PayPeriod.AdjustmentAdded)
    assert (event.amount, event.reason, event.approver) == (
        Decimal("-300.00"),
        "demo car damage",
        "finance",
    )
    assert [a["adjustment_id"] for a in period.own_adjustments()] == [adjustment_id]


def test_adjusting_an_approved_period_is_refused() -> None:
    period = approved()

    with pytest.raises(IllegalTransitionError):
        period.add_adjustment(uuid4(), SELLER, Decimal("100.00"), "late bonus", "finance", at(3))

    assert new_events(period) == []


def test_an_adjustment_of_zero_is_refused() -> None:
    with pytest.raises(InvalidValueError):
        opened().add_adjustment(uuid4(), SELLER, Decimal("0"), "nothing", "finance", at(1))


# --- disputes ----------------------------------------------------------------------------------


def test_a_dispute_on_a_closed_period_is_recorded_open() -> None:
    period = closed()
    dispute_id = uuid4()

    period.raise_dispute(dispute_id, SELLER, "3", "the split was 0.6, not 0.5", at(2))

    [event] = new_events(period)
    assert isinstance(event, PayPeriod.DisputeRaised)
    assert period.disputes[dispute_id]["status"] == "open"


def test_disputing_a_provisional_figure_is_refused() -> None:
    with pytest.raises(IllegalTransitionError):
        opened().raise_dispute(uuid4(), SELLER, "1", "wrong", at(1))


def test_a_dispute_resolved_before_approval_adjusts_this_period() -> None:
    period = closed()
    dispute_id = uuid4()
    period.raise_dispute(dispute_id, SELLER, "1", "wrong", at(2))

    period.resolve_dispute(dispute_id, "agreed", Decimal("150.00"), None, at(3))

    [_, event] = new_events(period)
    assert isinstance(event, PayPeriod.DisputeResolved)
    assert event.adjustment_period_id == period.id
    assert [a["amount"] for a in period.own_adjustments()] == [Decimal("150.00")]


def test_a_dispute_resolved_after_approval_sends_its_adjustment_to_a_later_period() -> None:
    period = approved()
    dispute_id, later = uuid4(), period_id(STORE, "2026-06")
    period.raise_dispute(dispute_id, SELLER, "1", "wrong", at(3))

    period.resolve_dispute(dispute_id, "agreed", Decimal("150.00"), later, at(4))

    assert period.disputes[dispute_id]["adjustment_period_id"] == later
    assert period.own_adjustments() == []


def test_an_approved_periods_adjustment_needs_a_later_period() -> None:
    period = approved()
    dispute_id = uuid4()
    period.raise_dispute(dispute_id, SELLER, "1", "wrong", at(3))

    with pytest.raises(NoOpenPeriodError):
        period.resolve_dispute(dispute_id, "agreed", Decimal("150.00"), None, at(4))


def test_a_dispute_resolved_without_adjustment_changes_no_figure() -> None:
    period = closed()
    dispute_id = uuid4()
    period.raise_dispute(dispute_id, SELLER, "1", "wrong", at(2))

    period.resolve_dispute(dispute_id, "the line is right", None, None, at(3))

    assert period.disputes[dispute_id]["status"] == "resolved"
    assert period.own_adjustments() == []


def test_a_dispute_is_resolved_once() -> None:
    period = closed()
    dispute_id = uuid4()
    period.raise_dispute(dispute_id, SELLER, "1", "wrong", at(2))
    period.resolve_dispute(dispute_id, "no", None, None, at(3))

    with pytest.raises(DisputeAlreadyResolvedError):
        period.resolve_dispute(dispute_id, "yes", Decimal("1.00"), None, at(4))


def test_resolving_a_dispute_the_period_does_not_have_is_not_found() -> None:
    period = closed()

    with pytest.raises(DisputeNotFoundError) as raised:
        period.resolve_dispute(uuid4(), "agreed", None, None, at(3))

    assert status_of(raised.value) == 404


def test_every_not_found_error_of_pay_answers_404() -> None:
    not_found = [
        kind
        for kind in vars(pay_errors).values()
        if isinstance(kind, type)
        and kind.__module__ == pay_errors.__name__
        and "NotFound" in kind.__name__
    ]

    assert not_found
    assert all(status_of(kind(uuid4())) == 404 for kind in not_found)


def test_approving_an_open_period_is_refused_by_the_period_itself() -> None:
    period = PayPeriod(store_id=STORE, month="2026-05", protection_days=90, occurred_at=at(0))

    with pytest.raises(IllegalTransitionError):
        period.ensure_approvable()


# --- the snapshot hash -------------------------------------------------------------------------


def test_the_snapshot_hash_ignores_how_a_decimal_is_written() -> None:
    same = [{"salesperson_id": str(SELLER), "lines": [{"n": 1, "amount": Decimal("500")}]}]

    assert snapshot_hash(same, {"total": Decimal("500.0")}) == snapshot_hash(STATEMENTS, TOTALS)


def test_the_snapshot_hash_changes_with_any_figure() -> None:
    other = [{"salesperson_id": str(SELLER), "lines": [{"n": 1, "amount": Decimal("500.01")}]}]

    assert snapshot_hash(other, TOTALS) != snapshot_hash(STATEMENTS, TOTALS)


# --- lifecycle against a reference model ----------------------------------------------------------

# Which commands each state allows, by the reference model.
ALLOWED = {
    "open": {"close", "adjust"},
    "closed": {"reopen", "request", "adjust", "dispute"},
    # Closed with an approval requested: a second person may confirm it (four eyes).
    "requested": {"reopen", "approve", "adjust", "dispute"},
    "approved": {"export", "dispute"},
    "exported": {"export", "pay", "dispute"},
    "paid": {"export", "dispute"},
}
NEXT = {
    ("open", "close"): "closed",
    ("closed", "reopen"): "open",
    ("closed", "request"): "requested",
    ("requested", "reopen"): "open",
    ("requested", "approve"): "approved",
    ("approved", "export"): "exported",
    ("exported", "pay"): "paid",
}


class PayPeriodLifecycle(RuleBasedStateMachine):
    """Every command tried in every state: the aggregate agrees with the reference model."""

    def __init__(self) -> None:
        super().__init__()
        self.period = opened()
        self.status = "open"
        self.minute = 0
        self.adjustments = 0

    def _try(self, command: str, act: Any) -> None:
        self.minute += 1
        if command in ALLOWED[self.status]:
            act()
            self.status = NEXT.get((self.status, command), self.status)
            if command == "adjust":
                self.adjustments += 1
        else:
            with pytest.raises(DomainError):
                act()
            assert new_events(self.period) == []

    @rule()
    def close(self) -> None:
        self._try("close", lambda: self.period.close(at(self.minute), at(self.minute)))

    @rule()
    def reopen(self) -> None:
        self._try("reopen", lambda: self.period.reopen("again", at(self.minute)))

    @rule()
    def approve(self) -> None:
        content_hash = snapshot_hash(STATEMENTS, TOTALS)
        self._try(
            "approve",
            lambda: self.period.approve(STATEMENTS, TOTALS, content_hash, "admin", at(1)),
        )

    @rule()
    def export(self) -> None:
        self._try("export", lambda: self.period.record_export(uuid4(), at(self.minute)))

    @rule()
    def pay(self) -> None:
        self._try("pay", lambda: self.period.pay("BANK", at(self.minute)))

    @rule(amount=st.integers(1, 10_000))
    def adjust(self, amount: int) -> None:
        self._try(
            "adjust",
            lambda: self.period.add_adjustment(
                uuid4(), SELLER, Decimal(amount), "r", "finance", at(self.minute)
            ),
        )

    @rule()
    def dispute(self) -> None:
        self._try(
            "dispute",
            lambda: self.period.raise_dispute(uuid4(), SELLER, "1", "r", at(self.minute)),
        )

    @rule()
    def request(self) -> None:
        self._try("request", lambda: self.period.request_approval("finance", at(self.minute)))

    @invariant()
    def status_matches_the_reference(self) -> None:
        expected = "closed" if self.status == "requested" else self.status
        assert self.period.status.value == expected
        assert len(self.period.adjustments) == self.adjustments
        self.period.collect_events()


PayPeriodLifecycle.TestCase.settings = settings(max_examples=60, stateful_step_count=25)
test_pay_period_lifecycle = PayPeriodLifecycle.TestCase


@given(
    steps=st.lists(
        st.sampled_from(["close", "reopen", "adjust", "request", "approve", "export"]), max_size=12
    )
)
def test_replaying_a_pay_periods_events_gives_its_state(steps: list[str]) -> None:
    period = PayPeriod(store_id=STORE, month="2026-05", protection_days=90, occurred_at=MAY)
    for minute, step in enumerate(steps, start=1):
        try:
            if step == "close":
                period.close(at(minute), at(minute))
            elif step == "reopen":
                period.reopen("r", at(minute))
            elif step == "adjust":
                period.add_adjustment(uuid4(), SELLER, Decimal("10"), "r", "f", at(minute))
            elif step == "request":
                period.request_approval("finance", at(minute))
            elif step == "approve":
                period.approve(
                    STATEMENTS, TOTALS, snapshot_hash(STATEMENTS, TOTALS), "admin", at(minute)
                )
            else:
                period.record_export(uuid4(), at(minute))
        except DomainError:
            pass
    events = new_events(period)

    replayed: PayPeriod | None = None
    for event in events:
        replayed = event.mutate(replayed)

    assert replayed is not None
    assert state(replayed) == state(period)


# === the payroll service's pure part: line parts, chargebacks, statement records =================

A_STORE = UUID("33333333-3333-3333-3333-333333333333")
OTHER = UUID("44444444-4444-4444-4444-444444444444")


def credit(
    n: int, share: str = "1", gross: str = "10000", person: UUID = SELLER, day: int = 1
) -> CreditFact:
    return CreditFact(
        deal_id=UUID(int=n),
        salesperson_id=person,
        store_id=A_STORE,
        share=Decimal(share),
        delivered_at=datetime(2026, 5, day, 2, 0, tzinfo=UTC),
        delivered_on=date(2026, 5, day),
        condition="new",
        make="BYD",
        model="Seal",
        trim="AWD",
        days_in_stock=10,
        selling_price=Decimal("160000"),
        front_gross=Decimal(gross),
        pack=Decimal(0),
        products=(),
    )


def plan(*components: dict[str, Any]) -> PlanVersion:
    return PlanVersion.from_dicts(UUID(int=99), 1, date(2026, 1, 1), list(components), "test")


def tier_line(statement: Statement) -> StatementLine:
    [line] = [x for x in statement.lines if x.component_type == "volume_tiers"]
    return line


def parts_of(line: StatementLine) -> Any:
    return {str(p.deal_id): p.amount for p in line.parts}


def test_a_retroactive_tier_line_is_shared_by_the_deals_in_proportion_to_their_units() -> None:
    version = plan(
        {
            "type": "volume_tiers",
            "key": "v",
            "mode": "retroactive",
            "tiers": [{"threshold": "1.5", "amount": "200"}],
        }
    )
    credits = [credit(1), credit(2, share="0.5")]
    facts = PeriodFacts(month="2026-05", store_id=A_STORE, credits=tuple(credits))

    line = tier_line(engine.calculate_one(facts, SELLER, version))

    assert parts_of(line) == {
        str(UUID(int=1)): Decimal("200.00"),
        str(UUID(int=2)): Decimal("100.00"),
    }


def test_a_marginal_band_is_shared_by_the_units_that_fall_in_it() -> None:
    version = plan(
        {
            "type": "volume_tiers",
            "key": "v",
            "mode": "marginal",
            "tiers": [{"threshold": "0", "amount": "100"}, {"threshold": "1.5", "amount": "300"}],
        }
    )
    # In delivery order: deal 1 fills 0–1, deal 2 straddles 1–2 (half in each band).
    credits = [credit(1, day=1), credit(2, day=2), credit(3, share="0.5", day=3)]
    facts = PeriodFacts(month="2026-05", store_id=A_STORE, credits=tuple(credits))
    statement = engine.calculate_one(facts, SELLER, version)

    upper = next(x for x in statement.lines if x.inputs.get("from") == "1.5")

    assert upper.amount == Decimal("300.00")  # units 1.5–2.5 × ¥300
    assert parts_of(upper) == {
        str(UUID(int=2)): Decimal("150.00"),
        str(UUID(int=3)): Decimal("150.00"),
    }


@given(
    shares=st.lists(st.sampled_from(["0.25", "0.5", "0.75", "1"]), min_size=1, max_size=12),
    grosses=st.lists(st.integers(-2000, 20000), min_size=12, max_size=12),
    mode=st.sampled_from(["retroactive", "marginal"]),
    by_rate=st.booleans(),
)
def test_the_parts_of_a_tier_line_always_sum_to_its_amount(
    shares: list[str], grosses: list[int], mode: str, by_rate: bool
) -> None:
    pays = {"rate": "0.03"} if by_rate else {"amount": "170"}
    version = plan(
        {
            "type": "volume_tiers",
            "key": "v",
            "mode": mode,
            "tiers": [{"threshold": "0", **pays}, {"threshold": "2.5", **pays}],
        }
    )
    credits = [
        credit(i + 1, share=s, gross=str(g), day=1 + i)
        for i, (s, g) in enumerate(zip(shares, grosses, strict=False))
    ]
    facts = PeriodFacts(month="2026-05", store_id=A_STORE, credits=tuple(credits))

    for line in engine.calculate_one(facts, SELLER, version).lines:
        if line.parts:
            assert sum(p.amount for p in line.parts) == line.amount


def period_ref(month: str, known_at: datetime | None, store: UUID | None = A_STORE) -> PeriodRef:
    status = "open" if known_at is None else "approved"
    return PeriodRef(period_id(store, month), store, month, status, known_at, 90)


MAY_CLOSE = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)


def reversal(recorded_at: datetime, days: int = 10, kind: str = "unwind") -> Reversal:
    return Reversal(
        kind=kind,
        deal_id=UUID(int=1),
        store_id=A_STORE,
        delivered_on=date(2026, 5, 1),
        occurred_on=date(2026, 5, 1) + timedelta(days=days),
        recorded_at=recorded_at,
        reason="returned",
        credits=(credit(1),),
    )


def paid(amount: str = "500.00", n: int = 1, product: UUID | None = None) -> PaidLine:
    return PaidLine(
        period_id=period_id(A_STORE, "2026-05"),
        salesperson_id=SELLER,
        n=n,
        deal_id=UUID(int=1),
        product_id=product,
        component_type="fni" if product else "per_unit",
        amount=Decimal(amount),
    )


def test_a_reversal_after_the_paying_periods_close_lands_in_the_next_open_period() -> None:
    may, june = period_ref("2026-05", MAY_CLOSE), period_ref("2026-06", None)

    [charge] = chargebacks_for(
        june, [reversal(MAY_CLOSE + timedelta(days=3))], [may, june], [paid(), paid("1000", 2)]
    )

    assert charge.amount == Decimal("-1500.00")
    assert charge.links == ((1, Decimal("500.00")), (2, Decimal("1000")))
    assert charge.origin_period_id == may.period_id


def test_a_reversal_the_paying_period_already_saw_is_not_charged_back() -> None:
    may, june = period_ref("2026-05", MAY_CLOSE), period_ref("2026-06", None)

    found = chargebacks_for(june, [reversal(MAY_CLOSE - timedelta(hours=1))], [may, june], [paid()])

    assert found == []


def test_a_period_closed_before_the_reversal_passes_it_on_to_the_next() -> None:
    may = period_ref("2026-05", MAY_CLOSE)
    june = period_ref("2026-06", MAY_CLOSE + timedelta(days=30))
    july = period_ref("2026-07", None)
    late = reversal(MAY_CLOSE + timedelta(days=31))

    assert chargebacks_for(june, [late], [may, june, july], [paid()]) == []
    assert len(chargebacks_for(july, [late], [may, june, july], [paid()])) == 1


def test_an_earlier_open_period_takes_the_chargeback_before_a_later_one() -> None:
    may, june, july = (
        period_ref("2026-05", MAY_CLOSE),
        period_ref("2026-06", None),
        period_ref("2026-07", None),
    )
    late = reversal(MAY_CLOSE + timedelta(days=3))

    assert len(chargebacks_for(june, [late], [may, june, july], [paid()])) == 1
    assert chargebacks_for(july, [late], [may, june, july], [paid()]) == []


def test_no_chargeback_after_the_protection_window() -> None:
    may, june = period_ref("2026-05", MAY_CLOSE), period_ref("2026-06", None)

    found = chargebacks_for(
        june, [reversal(MAY_CLOSE + timedelta(days=3), days=91)], [may, june], [paid()]
    )

    assert found == []


def test_another_stores_period_never_takes_the_chargeback() -> None:
    may = period_ref("2026-05", MAY_CLOSE)
    other_june = period_ref("2026-06", None, store=OTHER)

    found = chargebacks_for(
        other_june, [reversal(MAY_CLOSE + timedelta(days=3))], [may, other_june], [paid()]
    )

    assert found == []


def test_a_cancelled_product_takes_back_only_what_that_product_paid() -> None:
    may, june = period_ref("2026-05", MAY_CLOSE), period_ref("2026-06", None)
    product = UUID(int=77)
    cancelled = replace(
        reversal(MAY_CLOSE + timedelta(days=3), kind="cancellation"),
        product=ProductFact(product, "finance", Decimal("2000")),
    )

    [charge] = chargebacks_for(june, [cancelled], [may, june], [paid(), paid("300.00", 3, product)])

    assert (charge.amount, charge.product_id) == (Decimal("-300.00"), product)


def test_an_unwind_after_a_cancellation_does_not_take_the_product_back_twice() -> None:
    may, june = period_ref("2026-05", MAY_CLOSE), period_ref("2026-06", None)
    product = UUID(int=77)  # cancelled earlier: not among the unwind's standing products

    [charge] = chargebacks_for(
        june,
        [reversal(MAY_CLOSE + timedelta(days=3))],
        [may, june],
        [paid(), paid("300.00", 3, product)],
    )

    assert charge.amount == Decimal("-500.00")


@given(amounts=st.lists(st.integers(-50_000, 50_000), max_size=8))
def test_a_statements_total_is_the_sum_of_its_lines(amounts: list[int]) -> None:
    version = plan({"type": "per_unit", "key": "unit", "new": "500"})
    facts = PeriodFacts(month="2026-05", store_id=A_STORE, credits=(credit(1), credit(2, "0.5")))
    adjustments = [
        {
            "adjustment_id": UUID(int=i + 1),
            "salesperson_id": SELLER,
            "amount": Decimal(a) / 100,
            "reason": "r",
            "approver": "finance",
        }
        for i, a in enumerate(amounts)
        if a
    ]
    statements = engine.calculate_period(facts, lambda _: version)

    records, totals, _ = compose(A_STORE, statements, facts, lambda _: version, adjustments, [])

    [record] = records
    assert Decimal(record["total"]) == sum(Decimal(x["amount"]) for x in record["lines"])
    assert Decimal(totals["total"]) == Decimal(record["total"])
    assert [x["n"] for x in record["lines"]] == list(range(1, len(record["lines"]) + 1))


# === the Payroll service over an in-memory port ===================================================

OPENED_TOPIC = get_topic(PayPeriod.Opened)


class InMemoryPayrollViews:
    """The PayrollViews port kept from the application's own log (periods, snapshots) and a
    fixed set of facts: always current, like the views once they have caught up."""

    def __init__(self, app: Showroom, facts: PeriodFacts, version: PlanVersion) -> None:
        self.app, self.facts, self.version = app, facts, version

    def settle(self) -> None:
        return None

    def period_facts(self, month: str, store_id: UUID | None, known_at: Any) -> PeriodFacts:
        credits = tuple(c for c in self.facts.credits if store_id in (None, c.store_id))
        return replace(self.facts, month=month, store_id=store_id, credits=credits)

    def plan_resolver(self, month: str, store_id: UUID | None, known_at: Any) -> Any:
        return lambda _: self.version

    def planned_staff(self, month: str, store_id: UUID | None, known_at: Any) -> list[UUID]:
        return []

    def approved_scores(self, month: str, store_id: UUID | None) -> dict[UUID, Decimal]:
        return {}

    def reversals(self, store_id: UUID | None, after: Any, until: Any) -> list[Reversal]:
        return []

    def survey_changes(self, store_id: UUID | None, after: Any, until: Any) -> list[Any]:
        return []

    def period_surveys(self, month: str, store_id: UUID | None, known_at: Any) -> tuple[Any, ...]:
        return self.facts.surveys

    def _periods(self) -> list[PayPeriod]:
        opened = self.app.recorder.select_notifications(1, 10_000, topics=[OPENED_TOPIC])
        return [
            self.app.repository.get(self.app.mapper.to_domain_event(n).originator_id)
            for n in opened
        ]

    def periods(self) -> list[PeriodRef]:
        return [
            PeriodRef(p.id, p.store_id, p.month, p.status.value, p.known_at, p.protection_days)
            for p in self._periods()
        ]

    def paid_lines(self, deal_ids: Any) -> list[PaidLine]:
        return []


FINANCE = Principal(user_id="finance", role=Role.FINANCE, username="finance")
ADMIN = Principal(user_id="admin", role=Role.ADMIN, username="admin")


@dataclass
class Payrolls:
    payroll: Payroll
    store_id: UUID
    other_store_id: UUID
    seller: Principal
    manager: Principal


@pytest.fixture
def pay() -> Payrolls:
    app = Showroom(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    org = Organisation(app)
    store = org.open_store(ADMIN, "Pudong BYD", "Shanghai", ["BYD"]).id
    other = org.open_store(ADMIN, "Tianhe BYD", "Guangzhou", ["BYD"]).id
    seller = org.hire_staff(ADMIN, store, "Chen Jie", "salesperson").id
    manager = org.hire_staff(ADMIN, store, "Wu Lan", "store_manager").id
    facts = PeriodFacts(
        month="2026-05",
        store_id=store,
        credits=(replace(credit(1), salesperson_id=seller, store_id=store),),
    )
    views = InMemoryPayrollViews(app, facts, plan({"type": "per_unit", "key": "u", "new": "500"}))
    return Payrolls(
        Payroll(app, views),
        store,
        other,
        Principal("u-seller", Role.SALESPERSON, store, seller, "chen"),
        Principal("u-manager", Role.STORE_MANAGER, store, manager, "wu"),
    )


def approved_period(pay: Payrolls, month: str) -> UUID:
    ident = pay.payroll.open_period(FINANCE, pay.store_id, month).id
    pay.payroll.close_period(FINANCE, ident)
    approve(pay.payroll, ident)
    return ident


def test_an_approved_period_pays_the_plan_on_its_facts(pay: Payrolls) -> None:
    ident = approved_period(pay, "2026-05")

    record = pay.payroll.statement(pay.seller, ident, pay.seller.staff_id or SELLER)

    assert Decimal(record["total"]) == Decimal("500.00")
    assert pay.payroll.verify(FINANCE, ident).equal


def test_periods_of_a_store_are_approved_in_month_order(pay: Payrolls) -> None:
    may = pay.payroll.open_period(FINANCE, pay.store_id, "2026-05").id
    june = pay.payroll.open_period(FINANCE, pay.store_id, "2026-06").id
    pay.payroll.close_period(FINANCE, may)
    pay.payroll.close_period(FINANCE, june)

    with pytest.raises(PayPeriodOrderError):
        approve(pay.payroll, june)


def test_a_month_before_an_approved_one_cannot_be_opened(pay: Payrolls) -> None:
    approved_period(pay, "2026-06")

    with pytest.raises(PayPeriodOrderError):
        pay.payroll.open_period(FINANCE, pay.store_id, "2026-05")


def test_a_store_month_the_group_already_pays_cannot_be_opened(pay: Payrolls) -> None:
    pay.payroll.open_period(FINANCE, None, "2026-05")

    with pytest.raises(PayPeriodOverlapError):
        pay.payroll.open_period(FINANCE, pay.store_id, "2026-05")


def test_only_finance_requests_an_approval_and_a_store_manager_never_confirms_one(
    pay: Payrolls,
) -> None:
    ident = pay.payroll.open_period(FINANCE, pay.store_id, "2026-05").id
    pay.payroll.close_period(pay.manager, ident)

    with pytest.raises(PermissionDeniedError):
        pay.payroll.request_approval(ADMIN, ident)
    with pytest.raises(PermissionDeniedError):
        pay.payroll.request_approval(pay.manager, ident)
    pay.payroll.request_approval(FINANCE, ident)
    with pytest.raises(PermissionDeniedError):
        pay.payroll.confirm_approval(pay.manager, ident)


def test_a_store_manager_cannot_open_another_stores_period(pay: Payrolls) -> None:
    with pytest.raises(PermissionDeniedError):
        pay.payroll.open_period(pay.manager, pay.other_store_id, "2026-05")


def test_an_approved_periods_dispute_adjustment_needs_an_open_later_period(pay: Payrolls) -> None:
    ident = approved_period(pay, "2026-05")
    pay.payroll.raise_dispute(pay.seller, ident, 1, "that car was mine alone")
    [dispute] = pay.payroll.get_period(pay.manager, ident).disputes

    with pytest.raises(NoOpenPeriodError):
        pay.payroll.resolve_dispute(pay.manager, ident, dispute, "agreed", "100")


def test_a_salesperson_cannot_dispute_a_line_they_do_not_have(pay: Payrolls) -> None:
    ident = approved_period(pay, "2026-05")

    with pytest.raises(NotFoundError):
        pay.payroll.raise_dispute(pay.seller, ident, 9, "no such line")


def test_a_store_period_opened_under_rule_1_counts_its_own_stores_units_and_still_verifies(
    pay: Payrolls,
) -> None:
    # ¥100 a unit from the first, ¥300 a unit for everyone from the fifth (retroactive); the
    # seller delivers two cars at one store, then three at the other after a transfer
    app = pay.payroll.app
    tiers = plan(
        {
            "type": "volume_tiers",
            "key": "tiers",
            "mode": "retroactive",
            "tiers": [{"threshold": "1", "amount": "100"}, {"threshold": "5", "amount": "300"}],
        }
    )
    seller = pay.seller.staff_id or SELLER
    credits = tuple(
        replace(credit(n, person=seller, day=n), store_id=pay.store_id) for n in (1, 2)
    ) + tuple(
        replace(credit(n, person=seller, day=10 + n), store_id=pay.other_store_id)
        for n in (3, 4, 5)
    )
    views = InMemoryPayrollViews(app, PeriodFacts("2026-05", None, credits), tiers)
    payroll = Payroll(app, views)
    stores = (pay.store_id, pay.other_store_id)
    for store in stores:
        app.save(
            PayPeriod(
                store_id=store,
                month="2026-05",
                protection_days=90,
                occurred_at=MAY,
                pay_rule=STORE_ALONE_RULE,
            )
        )

    for store in stores:
        payroll.close_period(FINANCE, period_id(store, "2026-05"))
        approve(payroll, period_id(store, "2026-05"))

    totals = [
        Decimal(payroll.statement(FINANCE, period_id(store, "2026-05"), seller)["total"])
        for store in stores
    ]
    # 2 × ¥100 + 3 × ¥100 = ¥500: each store counts its own units (rule 2 pays ¥600 + ¥900)
    assert totals == [Decimal("200.00"), Decimal("300.00")]
    assert all(payroll.verify(FINANCE, period_id(store, "2026-05")).equal for store in stores)
