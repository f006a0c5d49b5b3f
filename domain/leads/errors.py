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


class LeadLossPendingError(DomainError):
    title = "Lead already waits for a loss approval"


class LeadLossNotPendingError(DomainError):
    title = "Lead has no loss waiting for approval"


class LeadSpotCheckRequiredError(DomainError):
    title = "A spot-check call is required before approving the loss"


class LeadLossCommentRequiredError(DomainError):
    title = "A rejected loss needs a comment"


class LeadNotLostError(DomainError):
    title = "Only a lost lead can be reopened"
