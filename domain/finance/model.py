"""Auto-finance: a loan application on a deal, from submission to the lender's answer and funding.

    submitted ──approve (conditions)──▶ approved ──fund (dealer income)──▶ funded
        │   └──decline (reason)──▶ declined ◀──decline──┘
        └──withdraw──▶ withdrawn ◀──withdraw── approved

A lender's answer (approve, decline, fund) may carry the lender's own reference for it. An
answer whose reference this application has already applied is applied once: the second copy
changes nothing (a message redelivered by an integration, a button pressed twice). The same
reference on a different kind of answer is refused: it is not the same answer.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import event

from domain.finance.errors import LoanReferenceReusedError, LoanTermsError
from domain.shared import values
from domain.shared.aggregate import ShowroomAggregate
from domain.shared.errors import IllegalTransitionError, InvalidValueError

MAX_TERM_MONTHS = 120
MAX_RATE = Decimal("36")  # % a year: above it a rate is a typo (and usurious in China)
RATE_STEP = Decimal("0.001")


class LoanStatus(StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    DECLINED = "declined"
    FUNDED = "funded"
    WITHDRAWN = "withdrawn"


class IncomeBasis(StrEnum):
    """How the dealer earns on a funded loan: both become F&I income the same way."""

    RESERVE = "reserve"  # the spread between the buy rate and the customer's rate
    PARTICIPATION = "participation"  # a flat fee or share the lender pays per contract


OPEN = (LoanStatus.SUBMITTED, LoanStatus.APPROVED)
ANSWERABLE = {
    "approve": (LoanStatus.SUBMITTED,),
    "decline": OPEN,
    "fund": (LoanStatus.APPROVED,),
}


def _money(value: Decimal | int | str, field: str) -> Decimal:
    try:
        return values.money(value, field=field)
    except InvalidValueError as error:
        raise LoanTermsError(str(error)) from None


def loan_terms(
    lender: str,
    amount: Decimal | int | str,
    term_months: int | str,
    down_payment: Decimal | int | str,
    rate: Decimal | int | str,
) -> tuple[str, Decimal, int, Decimal, Decimal]:
    """The application's terms checked: lender named, amount > 0, 1–120 months, down payment
    ≥ 0, an annual rate in % between 0 and 36 with at most three decimals."""
    who = values.text(lender, "lender", max_length=100)
    loan = _money(amount, "amount")
    if loan <= 0:
        raise LoanTermsError("amount must be positive")
    if isinstance(term_months, bool) or not isinstance(term_months, int | str):
        raise LoanTermsError("term_months must be a whole number of months")
    try:
        months = int(term_months)
    except ValueError:
        raise LoanTermsError("term_months must be a whole number of months") from None
    if not 1 <= months <= MAX_TERM_MONTHS:
        raise LoanTermsError(f"term_months must be 1 to {MAX_TERM_MONTHS}")
    down = _money(down_payment, "down_payment")
    if isinstance(rate, float | bool):
        raise LoanTermsError("rate must be a decimal string, not a float")
    try:
        annual = Decimal(rate)
    except (InvalidOperation, ValueError, TypeError):
        raise LoanTermsError(f"rate is not a number: {rate!r}") from None
    if not annual.is_finite() or annual < 0 or annual > MAX_RATE:
        raise LoanTermsError(f"rate must be 0 to {MAX_RATE} (% a year)")
    if annual != annual.quantize(RATE_STEP):
        raise LoanTermsError("rate has more than three decimals")
    return who, loan, months, down, annual.quantize(RATE_STEP)


def _reference(value: str | None) -> str | None:
    if value is None:
        return None
    return values.text(value, "lender_reference", max_length=100, required=False) or None


class LoanApplication(ShowroomAggregate):
    """One loan application to one lender for one deal."""

    class Submitted(ShowroomAggregate.Created):
        deal_id: UUID
        store_id: UUID
        salesperson_id: UUID
        lender: str
        amount: Decimal
        term_months: int
        down_payment: Decimal
        rate: Decimal

    class Approved(ShowroomAggregate.Event):
        conditions: str
        lender_reference: str | None

    class Declined(ShowroomAggregate.Event):
        reason: str
        lender_reference: str | None
        deal_status: str  # the deal's status when the answer came: "contracted" alerts

    class Funded(ShowroomAggregate.Event):
        income: Decimal
        income_basis: str
        lender_reference: str | None

    class Withdrawn(ShowroomAggregate.Event):
        reason: str

    @classmethod
    def submit(
        cls,
        deal_id: UUID,
        store_id: UUID,
        salesperson_id: UUID,
        lender: str,
        amount: Decimal | int | str,
        term_months: int | str,
        down_payment: Decimal | int | str,
        rate: Decimal | int | str,
        occurred_at: datetime,
    ) -> LoanApplication:
        who, loan, months, down, annual = loan_terms(
            lender, amount, term_months, down_payment, rate
        )
        return cls(
            deal_id=deal_id,
            store_id=store_id,
            salesperson_id=salesperson_id,
            lender=who,
            amount=loan,
            term_months=months,
            down_payment=down,
            rate=annual,
            occurred_at=occurred_at,
        )

    @event(Submitted)
    def __init__(
        self,
        deal_id: UUID,
        store_id: UUID,
        salesperson_id: UUID,
        lender: str,
        amount: Decimal,
        term_months: int,
        down_payment: Decimal,
        rate: Decimal,
        occurred_at: datetime,
    ) -> None:
        self.deal_id, self.store_id, self.salesperson_id = deal_id, store_id, salesperson_id
        self.lender, self.amount, self.term_months = lender, amount, term_months
        self.down_payment, self.rate = down_payment, rate
        self.status = LoanStatus.SUBMITTED
        self.submitted_at = occurred_at
        self.conditions: str | None = None
        self.decline_reason: str | None = None
        self.withdraw_reason: str | None = None
        self.income: Decimal | None = None
        self.income_basis: IncomeBasis | None = None
        self.answered_at: datetime | None = None
        self.funded_at: datetime | None = None
        # lender reference → the answer it carried ("approve", "decline", "fund")
        self.references: dict[str, str] = {}

    # --- the lender's answers -----------------------------------------------------------------

    def already_applied(self, answer: str, lender_reference: str | None) -> bool:
        """True when this answer with this reference was applied before (apply it once);
        LoanReferenceReusedError when the reference came with another answer."""
        reference = _reference(lender_reference)
        if reference is None or reference not in self.references:
            return False
        if self.references[reference] != answer:
            raise LoanReferenceReusedError(
                f"lender reference {reference!r} already answered {self.references[reference]}",
                lender_reference=reference,
            )
        return True

    def _ensure(self, action: str, *allowed: LoanStatus) -> None:
        if self.status not in allowed:
            raise IllegalTransitionError("loan application", self.id, self.status.value, action)

    def approve(self, conditions: str, lender_reference: str | None, occurred_at: datetime) -> None:
        """The lender approves, with its conditions (proof of income, a larger down payment...)."""
        self._ensure("approve", *ANSWERABLE["approve"])
        self._approve(
            conditions=values.text(
                conditions, "conditions", max_length=1000, required=False, multiline=True
            ),
            lender_reference=_reference(lender_reference),
            occurred_at=occurred_at,
        )

    @event(Approved)
    def _approve(
        self, conditions: str, lender_reference: str | None, occurred_at: datetime
    ) -> None:
        self.status = LoanStatus.APPROVED
        self.conditions = conditions
        self.answered_at = occurred_at
        if lender_reference is not None:
            self.references[lender_reference] = "approve"

    def decline(
        self, reason: str, lender_reference: str | None, deal_status: str, occurred_at: datetime
    ) -> None:
        """The lender declines (before funding: an approval may be withdrawn by the lender)."""
        self._ensure("decline", *ANSWERABLE["decline"])
        self._decline(
            reason=values.text(reason, "reason", max_length=500),
            lender_reference=_reference(lender_reference),
            deal_status=deal_status,
            occurred_at=occurred_at,
        )

    @event(Declined)
    def _decline(
        self, reason: str, lender_reference: str | None, deal_status: str, occurred_at: datetime
    ) -> None:
        self.status = LoanStatus.DECLINED
        self.decline_reason = reason
        self.answered_at = occurred_at
        if lender_reference is not None:
            self.references[lender_reference] = "decline"

    def fund(
        self,
        income: Decimal | int | str,
        income_basis: str,
        lender_reference: str | None,
        occurred_at: datetime,
    ) -> None:
        """The lender pays the loan out; the dealer's reserve or participation is its income."""
        self._ensure("fund", *ANSWERABLE["fund"])
        earned = _money(income, "income")
        if earned > self.amount:
            raise LoanTermsError(f"income {earned} is more than the loan {self.amount}")
        try:
            basis = IncomeBasis(income_basis)
        except ValueError:
            allowed = ", ".join(b.value for b in IncomeBasis)
            raise LoanTermsError(f"income_basis must be one of {allowed}") from None
        self._fund(
            income=earned,
            income_basis=basis.value,
            lender_reference=_reference(lender_reference),
            occurred_at=occurred_at,
        )

    @event(Funded)
    def _fund(
        self,
        income: Decimal,
        income_basis: str,
        lender_reference: str | None,
        occurred_at: datetime,
    ) -> None:
        self.status = LoanStatus.FUNDED
        self.income = income
        self.income_basis = IncomeBasis(income_basis)
        self.funded_at = occurred_at
        if lender_reference is not None:
            self.references[lender_reference] = "fund"

    def withdraw(self, reason: str, occurred_at: datetime) -> None:
        """The dealer withdraws an application still open (the customer pays cash, another
        lender was chosen)."""
        self._ensure("withdraw", *OPEN)
        self._withdraw(
            reason=values.text(reason, "reason", max_length=500), occurred_at=occurred_at
        )

    @event(Withdrawn)
    def _withdraw(self, reason: str, occurred_at: datetime) -> None:
        self.status = LoanStatus.WITHDRAWN
        self.withdraw_reason = reason
