"""The salesperson's floor, phone first: my day, quick capture, a lead, a customer.

Every read and write is the call the JSON routes make (api/routes/leads.py, customers.py),
with the signed-in principal: the services and the read scope decide what shows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.deps import ConsistentDep, RuntimeDep
from api.pages import people
from api.pages.forms import FormReader, read_form, run_command
from api.pages.i18n import N_
from api.pages.i18n import gettext as _
from api.pages.render import NavItem, render
from api.pages.routes import intake as intake_pages
from api.pages.routes import loss_words
from api.pages.session import PREFIX, PageActorDep
from api.routes.customers import customer_out
from api.routes.leads import lead_out
from domain.crm.errors import CustomerAlreadyServedError
from domain.crm.model import ConsentChannel
from domain.leads.errors import (
    LeadAppointmentNotDueError,
    LeadAppointmentPendingError,
    LeadNotAssignedError,
)
from domain.leads.model import ActivityKind, AppointmentPurpose, Lead, LossReason, due_window
from domain.shared.access import SALES_FLOOR, Reach, read_scope
from domain.shared.actor import Principal
from domain.shared.clock import now
from domain.shared.errors import DomainError, NotFoundError
from domain.shared.values import Channel
from projections.directory import queries as directory
from workers.runtime import Runtime

router = APIRouter(prefix=PREFIX, include_in_schema=False)
NAV = [
    NavItem(PREFIX + "/my-day", N_("My day"), SALES_FLOOR, order=1),
    NavItem(PREFIX + "/leads/new", N_("New lead"), SALES_FLOOR, order=2),
    NavItem(PREFIX + "/customers", N_("My customers"), SALES_FLOOR, order=3),
]

PAGE_SIZE = 30

CHANNELS = {
    Channel.WALK_IN: N_("Walk-in"),
    Channel.PHONE: N_("Phone"),
    Channel.WEBSITE: N_("Website"),
    Channel.MARKETPLACE: N_("Marketplace"),
    Channel.REFERRAL: N_("Referral"),
    Channel.CAMPAIGN: N_("Campaign"),
}
ACTIVITIES = {
    ActivityKind.CALL: N_("Call"),
    ActivityKind.MESSAGE: N_("Message"),
    ActivityKind.VISIT: N_("Visit"),
    ActivityKind.TEST_DRIVE: N_("Test drive"),
}
PURPOSES = {AppointmentPurpose.VISIT: N_("Visit"), AppointmentPurpose.TEST_DRIVE: N_("Test drive")}
REASONS = {
    LossReason.PRICE: N_("Price"),
    LossReason.COMPETITOR: N_("Went to a competitor"),
    LossReason.FINANCING: N_("Financing"),
    LossReason.NO_RESPONSE: N_("No response"),
    LossReason.BOUGHT_ELSEWHERE: N_("Bought elsewhere"),
    LossReason.NOT_INTERESTED: N_("Not interested"),
    LossReason.OTHER: N_("Other (say why)"),
}
CONSENTS = {
    ConsentChannel.CALL: N_("Phone calls"),
    ConsentChannel.SMS: N_("Text messages"),
    ConsentChannel.WECHAT: N_("WeChat"),
    ConsentChannel.EMAIL: N_("Email"),
}
STATUSES = {
    "open": N_("Open"),
    "converted": N_("Converted"),
    "lost": N_("Lost"),
    "pending_loss": N_("Loss awaiting approval"),
    "quoted": N_("Quoted"),
    "contracted": N_("Contracted"),
    "delivered": N_("Delivered"),
    "unwound": N_("Unwound"),
    "cancelled": N_("Cancelled"),
}
DUE = {
    "new": N_("New, not answered yet"),
    "appointment": N_("Appointments today"),
    "follow_up": N_("Follow-ups due"),
    "later": N_("Later"),
}
LABELS = {
    "channels": CHANNELS,
    "activities": ACTIVITIES,
    "purposes": PURPOSES,
    "reasons": REASONS,
    "consents": CONSENTS,
    "statuses": STATUSES,
    "due_labels": DUE,
}


def _offset(offset: int) -> int:
    return max(0, min(offset, 10**6))


# --- my day -----------------------------------------------------------------------------------


def _ago(moment: datetime | None, at: datetime) -> dict[str, int] | None:
    """How long ago, in the largest whole unit (for "5 min ago", "3 h ago", "2 d ago")."""
    if moment is None:
        return None
    seconds = max(0, int((at - moment).total_seconds()))
    if seconds < 3600:
        return {"minutes": seconds // 60}
    if seconds < 86400:
        return {"hours": seconds // 3600}
    return {"days": seconds // 86400}


@router.get("/my-day")
def my_day(
    request: Request, runtime: RuntimeDep, actor: PageActorDep, _: ConsistentDep, offset: int = 0
) -> Response:
    """Open leads by what is due: new and unanswered, today's appointments, follow-ups."""
    at = now()
    day_ends, follow_up_by = due_window(at, ZoneInfo(request.state.zone))
    result = directory.list_due_leads(  # as GET /leads/due
        runtime.db,
        scope=read_scope(actor, reach=Reach.OWN),
        day_ends=day_ends,
        follow_up_by=follow_up_by,
        limit=PAGE_SIZE,
        offset=_offset(offset),
    )
    for line in result["items"]:
        line["ago"] = _ago(line["captured_at"], at)
    # Whose lead it is, where it is not the reader's own (a manager's store-wide day).
    staff = people.everyone(runtime, actor)
    names = {person["id"]: person["name"] for person in staff if person["id"] != actor.staff_id}
    context = {
        **LABELS,
        "page": result,
        "names": names,
        "offset": _offset(offset),
        "limit": PAGE_SIZE,
    }
    return render(request, "floor/my_day.html", context, actor=actor)


