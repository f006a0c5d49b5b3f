"""Loan applications on deals and their answers (docs/finance-applications.md)."""
