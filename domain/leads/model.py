"""Leads: a customer's interest, worked by a salesperson until it converts to a deal or is lost."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, ClassVar, TypeVar
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from eventsourcing.domain import event

from domain.leads.errors import (
    LeadActivityNotAutomatableError,
    LeadAlreadyAssignedError,
    LeadAppointmentNotDueError,
    LeadAppointmentNotPendingError,
    LeadAppointmentPendingError,
    LeadLossCommentRequiredError,
    LeadLossNoteRequiredError,
    LeadLossNotPendingError,
    LeadLossPendingError,
    LeadNotAssignedError,
    LeadNotLostError,
    LeadSpotCheckRequiredError,
)
from domain.leads.origin import Origin
from domain.shared import values
from domain.shared.aggregate import ShowroomAggregate
from domain.shared.clock import planned
from domain.shared.errors import IllegalTransitionError, InvalidValueError


class LeadStatus(StrEnum):
    OPEN = "open"
    CONVERTED = "converted"
    LOST = "lost"
    # A salesperson asked to close it as lost; a manager approves or rejects (docs/lost-leads.md).
    PENDING_LOSS = "pending_loss"


class ActivityKind(StrEnum):
    CALL = "call"
    MESSAGE = "message"
    VISIT = "visit"
    TEST_DRIVE = "test_drive"


class AppointmentPurpose(StrEnum):
    VISIT = "visit"
    TEST_DRIVE = "test_drive"


class SpotCheckOutcome(StrEnum):
    """What the manager's spot-check call (抽查回访) to the customer found."""

    CONFIRMED = "confirmed"  # the customer confirms they are not buying here
    STILL_INTERESTED = "still_interested"
    UNREACHABLE = "unreachable"


class LossReason(StrEnum):
    PRICE = "price"
    COMPETITOR = "competitor"
    FINANCING = "financing"
    NO_RESPONSE = "no_response"
    BOUGHT_ELSEWHERE = "bought_elsewhere"
    NOT_INTERESTED = "not_interested"
    OTHER = "other"


def due_window(at: datetime, zone: ZoneInfo) -> tuple[datetime, date]:
    """What is due at `at`: appointments before the end of that day in the store's `zone`, and
    follow-ups whose next follow-up day is that day (the second value) or earlier. (The old
    rule, a follow-up two days after the last contact, is now the store's default gap between
    a contact and the next follow-up day: domain/followups.)"""
    local = at.astimezone(zone)
    day_ends = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return day_ends, local.date()


# An auto-reply is a message or a robot call; nobody can visit or test-drive automatically.
AUTOMATABLE = frozenset({ActivityKind.CALL, ActivityKind.MESSAGE})

E = TypeVar("E", bound=StrEnum)


def choice(enum: type[E], value: str, field: str) -> E:
    """The member of `enum` named by `value`, or an InvalidValueError listing the choices."""
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        raise InvalidValueError(f"{field} must be one of {allowed}") from None


def _note(value: str | None, field: str = "note", *, multiline: bool = True) -> str | None:
    if value is None:
        return None
    cleaned = values.text(value, field, max_length=1000, required=False, multiline=multiline)
    return cleaned or None