# --- quick capture ----------------------------------------------------------------------------

CAPTURE_FIELDS: tuple[str, ...] = (
    "customer_name",
    "customer_phone",
    "model_interest",
    "channel",
    "store_id",
)
CAPTURE_FIELDS += ("source_kind", "source_name", "campaign_id")


def _stores(runtime: Runtime, actor: Principal) -> list[dict[str, Any]]:
    """Stores a capture may go to: only a login without a store (an admin) chooses."""
    if actor.store_id is not None:
        return []
    found = directory.list_stores(runtime.db, active=True, limit=100, scope=read_scope(actor))
    return list(found["items"])


def _capture_page(
    request: Request, runtime: Runtime, actor: Principal, status: int = 200, **extra: Any
) -> Response:
    context = {**LABELS, "stores": _stores(runtime, actor), "channel": "walk_in", **extra}
    context.update(intake_pages.capture_choices(runtime, actor))  # source and campaign
    return render(request, "floor/capture.html", context, actor=actor, status=status)


@router.get("/leads/new")
def capture_form(
    request: Request, runtime: RuntimeDep, actor: PageActorDep, channel: str = "walk_in"
) -> Response:
    """The capture form, its channel preselected (walk-in, or ?channel=phone for a call)."""
    chosen = channel if channel in CHANNELS else Channel.WALK_IN.value
    return _capture_page(request, runtime, actor, channel=chosen)


@router.post("/leads/new")
async def capture(request: Request, runtime: RuntimeDep, actor: PageActorDep) -> Response:
    """Capture a walk-in or phone lead: the customer is found by phone or registered."""
    form = await read_form(request)
    name = form.text("customer_name")
    phone = form.phone("customer_phone")
    model = form.text("model_interest", required=False, max_length=100)
    channel = form.choice("channel", [c.value for c in Channel])
    store_id = actor.store_id or form.uuid("store_id")
    source = intake_pages.capture_origin(form)
    if not form.ok or store_id is None:
        return _capture_page(request, runtime, actor, 422, errors=form.errors, values=form.values)
    return await run_command(
        request,
        actor.user_id,
        form,
        write=lambda: runtime.leads.capture_lead(
            actor,
            store_id,
            channel,
            customer_name=name,
            customer_phone=phone,
            model_interest=model or None,
            origin=source,
        ),
        then=lambda written: (
            f"{PREFIX}/leads/{written.id}"
            + ("?enquiry=1" if getattr(written, "recorded_as_enquiry", False) else "")
        ),
        again=lambda errors, form_error: _capture_page(
            request,
            runtime,
            actor,
            422,
            errors=errors,
            form_error=form_error,
            values=form.values,
        ),
        fields=CAPTURE_FIELDS,
        words=_in_floor_words,
    )


