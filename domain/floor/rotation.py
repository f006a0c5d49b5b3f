"""The floor rotation ("up" system) of one store on one day: who takes the next walk-in.

Why one aggregate per store and day: every rule of the rotation reads the whole line (who is
up, who is with a customer, where a moved person lands), and two people pressing "take" at the
same moment must never both get the same turn. Inside one aggregate saved with optimistic
concurrency, of two takes read at the same version exactly one saves; the other reloads and
gets the next turn (domain/floor/service.py). The id derives from the store and the local
date (`FloorRotation.id_for`), so the day's line is found with one load and starts empty each
morning without a job to clear it.

The line (`order`) lists who checked in, in turn order; the person up is the first of it who
is not with a customer. Taking a walk-in sends the taker to the back and marks them with that
customer; "with a customer" set by hand (an appointment, a delivery) keeps the person's place
but skips them until they are free. A manager may skip someone (to the back, with a reason) or
move them to a place. Events hold staff ids only, never names (names are sealed personal data).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from uuid import UUID, uuid5

from eventsourcing.domain import event

from domain.shared.aggregate import ShowroomAggregate
from domain.shared.errors import ConflictError, DomainError, NotFoundError

ROTATION_NAMESPACE = UUID("5b0c8a3e-1f7d-4e52-9a61-2c4b7d9e0f13")


class RotationRuleError(DomainError):
    title = "Floor rotation rule broken"


class NotYourTurnError(ConflictError):
    title = "Not your turn"


class AlreadyCheckedInError(ConflictError):
    title = "Already in the rotation"


@dataclass(frozen=True)
class Take:
    """One walk-in taken: who took it, their turn number, the lead it became (once known)."""

    turn: int
    staff_id: UUID
    at: datetime
    lead_id: UUID | None = None
    returned: bool = False


class FloorRotation(ShowroomAggregate):
    """The order in which a store's salespeople on the floor take walk-ins, for one day."""

    class Started(ShowroomAggregate.Created):
        store_id: UUID
        day: date

    class CheckedIn(ShowroomAggregate.Event):
        staff_id: UUID

    class CheckedOut(ShowroomAggregate.Event):
        staff_id: UUID
        reason: str

    class WalkInTaken(ShowroomAggregate.Event):
        """The person up takes the walk-in: to the back of the line, with that customer."""

        staff_id: UUID
        turn: int

    class WalkInLeadRecorded(ShowroomAggregate.Event):
        turn: int
        lead_id: UUID

    class TurnReturned(ShowroomAggregate.Event):
        """A take that became no new lead of the taker (the customer is someone else's):
        the taker is up again, free."""

        turn: int
        reason: str

    class CustomerStarted(ShowroomAggregate.Event):
        staff_id: UUID

    class CustomerFinished(ShowroomAggregate.Event):
        staff_id: UUID

    class Skipped(ShowroomAggregate.Event):
        staff_id: UUID
        reason: str

    class Moved(ShowroomAggregate.Event):
        staff_id: UUID
        place: int  # 1 = first in line

    @staticmethod
    def id_for(store_id: UUID, day: date) -> UUID:
        return uuid5(ROTATION_NAMESPACE, f"{store_id}/{day.isoformat()}")

    @staticmethod
    def create_id(store_id: UUID, day: date) -> UUID:
        return FloorRotation.id_for(store_id, day)

    @event(Started)
    def __init__(self, store_id: UUID, day: date, occurred_at: datetime) -> None:
        self.store_id = store_id
        self.day = day
        self.order: list[UUID] = []
        self.busy: set[UUID] = set()
        self.takes: list[Take] = []
        self.skips: list[tuple[UUID, str, datetime]] = []

    # --- queries --------------------------------------------------------------------------------

    @property
    def up(self) -> UUID | None:
        """Who takes the next walk-in: the first in line who is not with a customer."""
        for staff_id in self.order:
            if staff_id not in self.busy:
                return staff_id
        return None

    def after(self) -> list[UUID]:
        """The free people after the one up, in the order they will be up."""
        free = [s for s in self.order if s not in self.busy]
        return free[1:]

    def place_of(self, staff_id: UUID) -> int:
        """1-based place in the line."""
        self._member(staff_id)
        return self.order.index(staff_id) + 1

    def take(self, turn: int) -> Take:
        for take in self.takes:
            if take.turn == turn:
                return take
        raise NotFoundError("turn", str(turn))

    def _member(self, staff_id: UUID) -> None:
        if staff_id not in self.order:
            raise NotFoundError("rotation member", staff_id)

    # --- commands -------------------------------------------------------------------------------

    def check_in(self, staff_id: UUID, occurred_at: datetime) -> None:
        if staff_id in self.order:
            raise AlreadyCheckedInError(f"{staff_id} is already in the rotation")
        self._check_in(staff_id=staff_id, occurred_at=occurred_at)

    @event(CheckedIn)
    def _check_in(self, staff_id: UUID, occurred_at: datetime) -> None:
        self.order.append(staff_id)

    def check_out(self, staff_id: UUID, reason: str, occurred_at: datetime) -> None:
        self._member(staff_id)
        self._check_out(staff_id=staff_id, reason=reason, occurred_at=occurred_at)

    @event(CheckedOut)
    def _check_out(self, staff_id: UUID, reason: str, occurred_at: datetime) -> None:
        self.order.remove(staff_id)
        self.busy.discard(staff_id)

    def take_walk_in(self, staff_id: UUID, occurred_at: datetime) -> int:
        """The person up takes the walk-in; answers the turn's number."""
        up = self.up
        if up is None:
            raise RotationRuleError("nobody is up: everyone on the floor is with a customer")
        if up != staff_id:
            raise NotYourTurnError("it is someone else's turn", up=str(up))
        turn = len(self.takes) + 1
        self._take_walk_in(staff_id=staff_id, turn=turn, occurred_at=occurred_at)
        return turn

    @event(WalkInTaken)
    def _take_walk_in(self, staff_id: UUID, turn: int, occurred_at: datetime) -> None:
        self.order.remove(staff_id)
        self.order.append(staff_id)
        self.busy.add(staff_id)
        self.takes.append(Take(turn=turn, staff_id=staff_id, at=occurred_at))

    def record_lead(self, turn: int, lead_id: UUID, occurred_at: datetime) -> None:
        self.take(turn)
        self._record_lead(turn=turn, lead_id=lead_id, occurred_at=occurred_at)

    @event(WalkInLeadRecorded)
    def _record_lead(self, turn: int, lead_id: UUID, occurred_at: datetime) -> None:
        self.takes[turn - 1] = replace(self.takes[turn - 1], lead_id=lead_id)

    def return_turn(self, turn: int, reason: str, occurred_at: datetime) -> None:
        take = self.take(turn)
        if take.returned:
            raise RotationRuleError(f"turn {turn} was already returned")
        self._return_turn(turn=turn, reason=reason, occurred_at=occurred_at)

    @event(TurnReturned)
    def _return_turn(self, turn: int, reason: str, occurred_at: datetime) -> None:
        take = self.takes[turn - 1]
        self.takes[turn - 1] = replace(take, returned=True)
        if take.staff_id in self.order:
            self.order.remove(take.staff_id)
            self.order.insert(0, take.staff_id)
            self.busy.discard(take.staff_id)

    def start_customer(self, staff_id: UUID, occurred_at: datetime) -> None:
        self._member(staff_id)
        if staff_id in self.busy:
            raise RotationRuleError(f"{staff_id} is already with a customer")
        self._start_customer(staff_id=staff_id, occurred_at=occurred_at)

    @event(CustomerStarted)
    def _start_customer(self, staff_id: UUID, occurred_at: datetime) -> None:
        self.busy.add(staff_id)

    def finish_customer(self, staff_id: UUID, occurred_at: datetime) -> None:
        self._member(staff_id)
        if staff_id not in self.busy:
            raise RotationRuleError(f"{staff_id} is not with a customer")
        self._finish_customer(staff_id=staff_id, occurred_at=occurred_at)

    @event(CustomerFinished)
    def _finish_customer(self, staff_id: UUID, occurred_at: datetime) -> None:
        self.busy.discard(staff_id)

    def skip(self, staff_id: UUID, reason: str, occurred_at: datetime) -> None:
        self._member(staff_id)
        self._skip(staff_id=staff_id, reason=reason, occurred_at=occurred_at)

    @event(Skipped)
    def _skip(self, staff_id: UUID, reason: str, occurred_at: datetime) -> None:
        self.order.remove(staff_id)
        self.order.append(staff_id)
        self.skips.append((staff_id, reason, occurred_at))

    def move(self, staff_id: UUID, place: int, occurred_at: datetime) -> None:
        self._member(staff_id)
        if not 1 <= place <= len(self.order):
            raise RotationRuleError(f"place must be between 1 and {len(self.order)}", field="place")
        self._move(staff_id=staff_id, place=place, occurred_at=occurred_at)

    @event(Moved)
    def _move(self, staff_id: UUID, place: int, occurred_at: datetime) -> None:
        self.order.remove(staff_id)
        self.order.insert(place - 1, staff_id)
