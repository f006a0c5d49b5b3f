"""Leads: capture, assignment, follow-up activities, appointments, loss."""

from __future__ import annotations

from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from fastapi import APIRouter

from api.deps import ActorDep, ConsistentDep, LeadsDep, PageDep, RuntimeDep
from api.schemas.common import PageOf, Written
from api.schemas.lead_dedup import CaptureWritten
from api.schemas.leads import (
    AppointmentOutcome,
    AppointmentWritten,
    AssignLead,
    CaptureLead,
    DueLeadLine,
    LeadLine,
    LeadOut,
    LogActivity,
    LoseLead,
    SetAppointment,
)
from domain.leads.model import Lead, LeadStatus, due_window
from domain.leads.origin import origin
from domain.shared.access import Reach, read_scope
from domain.shared.actor import Principal
from domain.shared.clock import DEFAULT_TIMEZONE, now
from projections.directory import queries as directory
from workers.runtime import Runtime

router = APIRouter(prefix="/leads", tags=["leads"])


def lead_out(lead: Lead) -> LeadOut:
    return LeadOut(
        id=lead.id,
        version=lead.version,
        store_id=lead.store_id,
        customer_id=lead.customer_id,
        channel=str(lead.channel),
        status=str(lead.status),
        salesperson_id=lead.salesperson_id,
        model_interest=lead.model_interest,
        note=lead.note,
        captured_at=lead.captured_at,
        first_response_at=lead.first_response_at,
        activities=lead.activities,
        appointment_id=lead.appointment_id,
        appointment_for=lead.appointment_for,
        appointment_purpose=None
        if lead.appointment_purpose is None
        else str(lead.appointment_purpose),
        appointments_shown=lead.appointments_shown,
        appointments_missed=lead.appointments_missed,
        deal_id=lead.deal_id,
        lost_reason=None if lead.lost_reason is None else str(lead.lost_reason),
        enquiries=lead.enquiries,
    )


@router.post("", status_code=201)
def capture_lead(body: CaptureLead, leads: LeadsDep, actor: ActorDep) -> CaptureWritten:
    """Capture a lead for a known customer or a name and phone (de-duplicated by phone).

    A salesperson's own capture is assigned to them; managers may assign at capture. The phone
    of a customer the caller may not see is a 409 "Customer already served" naming nobody: the
    enquiry goes to the customer's owner, or to their store's manager. A customer with an open
    lead at the store (the store's rule, docs/lead-dedup.md) gets the enquiry recorded on that
    lead: the answer is that lead, `outcome` "enquiry_recorded".
    """
    return CaptureWritten.of_capture(
        leads.capture_lead(
            actor,
            body.store_id,
            body.channel.value,
            customer_id=body.customer_id,
            customer_name=body.customer_name,
            customer_phone=body.customer_phone,
            model_interest=body.model_interest,
            note=body.note,
            salesperson_id=body.salesperson_id,
            occurred_at=body.occurred_at,
            origin=origin(
                None if body.source_kind is None else body.source_kind.value,
                body.source_name,
                body.campaign_id,
            ),
        )
    )


@router.get("")
def list_leads(
    runtime: RuntimeDep,
    actor: ActorDep,
    page: PageDep,
    _: ConsistentDep,
    store_id: UUID | None = None,
    status: LeadStatus | None = None,
) -> PageOf[LeadLine]:
    """Leads in the caller's scope, newest first."""
    result = directory.list_leads(
        runtime.db,
        scope=read_scope(actor, store_id=store_id, reach=Reach.OWN),
        status=None if status is None else status.value,
        limit=page.limit,
        offset=page.offset,
    )
    return PageOf.of(result, page.limit, page.offset)


def _zone(runtime: Runtime, actor: Principal) -> ZoneInfo:
    """The caller's store's time zone (its day), else the group's default."""
    if actor.store_id is None:
        return ZoneInfo(DEFAULT_TIMEZONE)
    return ZoneInfo(runtime.organisation.get_store(actor, actor.store_id).timezone)


