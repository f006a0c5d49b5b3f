"""Errors of the leads context."""

from __future__ import annotations

from domain.shared.errors import DomainError


class LeadAlreadyAssignedError(DomainError):
    title = "Lead already assigned to this salesperson"


class LeadNotAssignedError(DomainError):
    title = "Lead has no salesperson"


class LeadActivityNotAutomatableError(DomainError):
    title = "Only calls and messages can be automated"


class LeadAppointmentPendingError(DomainError):
    title = "Lead already has a pending appointment"


class LeadAppointmentNotPendingError(DomainError):
    title = "Appointment is not the pending one"


class LeadAppointmentNotDueError(DomainError):
    title = "Appointment is not due yet"


class LeadLossNoteRequiredError(DomainError):
    title = "A lead lost for another reason needs a note"


class LeadCustomerMissingError(DomainError):
    title = "Lead needs a customer"


class LeadStoreClosedError(DomainError):
    title = "Store is closed"
