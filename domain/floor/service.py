"""Floor rotation service: check in, take a walk-in, with a customer, skip and move
(docs/floor-rotation.md).

Who may do what: a salesperson (or team leader, or a manager who sells) checks themselves in
and out, marks themselves with a customer and free, and takes a walk-in when they are up; the
store's manager (or an admin) does any of that for anyone of the store, records a walk-in for
whoever is up, skips someone with a reason and moves someone to a place. Anyone of the store
and the group's readers see the line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar
from uuid import UUID
from zoneinfo import ZoneInfo

from domain.app import Showroom, Written
from domain.crm.errors import CustomerAlreadyServedError
from domain.floor.rotation import FloorRotation, NotYourTurnError, RotationRuleError
from domain.leads.service import Leads
from domain.organisation.model import Staff, Store
from domain.organisation.service import Organisation
from domain.organisation.working_time import Duty, StoreHours, is_open, on_shift
from domain.shared.access import SALES_FLOOR, STORE_BOUND, TEAM_MANAGERS, ensure_role, ensure_store
from domain.shared.actor import Principal, acting_as
from domain.shared.clock import now
from domain.shared.errors import (
    ConflictError,
    DomainError,
    InvalidValueError,
    NotFoundError,
    PermissionDeniedError,
    StaleVersionError,
)
from domain.shared.values import Channel, phone, text

T = TypeVar("T")
# Concurrent writes to one store's line conflict on its version: the loser reloads and runs
# again (a second take gets the next person), so a burst of N needs up to N attempts.
ATTEMPTS = 20


class NotOnDutyError(DomainError):
    title = "Not on duty"


def may_join(hours: StoreHours, duty: Duty, moment: datetime) -> bool:
    """Whether someone may be in the line at `moment`: marked available, not on leave that
    local day, and, where the store has entered opening hours and the person shifts, the store
    open and the person on shift. A store (or person) with no working time entered yet is not
    kept off the floor by it: checking in is itself the sign that they are there."""
    local_day = moment.astimezone(hours.zone).date()
    if not duty.available or duty.on_leave(local_day):
        return False
    if (hours.weekly or hours.exceptions) and not is_open(hours, moment):
        return False
    return not (any(duty.shifts.values()) and not on_shift(hours, duty, moment))


@dataclass(frozen=True)
class WalkIn:
    """A take's answer: who took the walk-in, their turn, and the lead it became."""

    written: Written
    staff_id: UUID
    turn: int
    lead_id: UUID