@router.get("/due")
def list_due_leads(
    runtime: RuntimeDep,
    actor: ActorDep,
    page: PageDep,
    _: ConsistentDep,
    store_id: UUID | None = None,
) -> PageOf[DueLeadLine]:
    """Open leads in the caller's scope by what is due: new and unanswered first (oldest
    first), then appointments until the end of today in the caller's store (and past ones to
    mark shown or no-show), then follow-ups due today or overdue, then the rest."""
    day_ends, follow_up_by = due_window(now(), _zone(runtime, actor))
    result = directory.list_due_leads(
        runtime.db,
        scope=read_scope(actor, store_id=store_id, reach=Reach.OWN),
        day_ends=day_ends,
        follow_up_by=follow_up_by,
        limit=page.limit,
        offset=page.offset,
    )
    return PageOf.of(result, page.limit, page.offset)


@router.get("/{lead_id}")
def get_lead(lead_id: UUID, runtime: RuntimeDep, actor: ActorDep) -> LeadOut:
    """One lead with its follow-up state."""
    return lead_out(runtime.leads.get_lead(actor, lead_id))


@router.post("/{lead_id}/assignment", status_code=201)
def assign_lead(lead_id: UUID, body: AssignLead, leads: LeadsDep, actor: ActorDep) -> Written:
    """Assign or reassign the lead to a salesperson of its store (managers)."""
    return Written.of(
        leads.assign_lead(
            actor, lead_id, body.salesperson_id, body.expected_version, body.occurred_at
        )
    )


@router.post("/{lead_id}/activities", status_code=201)
def log_activity(lead_id: UUID, body: LogActivity, leads: LeadsDep, actor: ActorDep) -> Written:
    """Log a call, message, visit or test drive."""
    return Written.of(
        leads.log_activity(
            actor,
            lead_id,
            body.kind.value,
            body.outcome,
            body.note,
            body.automated,
            expected_version=body.expected_version,
            occurred_at=body.occurred_at,
        )
    )


@router.post("/{lead_id}/appointments", status_code=201)
def set_appointment(
    lead_id: UUID, body: SetAppointment, leads: LeadsDep, actor: ActorDep
) -> AppointmentWritten:
    """Book a visit or test drive; answers the appointment's id (for `/shown`, `/no-show`)."""
    appointment_id = body.appointment_id or uuid4()
    written = leads.set_appointment(
        actor,
        lead_id,
        body.scheduled_for,
        body.purpose.value,
        appointment_id=appointment_id,
        expected_version=body.expected_version,
        occurred_at=body.occurred_at,
    )
    return AppointmentWritten(
        id=written.id,
        version=written.version,
        position=written.position,
        appointment_id=appointment_id,
    )


@router.post("/{lead_id}/appointments/{appointment_id}/shown", status_code=201)
def mark_shown(
    lead_id: UUID,
    appointment_id: UUID,
    leads: LeadsDep,
    actor: ActorDep,
    body: AppointmentOutcome = AppointmentOutcome(),
) -> Written:
    """The customer came to the appointment."""
    return Written.of(
        leads.mark_shown(actor, lead_id, appointment_id, body.expected_version, body.occurred_at)
    )


@router.post("/{lead_id}/appointments/{appointment_id}/no-show", status_code=201)
def mark_no_show(
    lead_id: UUID,
    appointment_id: UUID,
    leads: LeadsDep,
    actor: ActorDep,
    body: AppointmentOutcome = AppointmentOutcome(),
) -> Written:
    """The customer missed the appointment."""
    return Written.of(
        leads.mark_no_show(actor, lead_id, appointment_id, body.expected_version, body.occurred_at)
    )


@router.post("/{lead_id}/loss", status_code=201)
def lose_lead(lead_id: UUID, body: LoseLead, leads: LeadsDep, actor: ActorDep) -> Written:
    """Close the lead as lost, with a reason."""
    return Written.of(
        leads.lose_lead(
            actor, lead_id, body.reason.value, body.note, body.expected_version, body.occurred_at
        )
    )