# Refusals a salesperson meets on the floor, said in their words (the service's detail names
# ids and times in English).
PLAIN_REFUSALS: dict[type[DomainError], str] = {
    LeadAppointmentNotDueError: N_("Not yet time for the appointment: mark a no-show after it."),
    LeadAppointmentPendingError: N_("An appointment is already pending: mark it first."),
    LeadNotAssignedError: N_("This lead has no salesperson yet: ask your manager to assign it."),
    CustomerAlreadyServedError: N_(
        "This customer is already served by another salesperson;"
        " the enquiry was passed on to them or their manager."
    ),
}


def _in_floor_words(cause: DomainError) -> str | None:
    """A refusal the floor knows, in its words (None: the service's message)."""
    plain = PLAIN_REFUSALS.get(type(cause))
    return None if plain is None else _(plain)


# --- a lead -----------------------------------------------------------------------------------


def _entry(event: Any) -> dict[str, Any]:
    """One line of a lead's timeline: what happened (a message id and its values), a note."""
    kind = type(event).__name__
    entry: dict[str, Any] = {"at": event.occurred_at, "args": {}, "note": None, "deal_id": None}
    if isinstance(event, Lead.Captured):
        entry["label"] = N_("Captured (%(channel)s)")
        entry["args"] = {"channel": CHANNELS.get(Channel(event.channel), event.channel)}
        entry["note"] = event.note
    elif isinstance(event, Lead.Assigned):
        entry["label"] = N_("Assigned") if event.previous_id is None else N_("Reassigned")
    elif isinstance(event, Lead.ActivityLogged):
        entry["label"] = N_("%(activity)s (automatic)") if event.automated else N_("%(activity)s")
        entry["args"] = {"activity": ACTIVITIES.get(ActivityKind(event.kind), event.kind)}
        entry["note"] = " · ".join(x for x in (event.outcome, event.note) if x) or None
    elif isinstance(event, Lead.AppointmentSet):
        entry["label"] = N_("%(purpose)s booked")
        entry["args"] = {"purpose": PURPOSES.get(AppointmentPurpose(event.purpose), "")}
        entry["booked_for"] = event.scheduled_for
    elif isinstance(event, Lead.AppointmentShown):
        entry["label"] = N_("Customer came to the appointment")
    elif isinstance(event, Lead.AppointmentMissed):
        entry["label"] = N_("Customer did not come (no-show)")
    elif isinstance(event, Lead.Converted):
        entry["label"] = N_("Deal opened")
        entry["deal_id"] = event.deal_id
    elif isinstance(event, Lead.Lost):
        entry["label"] = N_("Lost: %(reason)s")
        entry["args"] = {"reason": REASONS.get(LossReason(event.reason), event.reason)}
        entry["note"] = event.note
    elif isinstance(event, Lead.EnquiryRecorded):
        # A further enquiry of the customer, recorded here instead of a second lead.
        entry["label"] = N_("Enquiry again (%(channel)s)")
        entry["args"] = {"channel": CHANNELS.get(Channel(event.channel), event.channel)}
        detail = (event.source, event.model_interest, event.note)
        entry["note"] = " · ".join(x for x in detail if x) or None
    elif (loss := loss_words.timeline_entry(event)) is not None:
        entry.update(loss)
    elif isinstance(event, Lead.RoutingRequested):
        # The SLA's second limit (or a manager) asked the routing rules for a new owner.
        entry["label"] = N_("Sent back to routing")
        entry["note"] = event.reason
    else:
        entry["label"] = kind
    return entry


def _lead_page(
    request: Request,
    runtime: Runtime,
    actor: Principal,
    lead_id: UUID,
    status: int = 200,
    **extra: Any,
) -> Response:
    lead, events = runtime.leads.get_timeline(actor, lead_id)
    try:
        customer = customer_out(
            runtime.crm.get_customer(actor, lead.customer_id), read_scope(actor)
        )
    except NotFoundError:
        customer = None  # the lead was handed over; the customer stays with their owner
    timeline = [_entry(event) for event in reversed(events)]
    context = {
        **LABELS,
        "lead": lead_out(lead),
        "customer": customer,
        "timeline": timeline,
        "failed": None,
        **extra,
    }
    return render(request, "floor/lead.html", context, actor=actor, status=status)


