"""Loan applications on deals: submit, the lender's approval, decline and funding, withdrawal;
a deal's applications and the loans declined on contracted deals (docs/finance-applications.md)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends

from api.deps import ActorDep, ConsistentDep, PageDep, RuntimeDep, SalesDep
from api.schemas.common import PageOf, Written
from api.schemas.loans import (
    ApproveLoan,
    DeclineLoan,
    FundLoan,
    LoanApplicationOut,
    SubmitLoan,
    WithdrawLoan,
)
from domain.finance.service import Finance
from domain.shared.access import Reach, read_scope
from projections.loan_applications import queries as loans

router = APIRouter(tags=["auto finance"])


async def _finance(runtime: RuntimeDep) -> Finance:
    return runtime.finance


FinanceDep = Annotated[Finance, Depends(_finance)]


@router.post("/deals/{deal_id}/loan-applications", status_code=201)
def submit_loan(deal_id: UUID, body: SubmitLoan, finance: FinanceDep, actor: ActorDep) -> Written:
    """Apply to a lender for a loan on a deal not yet delivered."""
    return Written.of(
        finance.submit(
            actor,
            deal_id,
            body.lender,
            body.amount,
            body.term_months,
            body.down_payment,
            body.rate,
            body.occurred_at,
        )
    )


@router.get("/deals/{deal_id}/loan-applications")
def deal_loans(
    deal_id: UUID, sales: SalesDep, runtime: RuntimeDep, actor: ActorDep, _: ConsistentDep
) -> list[LoanApplicationOut]:
    """The deal's loan applications, oldest first, for whoever may read the deal."""
    sales.get_deal(actor, deal_id)  # 404 outside the caller's scope
    return [LoanApplicationOut(**line) for line in loans.of_deal(runtime.db, deal_id)]


@router.get("/loan-applications/declined")
def declined_loans(
    runtime: RuntimeDep,
    actor: ActorDep,
    page: PageDep,
    _: ConsistentDep,
    store_id: UUID | None = None,
) -> PageOf[LoanApplicationOut]:
    """Loans declined while their deal stood contracted, newest first (a manager's list; a
    salesperson sees their own)."""
    result = loans.declined_on_contracts(
        runtime.db,
        scope=read_scope(actor, store_id=store_id, reach=Reach.OWN),
        limit=page.limit,
        offset=page.offset,
    )
    return PageOf.of(result, page.limit, page.offset)


@router.post("/loan-applications/{application_id}/approval", status_code=201)
def approve_loan(
    application_id: UUID, finance: FinanceDep, actor: ActorDep, body: ApproveLoan = ApproveLoan()
) -> Written:
    """Record the lender's approval and its conditions."""
    return Written.of(
        finance.approve(
            actor,
            application_id,
            body.conditions,
            body.lender_reference,
            body.expected_version,
            body.occurred_at,
        )
    )


@router.post("/loan-applications/{application_id}/decline", status_code=201)
def decline_loan(
    application_id: UUID, body: DeclineLoan, finance: FinanceDep, actor: ActorDep
) -> Written:
    """Record the lender's refusal (on a contracted deal the store's managers are told)."""
    return Written.of(
        finance.decline(
            actor,
            application_id,
            body.reason,
            body.lender_reference,
            body.expected_version,
            body.occurred_at,
        )
    )


@router.post("/loan-applications/{application_id}/funding", status_code=201)
def fund_loan(
    application_id: UUID, body: FundLoan, finance: FinanceDep, actor: ActorDep
) -> Written:
    """Record the funding: the dealer's income becomes the deal's finance product."""
    return Written.of(
        finance.fund(
            actor,
            application_id,
            body.income,
            body.income_basis.value,
            body.lender_reference,
            body.expected_version,
            body.occurred_at,
        )
    )


@router.post("/loan-applications/{application_id}/withdrawal", status_code=201)
def withdraw_loan(
    application_id: UUID, body: WithdrawLoan, finance: FinanceDep, actor: ActorDep
) -> Written:
    """Withdraw an application not yet funded."""
    return Written.of(
        finance.withdraw(
            actor, application_id, body.reason, body.expected_version, body.occurred_at
        )
    )
