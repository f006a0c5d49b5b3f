"""Auto-finance service: loan applications on deals and the lenders' answers to them.

Anyone who may write the deal (its salesperson, the store's manager or team leader, admin)
submits an application and records the lender's answer as it comes in (the F&I desk). An
integration that receives answers from a lender records them as the system, through the same
commands: an answer carrying a lender reference already applied is applied once.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from domain.app import Showroom, Written
from domain.finance.errors import LoanAlreadyFundedError, LoanDealNotFinanceableError
from domain.finance.model import LoanApplication
from domain.sales.model import BEFORE_DELIVERY, Deal
from domain.shared.access import FLOOR_WRITERS, ensure_floor_write, ensure_readable, ensure_role
from domain.shared.actor import Principal, Role, acting_as
from domain.shared.clock import aware


class Finance:
    """Loan applications: submit, the lender's approval, decline or funding, withdrawal."""

    def __init__(self, app: Showroom) -> None:
        self.app = app

    def submit(
        self,
        actor: Principal,
        deal_id: UUID,
        lender: str,
        amount: Decimal | int | str,
        term_months: int | str,
        down_payment: Decimal | int | str,
        rate: Decimal | int | str,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Send a loan application to a lender for a deal not yet delivered."""
        with acting_as(actor):
            ensure_role(actor, *FLOOR_WRITERS)
            deal = self.app.load(
                Deal,
                deal_id,
                "deal",
                scope=lambda d: ensure_floor_write(
                    actor, "deal", deal_id, d.store_id, d.salesperson_id
                ),
            )
            if deal.status not in BEFORE_DELIVERY:
                raise LoanDealNotFinanceableError(
                    f"deal {deal_id} is {deal.status.value}: a loan is applied for before delivery"
                )
            application = LoanApplication.submit(
                deal.id,
                deal.store_id,
                deal.salesperson_id,
                lender,
                amount,
                term_months,
                down_payment,
                rate,
                occurred_at=aware(occurred_at),
            )
            return self.app.written(application)

    def approve(
        self,
        actor: Principal,
        application_id: UUID,
        conditions: str = "",
        lender_reference: str | None = None,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Record the lender's approval, with its conditions."""
        with acting_as(actor):
            application = self._writable(actor, application_id, None)
            # A repeated answer is recognised before the version: its copy carries the
            # version the first one was sent against.
            if application.already_applied("approve", lender_reference):
                return self._unchanged(application)
            self.app.at_version(application, expected_version)
            application.approve(conditions, lender_reference, occurred_at=aware(occurred_at))
            return self.app.written(application)

    def decline(
        self,
        actor: Principal,
        application_id: UUID,
        reason: str,
        lender_reference: str | None = None,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Record the lender's refusal; on a contracted deal the store's manager is told."""
        with acting_as(actor):
            application = self._writable(actor, application_id, None)
            # A repeated answer is recognised before the version: its copy carries the
            # version the first one was sent against.
            if application.already_applied("decline", lender_reference):
                return self._unchanged(application)
            self.app.at_version(application, expected_version)
            deal = self.app.load(Deal, application.deal_id, "deal")
            application.decline(
                reason, lender_reference, deal.status.value, occurred_at=aware(occurred_at)
            )
            return self.app.written(application)

    def fund(
        self,
        actor: Principal,
        application_id: UUID,
        income: Decimal | int | str,
        income_basis: str = "reserve",
        lender_reference: str | None = None,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Record the funding: the dealer's income becomes the deal's finance product (F&I
        income) in the same save. One finance contract per deal."""
        with acting_as(actor):
            application = self._writable(actor, application_id, None)
            # A repeated answer is recognised before the version: its copy carries the
            # version the first one was sent against.
            if application.already_applied("fund", lender_reference):
                return self._unchanged(application)
            self.app.at_version(application, expected_version)
            when = aware(occurred_at)
            application.fund(income, income_basis, lender_reference, occurred_at=when)
            deal = self.app.load(Deal, application.deal_id, "deal")
            if deal.financed:
                raise LoanAlreadyFundedError(
                    f"deal {deal.id} already has a finance contract: cancel it first"
                )
            if application.income is None:  # set by the funding just recorded
                raise LoanAlreadyFundedError(f"application {application_id} has no income")
            deal.add_funded_loan(
                application.id,
                application.lender,
                application.amount,
                application.income,
                occurred_at=when,
            )
            return self.app.written(application, deal)

    def withdraw(
        self,
        actor: Principal,
        application_id: UUID,
        reason: str,
        expected_version: int | None = None,
        occurred_at: datetime | None = None,
    ) -> Written:
        """Withdraw an application still waiting for the lender or approved but not funded."""
        with acting_as(actor):
            application = self._writable(actor, application_id, expected_version)
            application.withdraw(reason, occurred_at=aware(occurred_at))
            return self.app.written(application)

    def get(self, actor: Principal, application_id: UUID) -> LoanApplication:
        """The application, if the actor may read its deal (a co-credited salesperson too)."""
        with acting_as(actor):
            application = self.app.load(LoanApplication, application_id, "loan application")
            deal = self.app.load(Deal, application.deal_id, "deal")
            if not (actor.role is Role.SALESPERSON and deal.is_credited_to(actor.staff_id)):
                ensure_readable(
                    actor,
                    "loan application",
                    application_id,
                    application.store_id,
                    application.salesperson_id,
                )
            return application

    # --- helpers ------------------------------------------------------------------------------

    def _writable(
        self, actor: Principal, application_id: UUID, expected_version: int | None
    ) -> LoanApplication:
        # Role before state: a role that may never do this gets 403 whether the id exists or not.
        ensure_role(actor, *FLOOR_WRITERS)
        return self.app.load(
            LoanApplication,
            application_id,
            "loan application",
            expected_version,
            scope=lambda a: ensure_floor_write(
                actor, "loan application", application_id, a.store_id, a.salesperson_id
            ),
        )

    def _unchanged(self, application: LoanApplication) -> Written:
        """An answer applied before: nothing written, the application as it stands."""
        return Written(id=application.id, version=application.version, position=self.app.position())