@router.get("/leads/{lead_id}")
def lead_page(
    lead_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep, _: ConsistentDep
) -> Response:
    """The lead: its timeline, and what the salesperson does next."""
    return _lead_page(request, runtime, actor, lead_id)


async def _lead_write(
    request: Request,
    runtime: Runtime,
    actor: Principal,
    lead_id: UUID,
    form: FormReader,
    failed: str,
    write: Any,
    fields: tuple[str, ...],
) -> Response:
    """Write once, back to the lead; a refusal shows in the form that sent it."""
    return await run_command(
        request,
        actor.user_id,
        form,
        write=write,
        then=lambda _written: f"{PREFIX}/leads/{lead_id}",
        again=lambda errors, form_error: _lead_page(
            request,
            runtime,
            actor,
            lead_id,
            422,
            failed=failed,
            errors=errors,
            form_error=form_error,
            values=form.values,
        ),
        fields=fields,
        words=_in_floor_words,
    )


@router.post("/leads/{lead_id}/activities")
async def log_activity(
    lead_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    """Log a call, message, visit or test drive in one tap, with an optional note."""
    form = await read_form(request)
    kind = form.choice("kind", [k.value for k in ActivityKind])
    note = form.text("note", required=False, max_length=1000)
    # Entered later than it happened: the time it happened (business time), else now.
    occurred_at = form.moment("occurred_at", request.state.zone, required=False)
    if occurred_at is not None and occurred_at > now():
        form.errors["occurred_at"] = _("Enter a time that has already passed.")
    return await _lead_write(
        request,
        runtime,
        actor,
        lead_id,
        form,
        "activity",
        lambda: runtime.leads.log_activity(
            actor, lead_id, kind, note=note or None, occurred_at=occurred_at
        ),
        ("kind", "note", "occurred_at"),
    )


@router.post("/leads/{lead_id}/appointments")
async def set_appointment(
    lead_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    """Book a visit or a test drive at a time in the store's zone."""
    form = await read_form(request)
    scheduled_for = form.moment("scheduled_for", request.state.zone)
    purpose = form.choice("purpose", [p.value for p in AppointmentPurpose])
    if scheduled_for is not None and scheduled_for < now():
        form.errors["scheduled_for"] = _("Choose a time from now on.")
    return await _lead_write(
        request,
        runtime,
        actor,
        lead_id,
        form,
        "appointment",
        lambda: runtime.leads.set_appointment(actor, lead_id, scheduled_for, purpose),  # type: ignore[arg-type]
        ("scheduled_for", "purpose"),
    )


@router.post("/leads/{lead_id}/appointments/{appointment_id}/{outcome}")
async def resolve_appointment(
    lead_id: UUID,
    appointment_id: UUID,
    outcome: str,
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
) -> Response:
    """The customer came (shown) or did not (no-show)."""
    form = await read_form(request)
    if outcome == "shown":
        write = lambda: runtime.leads.mark_shown(actor, lead_id, appointment_id)  # noqa: E731
    elif outcome == "no-show":
        write = lambda: runtime.leads.mark_no_show(actor, lead_id, appointment_id)  # noqa: E731
    else:
        raise NotFoundError("page", outcome)
    return await _lead_write(request, runtime, actor, lead_id, form, "appointment", write, ())


@router.post("/leads/{lead_id}/loss")
async def lose_lead(
    lead_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    """Close the lead as lost, with a reason (and a note when the reason is "other")."""
    form = await read_form(request)
    reason = form.choice("reason", [r.value for r in LossReason])
    note = form.text("loss_note", required=reason == LossReason.OTHER, max_length=1000)
    return await _lead_write(
        request,
        runtime,
        actor,
        lead_id,
        form,
        "loss",
        lambda: runtime.leads.lose_lead(actor, lead_id, reason, note or None),
        ("reason", "loss_note"),
    )


# --- customers --------------------------------------------------------------------------------


@router.get("/customers")
def customers(
    request: Request, runtime: RuntimeDep, actor: PageActorDep, _: ConsistentDep, offset: int = 0
) -> Response:
    """The customers in the person's scope, newest first (the API has no search)."""
    scope = read_scope(actor, reach=Reach.OWN)
    result = directory.list_customers(
        runtime.db, scope=scope, limit=PAGE_SIZE, offset=_offset(offset)
    )
    context = {**LABELS, "page": result, "offset": _offset(offset), "limit": PAGE_SIZE}
    return render(request, "floor/customers.html", context, actor=actor)


def _customer_page(
    request: Request,
    runtime: Runtime,
    actor: Principal,
    customer_id: UUID,
    status: int = 200,
    **extra: Any,
) -> Response:
    customer = customer_out(runtime.crm.get_customer(actor, customer_id), read_scope(actor))
    scope = read_scope(actor, reach=Reach.OWN)
    leads = directory.list_leads(runtime.db, scope=scope, customer_id=customer_id, limit=50)
    deals = directory.list_deals(runtime.db, scope=scope, customer_id=customer_id, limit=50)
    prefs = customer.preferences
    values = {
        "model": prefs.get("model") or "",
        "colour": prefs.get("colour") or "",
        "trim": prefs.get("trim") or "",
        "budget": prefs.get("budget") or "",
    }
    context = {
        **LABELS,
        "customer": customer,
        "leads": leads,
        "deals": deals,
        "values": values,
        "failed": None,
        **extra,
    }
    if context["failed"] != "preferences":
        context["values"] = values  # what the customer wants now, not another form's input
    return render(request, "floor/customer.html", context, actor=actor, status=status)


@router.get("/customers/{customer_id}")
def customer_page(
    customer_id: UUID,
    request: Request,
    runtime: RuntimeDep,
    actor: PageActorDep,
    _: ConsistentDep,
) -> Response:
    """A customer: profile, preferences, consents, their leads and deals."""
    return _customer_page(request, runtime, actor, customer_id)


async def _customer_write(
    request: Request,
    runtime: Runtime,
    actor: Principal,
    customer_id: UUID,
    form: FormReader,
    failed: str,
    write: Any,
    fields: tuple[str, ...],
) -> Response:
    """Write once, back to the customer; a refusal shows in the form that sent it."""
    return await run_command(
        request,
        actor.user_id,
        form,
        write=write,
        then=lambda _written: f"{PREFIX}/customers/{customer_id}",
        again=lambda errors, form_error: _customer_page(
            request,
            runtime,
            actor,
            customer_id,
            422,
            failed=failed,
            errors=errors,
            form_error=form_error,
            values=form.values,
        ),
        fields=fields,
        words=_in_floor_words,
    )


@router.post("/customers/{customer_id}/preferences")
async def record_preferences(
    customer_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    """Record what the customer is looking for (blank fields clear them, as in the API)."""
    form = await read_form(request)
    model = form.text("model", required=False, max_length=100)
    colour = form.text("colour", required=False, max_length=60)
    trim = form.text("trim", required=False, max_length=100)
    budget = form.money("budget", required=False)
    return await _customer_write(
        request,
        runtime,
        actor,
        customer_id,
        form,
        "preferences",
        lambda: runtime.crm.record_preferences(
            actor, customer_id, model or None, colour or None, trim or None, budget
        ),
        ("model", "colour", "trim", "budget"),
    )


@router.post("/customers/{customer_id}/consents")
async def record_consent(
    customer_id: UUID, request: Request, runtime: RuntimeDep, actor: PageActorDep
) -> Response:
    """Grant or withdraw consent to contact on one channel, in one tap."""
    form = await read_form(request)
    channel = form.choice("channel", [c.value for c in ConsentChannel])
    granted = form.choice("granted", ["yes", "no"]) == "yes"
    return await _customer_write(
        request,
        runtime,
        actor,
        customer_id,
        form,
        "consents",
        lambda: runtime.crm.record_consent(actor, customer_id, channel, granted),
        ("channel",),
    )