class FloorRotations:
    """The walk-in rotation of each store, one line per store and local day."""

    def __init__(self, app: Showroom, leads: Leads, organisation: Organisation) -> None:
        self.app = app
        self.leads = leads
        self.organisation = organisation

    # --- reads ----------------------------------------------------------------------------------

    def _store(self, actor: Principal, store_id: UUID) -> Store:
        if actor.role in STORE_BOUND and actor.store_id != store_id:
            raise NotFoundError("store", store_id)
        return self.app.load(Store, store_id, "store")

    @staticmethod
    def today(store: Store, at: datetime | None = None) -> date:
        """The store's local date now: each day's line starts empty."""
        return (at or now()).astimezone(ZoneInfo(store.timezone)).date()

    def rotation(self, actor: Principal, store_id: UUID, day: date | None = None) -> FloorRotation:
        """The store's line of a day (today by default); an empty one when nobody checked in."""
        store = self._store(actor, store_id)
        return self._line(store, day or self.today(store))

    def _line(self, store: Store, day: date) -> FloorRotation:
        try:
            return self.app.load(FloorRotation, FloorRotation.id_for(store.id, day), "rotation")
        except NotFoundError:
            return FloorRotation(store_id=store.id, day=day, occurred_at=now())

    # --- writes ---------------------------------------------------------------------------------

    def _write(
        self,
        actor: Principal,
        store_id: UUID,
        change: Callable[[FloorRotation, Store], T],
        expected_version: int | None = None,
    ) -> tuple[Written, T]:
        """Run `change` on today's line and save it; a concurrent save makes it run again on
        the line as that save left it (unless the caller named the version it read)."""
        with acting_as(actor):
            ensure_role(actor, *SALES_FLOOR, *TEAM_MANAGERS)
            ensure_store(actor, store_id)
            for attempt in range(1, ATTEMPTS + 1):
                store = self._store(actor, store_id)
                if not store.active:
                    raise InvalidValueError(f"store {store_id} is closed")
                line = self._line(store, self.today(store))
                if expected_version is not None and line.version != expected_version:
                    raise StaleVersionError(line.id, expected_version, line.version)
                answer = change(line, store)
                try:
                    return self.app.written(line), answer
                except ConflictError:
                    if expected_version is not None or attempt == ATTEMPTS:
                        raise
            raise AssertionError("unreachable")

    def _whom(self, actor: Principal, store_id: UUID, staff_id: UUID | None) -> UUID:
        """The person a command is about: oneself, or (managers) anyone of the store's floor."""
        ensure_role(actor, *SALES_FLOOR, *TEAM_MANAGERS)
        ensure_store(actor, store_id)
        if staff_id is None or staff_id == actor.staff_id:
            if actor.staff_id is None or actor.role not in SALES_FLOOR:
                raise PermissionDeniedError("only people on the sales floor join the rotation")
            return actor.staff_id
        ensure_role(actor, *TEAM_MANAGERS)
        return staff_id

    def _present(self, store: Store, staff_id: UUID, moment: datetime) -> bool:
        staff = self.app.load(Staff, staff_id, "staff")
        return (
            staff.active
            and staff.store_id == store.id
            and may_join(store.hours, staff.duty, moment)
        )

    def check_in(self, actor: Principal, store_id: UUID, staff_id: UUID | None = None) -> Written:
        """Join the back of today's line (on duty now: available, not on leave, on shift)."""
        who = self._whom(actor, store_id, staff_id)
        self.organisation.active_salesperson(store_id, who)

        def change(line: FloorRotation, store: Store) -> None:
            moment = now()
            if not self._present(store, who, moment):
                raise NotOnDutyError(
                    "not on duty now: marked unavailable, on leave, off shift or the store closed"
                )
            line.check_in(who, moment)

        return self._write(actor, store_id, change)[0]

    def check_out(
        self, actor: Principal, store_id: UUID, staff_id: UUID | None = None, reason: str = ""
    ) -> Written:
        """Leave today's line (oneself; a manager anyone, with an optional reason)."""
        who = self._whom(actor, store_id, staff_id)
        why = text(reason, "reason", max_length=200) if reason.strip() else ""
        return self._write(actor, store_id, lambda line, _s: line.check_out(who, why, now()))[0]

    def set_with_customer(
        self, actor: Principal, store_id: UUID, busy: bool, staff_id: UUID | None = None
    ) -> Written:
        """With a customer (out of turn, keeping the place) or free again."""
        who = self._whom(actor, store_id, staff_id)

        def change(line: FloorRotation, _store: Store) -> None:
            if busy:
                line.start_customer(who, now())
            else:
                line.finish_customer(who, now())

        return self._write(actor, store_id, change)[0]

    def skip(
        self,
        actor: Principal,
        store_id: UUID,
        staff_id: UUID,
        reason: str,
        expected_version: int | None = None,
    ) -> Written:
        """Send someone to the back of the line, with the reason (the store's manager)."""
        ensure_role(actor, *TEAM_MANAGERS)
        ensure_store(actor, store_id)
        why = text(reason, "reason", max_length=200)
        return self._write(
            actor, store_id, lambda line, _s: line.skip(staff_id, why, now()), expected_version
        )[0]

    def move(
        self,
        actor: Principal,
        store_id: UUID,
        staff_id: UUID,
        place: int,
        expected_version: int | None = None,
    ) -> Written:
        """Put someone at a place in the line, 1 being up next (the store's manager)."""
        ensure_role(actor, *TEAM_MANAGERS)
        ensure_store(actor, store_id)
        return self._write(
            actor, store_id, lambda line, _s: line.move(staff_id, place, now()), expected_version
        )[0]

    def take_walk_in(
        self,
        actor: Principal,
        store_id: UUID,
        customer_name: str,
        customer_phone: str,
        model_interest: str | None = None,
        note: str | None = None,
    ) -> WalkIn:
        """The person up takes a walk-in: their turn is claimed first (one save, so two takes
        never get the same turn), then the walk-in lead is captured assigned to them. A
        salesperson takes only their own turn; a manager records it for whoever is up.

        When the customer is already someone's (an open lead at the store, or served by
        another store) the turn goes back to the taker, who is up again."""
        ensure_role(actor, *SALES_FLOOR, *TEAM_MANAGERS)
        ensure_store(actor, store_id)
        # The walk-in's own values are checked before a turn is claimed for them.
        text(customer_name, "customer_name", max_length=100)
        phone(customer_phone)
        claimed: dict[str, UUID] = {}

        def claim(line: FloorRotation, store: Store) -> int:
            moment = now()
            while (up := line.up) is not None and not self._present(store, up, moment):
                line.check_out(up, "off duty", moment)  # unavailable since they checked in
            if actor.role not in TEAM_MANAGERS and actor.staff_id not in line.order:
                # The rotation's walk-ins go to people in its line (a lead of one's own is
                # captured on the floor page as ever).
                raise PermissionDeniedError("check in to the rotation to take walk-ins")
            if up is None:
                raise RotationRuleError("nobody is up: everyone on the floor is with a customer")
            if actor.role not in TEAM_MANAGERS and up != actor.staff_id:
                raise NotYourTurnError("it is someone else's turn")
            claimed["staff_id"] = up
            return line.take_walk_in(up, moment)

        _written, turn = self._write(actor, store_id, claim)
        taker = claimed["staff_id"]
        try:
            lead = self.leads.capture_lead(
                actor,
                store_id,
                Channel.WALK_IN.value,
                customer_name=customer_name,
                customer_phone=customer_phone,
                model_interest=model_interest,
                note=note,
                salesperson_id=taker,
            )
        except DomainError as error:
            reason = (
                "customer already served"
                if isinstance(error, CustomerAlreadyServedError)
                else "lead not captured"
            )
            self._write(actor, store_id, lambda line, _s: line.return_turn(turn, reason, now()))
            raise
        if getattr(lead, "recorded_as_enquiry", False):
            # An enquiry on the customer's open lead: not a new customer for the taker.
            self._write(
                actor,
                store_id,
                lambda line, _s: line.return_turn(turn, "enquiry on an open lead", now()),
            )
        written, _ = self._write(
            actor, store_id, lambda line, _s: line.record_lead(turn, lead.id, now())
        )
        return WalkIn(written=written, staff_id=taker, turn=turn, lead_id=lead.id)
