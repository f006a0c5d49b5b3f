"""Errors of the auto-finance context (loan applications)."""

from __future__ import annotations

from domain.shared.errors import ConflictError, DomainError


class LoanTermsError(DomainError):
    title = "Loan terms not valid"


class LoanDealNotFinanceableError(DomainError):
    title = "Deal cannot take a loan application now"


class LoanAlreadyFundedError(ConflictError):
    title = "Deal already has a finance contract"


class LoanReferenceReusedError(ConflictError):
    title = "Lender reference already answered another step"