class Lead(ShowroomAggregate):
    """A sales opportunity of one store: open until converted into a deal or lost."""

    # Free text about the customer is personal data, sealed in the log with the customer's key
    # (domain/shared/personal.py); the model of interest is about the car, and stays clear.
    class Captured(ShowroomAggregate.Created):
        personal_fields: ClassVar[tuple[str, ...]] = ("note",)
        personal_subject: ClassVar[str] = "customer_id"

        class_version = 2

        store_id: UUID
        customer_id: UUID
        channel: str
        model_interest: str | None
        note: str | None
        # Version 2 (docs/lead-intake.md): the source, campaign and partner (None before).
        source_kind: str | None
        source_name: str | None
        campaign_id: UUID | None
        partner_id: UUID | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["source_kind"] = None
            state["source_name"] = None
            state["campaign_id"] = None
            state["partner_id"] = None

    class Assigned(ShowroomAggregate.Event):
        salesperson_id: UUID
        previous_id: UUID | None

    class ActivityLogged(ShowroomAggregate.Event):
        personal_fields: ClassVar[tuple[str, ...]] = ("outcome", "note")
        personal_subject: ClassVar[str] = "customer_id"
        class_version = 2

        kind: str
        outcome: str | None
        note: str | None
        automated: bool
        customer_id: UUID | None  # whose key seals the note (None: stored before version 2)

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["customer_id"] = None

    class AppointmentSet(ShowroomAggregate.Event):
        appointment_id: UUID
        scheduled_for: datetime
        purpose: str

    class AppointmentShown(ShowroomAggregate.Event):
        appointment_id: UUID

    class AppointmentMissed(ShowroomAggregate.Event):
        appointment_id: UUID

    class Converted(ShowroomAggregate.Event):
        deal_id: UUID

    class Lost(ShowroomAggregate.Event):
        personal_fields: ClassVar[tuple[str, ...]] = ("note",)
        personal_subject: ClassVar[str] = "customer_id"
        class_version = 2

        reason: str
        note: str | None
        customer_id: UUID | None  # whose key seals the note (None: stored before version 2)

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["customer_id"] = None

    # --- capture ------------------------------------------------------------------------------

    @classmethod
    def capture(
        cls,
        store_id: UUID,
        customer_id: UUID,
        channel: str,
        model_interest: str | None,
        note: str | None,
        occurred_at: datetime,
        origin: Origin | None = None,
        lead_id: UUID | None = None,
    ) -> Lead:
        """A new lead; `lead_id` chosen by the caller makes a repeated capture a conflict
        (a partner's own lead id, domain/leads/origin.py)."""
        source = origin or Origin()
        fields: dict[str, Any] = dict(
            store_id=store_id,
            customer_id=customer_id,
            channel=choice(values.Channel, channel, "channel").value,
            model_interest=_note(model_interest, "model_interest", multiline=False),
            note=_note(note),
            occurred_at=occurred_at,
            source_kind=source.source_kind,
            source_name=source.source_name,
            campaign_id=source.campaign_id,
            partner_id=source.partner_id,
        )
        if lead_id is None:
            return cls(**fields)
        lead: Lead = cls._create(event_class=cls.Captured, id=lead_id, **fields)
        return lead

    @event(Captured)
    def __init__(
        self,
        store_id: UUID,
        customer_id: UUID,
        channel: str,
        model_interest: str | None,
        note: str | None,
        occurred_at: datetime,
        source_kind: str | None = None,
        source_name: str | None = None,
        campaign_id: UUID | None = None,
        partner_id: UUID | None = None,
    ) -> None:
        self.store_id = store_id
        self.customer_id = customer_id
        self.channel = values.Channel(channel)
        self.model_interest = model_interest
        self.note = note
        self.status = LeadStatus.OPEN
        self.captured_at = occurred_at
        self.salesperson_id: UUID | None = None
        self.assigned_at: datetime | None = None
        self.first_response_at: datetime | None = None
        self.last_activity_at: datetime | None = None
        self.activities = 0
        self.appointment_id: UUID | None = None
        self.appointment_for: datetime | None = None
        self.appointment_purpose: AppointmentPurpose | None = None
        self.appointments_shown = 0
        self.appointments_missed = 0
        self.deal_id: UUID | None = None
        self.lost_reason: LossReason | None = None
        self.lost_note: str | None = None
        self.closed_at: datetime | None = None
        self.source_kind = source_kind
        self.source_name = source_name
        self.campaign_id = campaign_id
        self.partner_id = partner_id

    @property
    def is_open(self) -> bool:
        return self.status is LeadStatus.OPEN

    def _ensure_open(self, action: str) -> None:
        if self.status is not LeadStatus.OPEN:
            raise IllegalTransitionError("lead", self.id, self.status.value, action)

    # --- assignment ---------------------------------------------------------------------------

    def assign(self, salesperson_id: UUID, occurred_at: datetime) -> None:
        """Give the lead to a salesperson, or hand it from one to another."""
        self._ensure_open("assign")
        if salesperson_id == self.salesperson_id:
            raise LeadAlreadyAssignedError(f"lead {self.id} is already with {salesperson_id}")
        self._assign(
            salesperson_id=salesperson_id, previous_id=self.salesperson_id, occurred_at=occurred_at
        )

    @event(Assigned)
    def _assign(
        self, salesperson_id: UUID, previous_id: UUID | None, occurred_at: datetime
    ) -> None:
        self.salesperson_id = salesperson_id
        self.assigned_at = occurred_at

    # --- activities ---------------------------------------------------------------------------

    def log_activity(
        self,
        kind: str,
        outcome: str | None,
        note: str | None,
        automated: bool,
        occurred_at: datetime,
    ) -> None:
        """Record a contact with the customer; automated ones (auto-replies) are no response."""
        self._ensure_open("log activity on")
        if self.salesperson_id is None:
            raise LeadNotAssignedError(f"lead {self.id} has no salesperson yet")
        activity = choice(ActivityKind, kind, "kind")
        if automated and activity not in AUTOMATABLE:
            raise LeadActivityNotAutomatableError(f"a {activity.value} cannot be automated")
        self._log_activity(
            kind=activity.value,
            outcome=_note(outcome, "outcome", multiline=False),
            note=_note(note),
            automated=automated,
            customer_id=self.customer_id,
            occurred_at=occurred_at,
        )

    @event(ActivityLogged)
    def _log_activity(
        self,
        kind: str,
        outcome: str | None,
        note: str | None,
        automated: bool,
        customer_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.activities += 1
        if self.last_activity_at is None or occurred_at > self.last_activity_at:
            self.last_activity_at = occurred_at
        # Activities may be entered late: the first response is the earliest by business time.
        if not automated and (
            self.first_response_at is None or occurred_at < self.first_response_at
        ):
            self.first_response_at = occurred_at

    # --- appointments -------------------------------------------------------------------------

    def set_appointment(
        self,
        scheduled_for: datetime,
        purpose: str,
        occurred_at: datetime,
        appointment_id: UUID | None = None,
    ) -> UUID:
        """Book a visit or test drive; one pending appointment at a time. Returns its id."""
        self._ensure_open("set an appointment on")
        if self.salesperson_id is None:
            raise LeadNotAssignedError(f"lead {self.id} has no salesperson to host it")
        if self.appointment_id is not None:
            raise LeadAppointmentPendingError(
                f"lead {self.id} already has appointment {self.appointment_id} pending"
            )
        when = planned(scheduled_for, "scheduled_for")
        if when < occurred_at:
            raise InvalidValueError("an appointment cannot be scheduled before it was made")
        new_id = appointment_id or uuid4()
        self._set_appointment(
            appointment_id=new_id,
            scheduled_for=when,
            purpose=choice(AppointmentPurpose, purpose, "purpose").value,
            occurred_at=occurred_at,
        )
        return new_id

    @event(AppointmentSet)
    def _set_appointment(
        self, appointment_id: UUID, scheduled_for: datetime, purpose: str, occurred_at: datetime
    ) -> None:
        self.appointment_id = appointment_id
        self.appointment_for = scheduled_for
        self.appointment_purpose = AppointmentPurpose(purpose)

    def _ensure_pending(self, appointment_id: UUID) -> None:
        # Resolving the appointment is allowed after the lead closed: a deal is usually opened
        # during the visit, and the record should still say that the customer came.
        if self.appointment_id is None or appointment_id != self.appointment_id:
            raise LeadAppointmentNotPendingError(
                f"appointment {appointment_id} is not pending on lead {self.id}"
            )

    def mark_shown(self, appointment_id: UUID, occurred_at: datetime) -> None:
        """The customer came to the pending appointment."""
        self._ensure_pending(appointment_id)
        self._mark_shown(appointment_id=appointment_id, occurred_at=occurred_at)

    @event(AppointmentShown)
    def _mark_shown(self, appointment_id: UUID, occurred_at: datetime) -> None:
        self.appointment_id = None
        self.appointment_for = None
        self.appointment_purpose = None
        self.appointments_shown += 1

    def mark_no_show(self, appointment_id: UUID, occurred_at: datetime) -> None:
        """The customer did not come; only said once the appointment time has passed."""
        self._ensure_pending(appointment_id)
        due = self.appointment_for
        if due is not None and occurred_at < due:
            raise LeadAppointmentNotDueError(
                f"appointment {appointment_id} is not due until {due.isoformat()}"
            )
        self._mark_no_show(appointment_id=appointment_id, occurred_at=occurred_at)

    @event(AppointmentMissed)
    def _mark_no_show(self, appointment_id: UUID, occurred_at: datetime) -> None:
        self.appointment_id = None
        self.appointment_for = None
        self.appointment_purpose = None
        self.appointments_missed += 1

    # --- closing ------------------------------------------------------------------------------

    def convert(self, deal_id: UUID, occurred_at: datetime) -> None:
        """The lead became a deal (called by the sales service when it opens the deal)."""
        self._ensure_open("convert")
        self._convert(deal_id=deal_id, occurred_at=occurred_at)

    @event(Converted)
    def _convert(self, deal_id: UUID, occurred_at: datetime) -> None:
        self.status = LeadStatus.CONVERTED
        self.deal_id = deal_id
        self.closed_at = occurred_at

    def lose(self, reason: str, note: str | None, occurred_at: datetime) -> None:
        """Close the lead without a deal; 'other' must say why in a note."""
        self._ensure_open("lose")
        loss = choice(LossReason, reason, "reason")
        cleaned = _note(note)
        if loss is LossReason.OTHER and cleaned is None:
            raise LeadLossNoteRequiredError("say in a note why the lead was lost")
        self._lose(
            reason=loss.value, note=cleaned, customer_id=self.customer_id, occurred_at=occurred_at
        )

    @event(Lost)
    def _lose(
        self, reason: str, note: str | None, customer_id: UUID | None, occurred_at: datetime
    ) -> None:
        self.status = LeadStatus.LOST
        self.lost_reason = LossReason(reason)
        self.lost_note = note
        self.closed_at = occurred_at

    # --- enquiries (de-duplication, docs/lead-dedup.md) -----------------------------------------
    # A customer's further enquiry at a store where they already have an open lead is recorded
    # on that lead instead of opening a second one. New events and attributes only: attributes
    # the older events never set are read with a default, so leads stored before still load.

    class EnquiryRecorded(ShowroomAggregate.Event):
        # The note is free text about the customer: sealed with their key, like Captured's.
        personal_fields: ClassVar[tuple[str, ...]] = ("note",)
        personal_subject: ClassVar[str] = "customer_id"

        channel: str
        source: str | None
        model_interest: str | None
        note: str | None
        customer_id: UUID

    @property
    def enquiries(self) -> int:
        """How many further enquiries were recorded on the lead (not counting its capture)."""
        return int(getattr(self, "_enquiries", 0))

    @property
    def last_enquiry_at(self) -> datetime | None:
        return getattr(self, "_last_enquiry_at", None)

    @property
    def last_touched_at(self) -> datetime:
        """The latest of its capture, its activities and its enquiries: what the store's
        de-duplication window counts from."""
        moments = [self.captured_at, self.last_activity_at, self.last_enquiry_at]
        return max(m for m in moments if m is not None)

    def record_enquiry(
        self,
        channel: str,
        model_interest: str | None,
        note: str | None,
        occurred_at: datetime,
        source: str | None = None,
    ) -> None:
        """Record a further enquiry of the lead's customer on this open lead."""
        self._ensure_open("record an enquiry on")
        self._record_enquiry(
            channel=choice(values.Channel, channel, "channel").value,
            source=_note(source, "source", multiline=False),
            model_interest=_note(model_interest, "model_interest", multiline=False),
            note=_note(note),
            customer_id=self.customer_id,
            occurred_at=occurred_at,
        )

    @event(EnquiryRecorded)
    def _record_enquiry(
        self,
        channel: str,
        source: str | None,
        model_interest: str | None,
        note: str | None,
        customer_id: UUID,
        occurred_at: datetime,
    ) -> None:
        self._enquiries = self.enquiries + 1
        last = self.last_enquiry_at
        if last is None or occurred_at > last:
            self._last_enquiry_at = occurred_at
        if model_interest is not None:
            self.model_interest = model_interest

    # --- loss approval (docs/lost-leads.md) ---------------------------------------------------
    # A salesperson requests the loss; a manager approves it (the lead is lost), or rejects it
    # with a comment (open again, with the salesperson); a store may require a spot-check call
    # first; a manager reopens a lost lead. Free text about the customer is sealed with the
    # customer's key; the competitor is a short name of a brand or dealer, kept in clear for the
    # loss-reason report.

    class LossRequested(ShowroomAggregate.Event):
        personal_fields: ClassVar[tuple[str, ...]] = ("note",)
        personal_subject: ClassVar[str] = "customer_id"

        reason: str
        competitor: str | None
        note: str | None
        customer_id: UUID
        salesperson_id: UUID | None
        requested_by: str

    class LossSpotChecked(ShowroomAggregate.Event):
        personal_fields: ClassVar[tuple[str, ...]] = ("note",)
        personal_subject: ClassVar[str] = "customer_id"

        outcome: str
        note: str | None
        customer_id: UUID

    class LossApproved(ShowroomAggregate.Event):
        reason: str
        competitor: str | None
        salesperson_id: UUID | None
        requested_at: datetime

    class LossRejected(ShowroomAggregate.Event):
        personal_fields: ClassVar[tuple[str, ...]] = ("comment",)
        personal_subject: ClassVar[str] = "customer_id"

        comment: str
        customer_id: UUID
        salesperson_id: UUID | None

    class Reopened(ShowroomAggregate.Event):
        personal_fields: ClassVar[tuple[str, ...]] = ("reason",)
        personal_subject: ClassVar[str] = "customer_id"

        reason: str
        customer_id: UUID
        salesperson_id: UUID | None

    @property
    def loss_pending(self) -> bool:
        return self.status is LeadStatus.PENDING_LOSS

    def request_loss(
        self,
        reason: str,
        competitor: str | None,
        note: str | None,
        requested_by: str,
        occurred_at: datetime,
    ) -> None:
        """Ask a manager to close the lead as lost; 'other' must say why in a note."""
        if self.status is LeadStatus.PENDING_LOSS:
            raise LeadLossPendingError(f"lead {self.id} already waits for a loss approval")
        self._ensure_open("request a loss of")
        loss = choice(LossReason, reason, "reason")
        cleaned = _note(note)
        if loss is LossReason.OTHER and cleaned is None:
            raise LeadLossNoteRequiredError("say in a note why the lead was lost")
        rival = _note(competitor, "competitor", multiline=False)
        if rival is not None and len(rival) > 80:
            raise InvalidValueError("competitor must be at most 80 characters")
        self._request_loss(
            reason=loss.value,
            competitor=rival,
            note=cleaned,
            customer_id=self.customer_id,
            salesperson_id=self.salesperson_id,
            requested_by=requested_by,
            occurred_at=occurred_at,
        )

    @event(LossRequested)
    def _request_loss(
        self,
        reason: str,
        competitor: str | None,
        note: str | None,
        customer_id: UUID,
        salesperson_id: UUID | None,
        requested_by: str,
        occurred_at: datetime,
    ) -> None:
        self.status = LeadStatus.PENDING_LOSS
        self.loss_request: dict[str, Any] | None = {
            "reason": reason,
            "competitor": competitor,
            "note": note,
            "requested_by": requested_by,
            "requested_at": occurred_at,
        }
        self.loss_spot_check: str | None = None
        self.loss_competitor: str | None = competitor

    def _ensure_loss_pending(self, action: str) -> dict[str, Any]:
        request: dict[str, Any] | None = getattr(self, "loss_request", None)
        if self.status is not LeadStatus.PENDING_LOSS or request is None:
            raise LeadLossNotPendingError(f"lead {self.id} has no loss to {action}")
        return request

    def record_spot_check(self, outcome: str, note: str | None, occurred_at: datetime) -> None:
        """The manager's call to the customer about a requested loss, and what it found."""
        self._ensure_loss_pending("spot-check")
        self._record_spot_check(
            outcome=choice(SpotCheckOutcome, outcome, "outcome").value,
            note=_note(note),
            customer_id=self.customer_id,
            occurred_at=occurred_at,
        )

    @event(LossSpotChecked)
    def _record_spot_check(
        self, outcome: str, note: str | None, customer_id: UUID, occurred_at: datetime
    ) -> None:
        self.loss_spot_check = outcome

    def approve_loss(self, spot_check_required: bool, occurred_at: datetime) -> None:
        """Close the lead as lost as requested; a store may require a spot-check call first."""
        request = self._ensure_loss_pending("approve")
        if spot_check_required and getattr(self, "loss_spot_check", None) is None:
            raise LeadSpotCheckRequiredError(
                f"this store requires a spot-check call before lead {self.id} is closed as lost"
            )
        self._approve_loss(
            reason=request["reason"],
            competitor=request["competitor"],
            salesperson_id=self.salesperson_id,
            requested_at=request["requested_at"],
            occurred_at=occurred_at,
        )

    @event(LossApproved)
    def _approve_loss(
        self,
        reason: str,
        competitor: str | None,
        salesperson_id: UUID | None,
        requested_at: datetime,
        occurred_at: datetime,
    ) -> None:
        self.status = LeadStatus.LOST
        self.lost_reason = LossReason(reason)
        request = getattr(self, "loss_request", None)
        self.lost_note = None if request is None else request["note"]
        self.loss_competitor = competitor
        self.closed_at = occurred_at
        self.loss_request = None

    def reject_loss(self, comment: str, occurred_at: datetime) -> None:
        """Refuse the requested loss: the lead is open again with its salesperson."""
        self._ensure_loss_pending("reject")
        cleaned = _note(comment, "comment")
        if cleaned is None:
            raise LeadLossCommentRequiredError("say in a comment why the loss is rejected")
        self._reject_loss(
            comment=cleaned,
            customer_id=self.customer_id,
            salesperson_id=self.salesperson_id,
            occurred_at=occurred_at,
        )

    @event(LossRejected)
    def _reject_loss(
        self, comment: str, customer_id: UUID, salesperson_id: UUID | None, occurred_at: datetime
    ) -> None:
        self.status = LeadStatus.OPEN
        self.loss_request = None
        self.loss_spot_check = None
        self.loss_competitor = None
        self.loss_rejection: str | None = comment

    def reopen(self, reason: str, occurred_at: datetime) -> None:
        """Open a lost lead again (a manager), with the salesperson it had."""
        if self.status is not LeadStatus.LOST:
            raise LeadNotLostError(f"lead {self.id} is {self.status.value}, not lost")
        cleaned = _note(reason, "reason")
        if cleaned is None:
            raise InvalidValueError("say why the lead is reopened")
        self._reopen(
            reason=cleaned,
            customer_id=self.customer_id,
            salesperson_id=self.salesperson_id,
            occurred_at=occurred_at,
        )

    @event(Reopened)
    def _reopen(
        self, reason: str, customer_id: UUID, salesperson_id: UUID | None, occurred_at: datetime
    ) -> None:
        self.status = LeadStatus.OPEN
        self.lost_reason = None
        self.lost_note = None
        self.loss_competitor = None
        self.closed_at = None

    # --- next follow-up (domain/followups) ------------------------------------------------------
    # Appended after the lead's other events. An open lead is due a follow-up on the store's
    # gap (a setting, two days by default) after its capture or its latest contact, unless the
    # salesperson chose a day since: `domain.followups.model.next_follow_up_on`. Leads from
    # before this event follow the same rule through their last contact.

    class FollowUpScheduled(ShowroomAggregate.Event):
        follow_up_on: date

    next_follow_up_on: date | None = None  # the day a person chose (None: the default)
    follow_up_set_at: datetime | None = None

    def schedule_follow_up(self, follow_up_on: date, today: date, occurred_at: datetime) -> None:
        """Choose the lead's next follow-up day (not before `today`, the store's day)."""
        self._ensure_open("schedule a follow-up on")
        if not isinstance(follow_up_on, date) or isinstance(follow_up_on, datetime):
            raise InvalidValueError("follow_up_on must be a calendar day")
        if follow_up_on < today:
            raise InvalidValueError(f"follow_up_on cannot be in the past (today is {today})")
        if follow_up_on > today + timedelta(days=366):
            raise InvalidValueError("follow_up_on is at most a year ahead")
        self._schedule_follow_up(follow_up_on=follow_up_on, occurred_at=occurred_at)

    @event(FollowUpScheduled)
    def _schedule_follow_up(self, follow_up_on: date, occurred_at: datetime) -> None:
        self.next_follow_up_on = follow_up_on
        self.follow_up_set_at = occurred_at

    # --- routing again (domain/routing) -------------------------------------------------------
    # Appended after the lead's other events. A lead whose owner did not respond in time (the
    # SLA's second limit), or whose owner left, asks the store's routing rules for a new owner:
    # the routing process reacts to this event as it does to a captured lead without an owner,
    # and never offers the lead back to `previous_id`. The reason is shown in the lead's history.

    class RoutingRequested(ShowroomAggregate.Event):
        reason: str
        previous_id: UUID | None

    routing_requested_at: datetime | None = None

    def request_routing(self, reason: str, occurred_at: datetime) -> None:
        """Ask the routing rules for a new owner, with the reason (e.g. "sla_breach")."""
        self._ensure_open("route again")
        if not isinstance(reason, str) or not reason.strip() or len(reason) > 200:
            raise InvalidValueError("reason must be 1 to 200 characters")
        self._request_routing(
            reason=reason.strip(), previous_id=self.salesperson_id, occurred_at=occurred_at
        )

    @event(RoutingRequested)
    def _request_routing(
        self, reason: str, previous_id: UUID | None, occurred_at: datetime
    ) -> None:
        self.routing_requested_at = occurred_at
