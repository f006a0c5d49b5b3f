"""Loan applications: Given/When/Then on the aggregate, a replay property, the lifecycle as a
state machine, and the service (funding puts the dealer's income on the deal)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from domain.finance.errors import (
    LoanAlreadyFundedError,
    LoanDealNotFinanceableError,
    LoanReferenceReusedError,
    LoanTermsError,
)
from domain.finance.model import LoanApplication, LoanStatus
from domain.finance.service import Finance
from domain.sales.model import Deal, ProductKind
from domain.shared.actor import SYSTEM
from domain.shared.errors import (
    DomainError,
    IllegalTransitionError,
    InvalidValueError,
    NotFoundError,
    PermissionDeniedError,
)
from tests.unit.builders import AUDITOR, MONDAY, Group, at, group, new_app, new_events, state

DEAL, STORE, SELLER = uuid4(), uuid4(), uuid4()


def submitted() -> LoanApplication:
    application = LoanApplication.submit(
        DEAL, STORE, SELLER, "BYD Auto Finance", "150000", 36, "60000", "4.5", MONDAY
    )
    new_events(application)
    return application


def approved() -> LoanApplication:
    application = submitted()
    application.approve("proof of income", "BAF-1", at(hours=2))
    new_events(application)
    return application


def declined() -> LoanApplication:
    application = submitted()
    application.decline("income too low", "BAF-1", "contracted", at(hours=2))
    new_events(application)
    return application


def funded() -> LoanApplication:
    application = approved()
    application.fund("3000", "reserve", "BAF-2", at(days=1))
    new_events(application)
    return application


def withdrawn() -> LoanApplication:
    application = submitted()
    application.withdraw("customer pays cash", at(hours=1))
    new_events(application)
    return application


Build = Callable[[], LoanApplication]


# --- given / when / then ------------------------------------------------------------------------


def test_submitting_records_lender_amount_term_down_payment_and_rate() -> None:
    application = LoanApplication.submit(
        DEAL, STORE, SELLER, " BYD Auto Finance ", "150000", "36", "60000", "4.5", MONDAY
    )

    [event] = new_events(application)
    assert isinstance(event, LoanApplication.Submitted)
    assert (event.deal_id, event.store_id, event.salesperson_id) == (DEAL, STORE, SELLER)
    assert (event.lender, event.amount, event.term_months) == (
        "BYD Auto Finance",
        Decimal("150000.00"),
        36,
    )
    assert (event.down_payment, event.rate) == (Decimal("60000.00"), Decimal("4.500"))
    assert application.status is LoanStatus.SUBMITTED


@pytest.mark.parametrize(
    ("amount", "term", "down", "rate"),
    [
        ("0", 36, "0", "4"),
        ("-1", 36, "0", "4"),
        ("100000", 0, "0", "4"),
        ("100000", 121, "0", "4"),
        ("100000", "three", "0", "4"),
        ("100000", 36, "-5", "4"),
        ("100000", 36, "0", "-1"),
        ("100000", 36, "0", "36.5"),
        ("100000", 36, "0", "4.1234"),
        ("100000", 36, "0", 4.5),
        ("100000", 36, "0", "NaN"),
    ],
)
def test_terms_out_of_range_are_refused(amount: str, term: object, down: str, rate: object) -> None:
    with pytest.raises(LoanTermsError):
        LoanApplication.submit(DEAL, STORE, SELLER, "Lender", amount, term, down, rate, MONDAY)  # type: ignore[arg-type]


def test_an_application_needs_a_lender() -> None:
    with pytest.raises(InvalidValueError):
        LoanApplication.submit(DEAL, STORE, SELLER, "  ", "1000", 12, "0", "3", MONDAY)


def test_an_approval_records_the_conditions_and_the_lenders_reference() -> None:
    application = submitted()

    application.approve("proof of income; 30 % down", "BAF-1", at(hours=2))

    [event] = new_events(application)
    assert isinstance(event, LoanApplication.Approved)
    assert (event.conditions, event.lender_reference) == ("proof of income; 30 % down", "BAF-1")
    assert application.status is LoanStatus.APPROVED


def test_a_decline_records_the_reason_and_the_deals_status() -> None:
    application = submitted()

    application.decline("income too low", None, "contracted", at(hours=2))

    [event] = new_events(application)
    assert isinstance(event, LoanApplication.Declined)
    assert (event.reason, event.deal_status, event.lender_reference) == (
        "income too low",
        "contracted",
        None,
    )


def test_an_approval_can_still_be_declined_by_the_lender() -> None:
    application = approved()

    application.decline("conditions not met", None, "contracted", at(days=1))

    assert application.status is LoanStatus.DECLINED


def test_funding_records_the_dealers_income_and_its_basis() -> None:
    application = approved()

    application.fund("3000", "participation", None, at(days=1))

    [event] = new_events(application)
    assert isinstance(event, LoanApplication.Funded)
    assert (event.income, event.income_basis) == (Decimal("3000.00"), "participation")
    assert application.status is LoanStatus.FUNDED


@pytest.mark.parametrize(
    ("income", "basis"), [("-1", "reserve"), ("150000.01", "reserve"), ("1", "bonus")]
)
def test_funding_income_must_be_within_the_loan_and_of_a_known_basis(
    income: str, basis: str
) -> None:
    with pytest.raises(LoanTermsError):
        approved().fund(income, basis, None, at(days=1))


@pytest.mark.parametrize(
    ("build", "command"),
    [
        (approved, "approve"),
        (declined, "approve"),
        (funded, "approve"),
        (withdrawn, "approve"),
        (declined, "decline"),
        (funded, "decline"),
        (withdrawn, "decline"),
        (submitted, "fund"),
        (declined, "fund"),
        (funded, "fund"),
        (declined, "withdraw"),
        (funded, "withdraw"),
        (withdrawn, "withdraw"),
    ],
)
def test_an_answer_out_of_turn_is_refused(build: Build, command: str) -> None:
    application = build()
    commands: dict[str, Callable[[], None]] = {
        "approve": lambda: application.approve("", None, at(days=3)),
        "decline": lambda: application.decline("no", None, "contracted", at(days=3)),
        "fund": lambda: application.fund("100", "reserve", None, at(days=3)),
        "withdraw": lambda: application.withdraw("no", at(days=3)),
    }

    with pytest.raises(IllegalTransitionError):
        commands[command]()


def test_an_answer_whose_reference_was_applied_is_recognised() -> None:
    application = approved()

    assert application.already_applied("approve", "BAF-1")
    assert not application.already_applied("approve", "BAF-9")
    assert not application.already_applied("approve", None)


def test_a_reference_that_answered_something_else_is_refused() -> None:
    application = approved()

    with pytest.raises(LoanReferenceReusedError):
        application.already_applied("decline", "BAF-1")


# --- replay -------------------------------------------------------------------------------------

_STEPS = st.lists(
    st.sampled_from(["approve", "decline", "fund", "withdraw"]), min_size=0, max_size=6
)


@settings(max_examples=60, deadline=None)
@given(
    steps=_STEPS,
    amount=st.integers(min_value=1, max_value=2_000_000),
    term=st.integers(min_value=1, max_value=120),
    rate=st.decimals(min_value=0, max_value=36, places=3),
)
def test_a_replayed_application_equals_the_live_one(
    steps: list[str], amount: int, term: int, rate: Decimal
) -> None:
    app = new_app()
    application = LoanApplication.submit(
        DEAL, STORE, SELLER, "Lender", amount, term, "0", rate, MONDAY
    )
    for n, step in enumerate(steps, start=1):
        try:
            if step == "approve":
                application.approve(f"condition {n}", f"ref-{n}", at(hours=n))
            elif step == "decline":
                application.decline("no", f"ref-{n}", "quoted", at(hours=n))
            elif step == "fund":
                application.fund(min(amount, 500), "reserve", f"ref-{n}", at(hours=n))
            else:
                application.withdraw("cash", at(hours=n))
        except DomainError:
            pass
    app.save(application)

    replayed: LoanApplication = app.repository.get(application.id)

    assert state(replayed) == state(application)


# --- the lifecycle as a state machine -----------------------------------------------------------


class LoanLifecycle(RuleBasedStateMachine):
    """Any sequence of answers, repeated or out of turn, against a reference model of the
    states: allowed steps move, others are refused, a repeated reference changes nothing."""

    def __init__(self) -> None:
        super().__init__()
        self.application = submitted()
        self.expected = LoanStatus.SUBMITTED
        self.applied: dict[str, str] = {}
        self.hour = 0

    def _answer(
        self,
        answer: str,
        reference: str | None,
        allowed: tuple[LoanStatus, ...],
        after: LoanStatus,
        act: Callable[[], None],
    ) -> None:
        self.hour += 1
        if reference is not None and reference in self.applied:
            if self.applied[reference] == answer:
                assert self.application.already_applied(answer, reference)
            else:
                with pytest.raises(LoanReferenceReusedError):
                    self.application.already_applied(answer, reference)
            return
        assert not self.application.already_applied(answer, reference)
        if self.expected in allowed:
            act()
            self.expected = after
            if reference is not None:
                self.applied[reference] = answer
        else:
            with pytest.raises(IllegalTransitionError):
                act()

    @rule(reference=st.sampled_from([None, "r1", "r2", "r3"]))
    def approve(self, reference: str | None) -> None:
        self._answer(
            "approve",
            reference,
            (LoanStatus.SUBMITTED,),
            LoanStatus.APPROVED,
            lambda: self.application.approve("cond", reference, at(hours=self.hour)),
        )

    @rule(reference=st.sampled_from([None, "r1", "r2", "r3"]))
    def decline(self, reference: str | None) -> None:
        self._answer(
            "decline",
            reference,
            (LoanStatus.SUBMITTED, LoanStatus.APPROVED),
            LoanStatus.DECLINED,
            lambda: self.application.decline("no", reference, "contracted", at(hours=self.hour)),
        )

    @rule(reference=st.sampled_from([None, "r1", "r2", "r3"]))
    def fund(self, reference: str | None) -> None:
        self._answer(
            "fund",
            reference,
            (LoanStatus.APPROVED,),
            LoanStatus.FUNDED,
            lambda: self.application.fund("100", "reserve", reference, at(hours=self.hour)),
        )

    @rule()
    def withdraw(self) -> None:
        self.hour += 1
        if self.expected in (LoanStatus.SUBMITTED, LoanStatus.APPROVED):
            self.application.withdraw("cash", at(hours=self.hour))
            self.expected = LoanStatus.WITHDRAWN
        else:
            with pytest.raises(IllegalTransitionError):
                self.application.withdraw("cash", at(hours=self.hour))

    @invariant()
    def status_matches_the_model(self) -> None:
        assert self.application.status is self.expected

    @precondition(lambda self: self.expected is LoanStatus.FUNDED)
    @invariant()
    def a_funded_loan_has_its_income(self) -> None:
        assert self.application.income == Decimal("100.00")


LoanLifecycle.TestCase.settings = settings(max_examples=60, stateful_step_count=12, deadline=None)
TestLoanLifecycle = LoanLifecycle.TestCase


# --- the service ---------------------------------------------------------------------------------


@pytest.fixture
def g() -> Group:
    return group()


def contracted_deal(g: Group, n: int = 1) -> UUID:
    deal_id = g.deal(n=n)
    g.sales.attach_vehicle(g.seller, deal_id, g.vehicle(n), occurred_at=at(hours=2))
    g.sales.quote_deal(g.seller, deal_id, "209800", "4800", occurred_at=at(hours=3))
    g.sales.sign_contract(g.seller, deal_id, occurred_at=at(hours=4))
    return deal_id


def submit(finance: Finance, g: Group, deal_id: UUID) -> UUID:
    return finance.submit(
        g.seller, deal_id, "BYD Auto Finance", "150000", 36, "55000", "4.5", at(hours=5)
    ).id


def test_funding_puts_the_dealers_income_on_the_deal_as_its_finance_contract(g: Group) -> None:
    finance = Finance(g.app)
    deal_id = contracted_deal(g)
    application_id = submit(finance, g, deal_id)
    finance.approve(g.manager, application_id, "proof of income", "BAF-1", occurred_at=at(hours=6))

    finance.fund(g.manager, application_id, "3200", "reserve", "BAF-2", occurred_at=at(days=1))

    deal = g.sales.get_deal(g.seller, deal_id)
    product = deal.products[application_id]
    assert (product.kind, product.provider, product.amount, product.income) == (
        ProductKind.FINANCE,
        "BYD Auto Finance",
        Decimal("150000.00"),
        Decimal("3200.00"),
    )
    assert deal.back_gross == Decimal("3200.00")


def test_a_funding_that_arrives_twice_from_the_lender_is_applied_once(g: Group) -> None:
    finance = Finance(g.app)
    deal_id = contracted_deal(g)
    application_id = submit(finance, g, deal_id)
    finance.approve(SYSTEM, application_id, "", "BAF-1", occurred_at=at(hours=6))
    first = finance.fund(SYSTEM, application_id, "3200", "reserve", "BAF-2", occurred_at=at(days=1))

    again = finance.fund(SYSTEM, application_id, "3200", "reserve", "BAF-2", occurred_at=at(days=1))

    assert again.version == first.version
    deal = g.sales.get_deal(g.seller, deal_id)
    assert deal.back_gross == Decimal("3200.00")


def test_a_deal_funds_one_finance_contract(g: Group) -> None:
    finance = Finance(g.app)
    deal_id = contracted_deal(g)
    first, second = submit(finance, g, deal_id), submit(finance, g, deal_id)
    for application_id in (first, second):
        finance.approve(g.manager, application_id, occurred_at=at(hours=6))
    finance.fund(g.manager, first, "3200", occurred_at=at(days=1))

    with pytest.raises(LoanAlreadyFundedError):
        finance.fund(g.manager, second, "1000", occurred_at=at(days=1))


def test_a_loan_on_a_deal_not_yet_contracted_is_applied_for_but_not_funded(g: Group) -> None:
    finance = Finance(g.app)
    deal_id = g.deal()
    application_id = submit(finance, g, deal_id)
    finance.approve(g.manager, application_id, occurred_at=at(hours=6))

    with pytest.raises(IllegalTransitionError):
        finance.fund(g.manager, application_id, "3200", occurred_at=at(days=1))


def test_a_delivered_deal_takes_no_new_application(g: Group) -> None:
    finance = Finance(g.app)
    deal_id = contracted_deal(g)
    g.sales.deliver_deal(g.seller, deal_id, occurred_at=at(days=1))

    with pytest.raises(LoanDealNotFinanceableError):
        submit(finance, g, deal_id)


def test_a_loan_funded_after_delivery_still_becomes_f_and_i_income(g: Group) -> None:
    finance = Finance(g.app)
    deal_id = contracted_deal(g)
    application_id = submit(finance, g, deal_id)
    finance.approve(g.manager, application_id, occurred_at=at(hours=6))
    g.sales.deliver_deal(g.seller, deal_id, occurred_at=at(days=1))

    finance.fund(g.manager, application_id, "2800", occurred_at=at(days=3))

    assert g.sales.get_deal(g.manager, deal_id).back_gross == Decimal("2800.00")


def test_another_salesperson_neither_submits_nor_answers(g: Group) -> None:
    finance = Finance(g.app)
    deal_id = contracted_deal(g)
    application_id = submit(finance, g, deal_id)

    with pytest.raises(NotFoundError):
        submit(finance, Group(**{**vars(g), "seller": g.colleague}), deal_id)
    with pytest.raises(NotFoundError):
        finance.approve(g.colleague, application_id)
    with pytest.raises(NotFoundError):
        finance.get(g.other_manager, application_id)


def test_a_read_only_role_is_refused_before_anything_is_loaded(g: Group) -> None:
    finance = Finance(g.app)

    with pytest.raises(PermissionDeniedError):
        finance.approve(AUDITOR, uuid4())
    with pytest.raises(PermissionDeniedError):
        finance.submit(AUDITOR, uuid4(), "L", "1", 1, "0", "1")


def test_a_decline_on_a_contracted_deal_records_that_the_deal_was_contracted(g: Group) -> None:
    finance = Finance(g.app)
    deal_id = contracted_deal(g)
    application_id = submit(finance, g, deal_id)

    finance.decline(g.seller, application_id, "income too low", occurred_at=at(hours=6))

    application = finance.get(g.manager, application_id)
    assert application.status is LoanStatus.DECLINED
    assert g.app.repository.get(application_id).decline_reason == "income too low"
    assert isinstance(g.app.repository.get(deal_id), Deal)
