"""Appraisal: a customer's car inspected, valued (ACV) and offered for, kept whatever comes of it.

Lifecycle: open → inspected → valued → offered → accepted (on a deal) → acquired (the deal was
delivered and the car entered used stock), or declined / expired on the way. Appraisals that
never become stock are kept on purpose: they are the "looks" of the look-to-book ratio.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import event

from domain.appraisals.errors import (
    AppraisalOfferExpiredError,
    AppraisalOfferNotExpiredError,
    AppraisalOnAnotherDealError,
)
from domain.inventory.model import FIRST_MODEL_YEAR
from domain.shared import values
from domain.shared.aggregate import ShowroomAggregate
from domain.shared.errors import IllegalTransitionError, InvalidValueError

MAX_MILEAGE_KM = 2_000_000
MAX_FINDINGS = 40
_ZERO = Decimal("0.00")


class AppraisalStatus(StrEnum):
    OPEN = "open"
    INSPECTED = "inspected"
    VALUED = "valued"
    OFFERED = "offered"
    ACCEPTED = "accepted"
    ACQUIRED = "acquired"
    DECLINED = "declined"
    EXPIRED = "expired"


class Grade(StrEnum):
    """The appraiser's overall condition grade."""

    EXCELLENT = "excellent"
    GOOD = "good"
    FAIR = "fair"
    POOR = "poor"


class FindingResult(StrEnum):
    OK = "ok"
    ATTENTION = "attention"  # wear to watch, maybe a small repair
    FAIL = "fail"  # must be repaired before the car can be retailed


# The items a used-car manager checks on every car; others may be added per car.
STANDARD_CHECKLIST = (
    "exterior",
    "interior",
    "engine",
    "transmission",
    "brakes",
    "tyres",
    "electrics",
    "frame and accident damage",
    "flood damage",
    "odometer and service history",
)

FINAL = (AppraisalStatus.ACQUIRED, AppraisalStatus.DECLINED, AppraisalStatus.EXPIRED)
# Inspection may be redone until a value is given; a value may be redone (it withdraws the
# offer) until the customer accepts.
INSPECTABLE = (AppraisalStatus.OPEN, AppraisalStatus.INSPECTED)
VALUABLE = (AppraisalStatus.INSPECTED, AppraisalStatus.VALUED, AppraisalStatus.OFFERED)
DECLINABLE = (
    AppraisalStatus.OPEN,
    AppraisalStatus.INSPECTED,
    AppraisalStatus.VALUED,
    AppraisalStatus.OFFERED,
    AppraisalStatus.ACCEPTED,
)


@dataclass(frozen=True)
class Finding:
    """One checklist item: what was checked, the result, a note and the repair it needs."""

    item: str
    result: FindingResult
    note: str
    repair_cost: Decimal


def findings(rows: Sequence[tuple[str, str, str, Decimal | int | str]]) -> list[Finding]:
    """Checked findings from (item, result, note, repair_cost) rows, or InvalidValueError.

    1 to MAX_FINDINGS items, each named once; result ok / attention / fail; repair cost ≥ 0
    (an ok item costs nothing to repair).
    """
    if not 1 <= len(rows) <= MAX_FINDINGS:
        raise InvalidValueError(f"an inspection lists 1 to {MAX_FINDINGS} items")
    out: list[Finding] = []
    seen: set[str] = set()
    for item, result, note, cost in rows:
        name = values.text(item, "item", max_length=60)
        if name.lower() in seen:
            raise InvalidValueError(f"item {name!r} is listed twice")
        seen.add(name.lower())
        try:
            outcome = FindingResult(result)
        except ValueError:
            raise InvalidValueError("result must be ok, attention or fail") from None
        repair = values.money(cost, field="repair_cost")
        if outcome is FindingResult.OK and repair != 0:
            raise InvalidValueError(f"item {name!r} is ok: it needs no repair cost")
        out.append(Finding(name, outcome, values.text(note, "note", required=False), repair))
    return out


def _positive(value: Decimal | int | str, field: str) -> Decimal:
    amount = values.money(value, field=field)
    if amount == 0:
        raise InvalidValueError(f"{field} must be positive")
    return amount


class Appraisal(ShowroomAggregate):
    """One look at one customer's car by an appraiser of a store."""

    class Created(ShowroomAggregate.Created):
        store_id: UUID
        appraiser_id: UUID
        customer_id: UUID | None
        vin: str
        make: str
        model: str
        trim: str
        colour: str
        model_year: int
        mileage_km: int
        grade: str

    class Inspected(ShowroomAggregate.Event):
        """The checklist (parallel lists, one entry per item) and its repair estimate."""

        items: list[str]
        results: list[str]
        notes: list[str]
        repair_costs: list[Decimal]
        repair_estimate: Decimal

    class Valued(ShowroomAggregate.Event):
        acv: Decimal

    class Offered(ShowroomAggregate.Event):
        amount: Decimal
        expires_at: datetime

    class Accepted(ShowroomAggregate.Event):
        deal_id: UUID

    class Acquired(ShowroomAggregate.Event):
        vehicle_id: UUID

    class Declined(ShowroomAggregate.Event):
        reason: str

    class Expired(ShowroomAggregate.Event):
        pass

    @classmethod
    def create(
        cls,
        store_id: UUID,
        appraiser_id: UUID,
        customer_id: UUID | None,
        vin: str,
        make: str,
        model: str,
        trim: str,
        colour: str,
        model_year: int,
        mileage_km: int,
        grade: str,
        occurred_at: datetime,
    ) -> Appraisal:
        """Start an appraisal of a car; its model year is 1990 to next year."""
        if isinstance(model_year, bool) or not isinstance(model_year, int):
            raise InvalidValueError("model_year must be a whole number")
        latest = occurred_at.year + 1
        if not FIRST_MODEL_YEAR <= model_year <= latest:
            raise InvalidValueError(f"model_year must be between {FIRST_MODEL_YEAR} and {latest}")
        if isinstance(mileage_km, bool) or not isinstance(mileage_km, int):
            raise InvalidValueError("mileage_km must be a whole number")
        if not 0 <= mileage_km <= MAX_MILEAGE_KM:
            raise InvalidValueError(f"mileage_km must be between 0 and {MAX_MILEAGE_KM}")
        try:
            graded = Grade(grade)
        except ValueError:
            raise InvalidValueError("grade must be excellent, good, fair or poor") from None
        return cls(
            store_id=store_id,
            appraiser_id=appraiser_id,
            customer_id=customer_id,
            vin=values.vin(vin),
            make=values.text(make, "make", max_length=60),
            model=values.text(model, "model", max_length=60),
            trim=values.text(trim, "trim", max_length=60, required=False),
            colour=values.text(colour, "colour", max_length=60, required=False),
            model_year=model_year,
            mileage_km=mileage_km,
            grade=graded.value,
            occurred_at=occurred_at,
        )

    @event(Created)
    def __init__(
        self,
        store_id: UUID,
        appraiser_id: UUID,
        customer_id: UUID | None,
        vin: str,
        make: str,
        model: str,
        trim: str,
        colour: str,
        model_year: int,
        mileage_km: int,
        grade: str,
        occurred_at: datetime,
    ) -> None:
        self.store_id = store_id
        self.appraiser_id = appraiser_id
        self.customer_id = customer_id
        self.vin = vin
        self.make, self.model, self.trim, self.colour = make, model, trim, colour
        self.model_year = model_year
        self.mileage_km = mileage_km
        self.grade = Grade(grade)
        self.status = AppraisalStatus.OPEN
        self.created_at = occurred_at
        self.findings: list[Finding] = []
        self.repair_estimate = _ZERO
        self.acv: Decimal | None = None
        self.offer: Decimal | None = None
        self.expires_at: datetime | None = None
        self.deal_id: UUID | None = None
        self.vehicle_id: UUID | None = None
        self.closed_at: datetime | None = None
        self.decline_reason: str | None = None

    def _ensure(self, action: str, *allowed: AppraisalStatus) -> None:
        if self.status not in allowed:
            raise IllegalTransitionError("appraisal", self.id, self.status.value, action)

    def offer_expired(self, moment: datetime) -> bool:
        """Whether an offer made is past its expiry at `moment`."""
        return self.expires_at is not None and moment > self.expires_at

    # --- inspection and value -----------------------------------------------------------------

    def inspect(
        self, rows: Sequence[tuple[str, str, str, Decimal | int | str]], occurred_at: datetime
    ) -> None:
        """Record the checklist; the repair estimate is the sum of the items' repair costs."""
        self._ensure("inspect", *INSPECTABLE)
        checked = findings(rows)
        self._inspect(
            items=[f.item for f in checked],
            results=[f.result.value for f in checked],
            notes=[f.note for f in checked],
            repair_costs=[f.repair_cost for f in checked],
            repair_estimate=sum((f.repair_cost for f in checked), _ZERO),
            occurred_at=occurred_at,
        )

    @event(Inspected)
    def _inspect(
        self,
        items: list[str],
        results: list[str],
        notes: list[str],
        repair_costs: list[Decimal],
        repair_estimate: Decimal,
        occurred_at: datetime,
    ) -> None:
        self.findings = [
            Finding(i, FindingResult(r), n, c)
            for i, r, n, c in zip(items, results, notes, repair_costs, strict=True)
        ]
        self.repair_estimate = repair_estimate
        self.status = AppraisalStatus.INSPECTED

    def value(self, acv: Decimal | int | str, occurred_at: datetime) -> None:
        """Set the actual cash value; a new value withdraws an offer made on the old one."""
        self._ensure("value", *VALUABLE)
        self._value(acv=_positive(acv, "acv"), occurred_at=occurred_at)

    @event(Valued)
    def _value(self, acv: Decimal, occurred_at: datetime) -> None:
        self.acv = acv
        self.offer = None
        self.expires_at = None
        self.status = AppraisalStatus.VALUED

    def make_offer(
        self, amount: Decimal | int | str, expires_at: datetime, occurred_at: datetime
    ) -> None:
        """Offer the customer `amount` for the car until `expires_at` (a new offer replaces)."""
        self._ensure("make an offer on", AppraisalStatus.VALUED, AppraisalStatus.OFFERED)
        price = _positive(amount, "offer")
        if expires_at.tzinfo is None:
            raise InvalidValueError("expires_at needs a time zone")
        if expires_at <= occurred_at:
            raise InvalidValueError("an offer must expire after it is made")
        self._make_offer(amount=price, expires_at=expires_at, occurred_at=occurred_at)

    @event(Offered)
    def _make_offer(self, amount: Decimal, expires_at: datetime, occurred_at: datetime) -> None:
        self.offer = amount
        self.expires_at = expires_at
        self.status = AppraisalStatus.OFFERED

    # --- outcome ------------------------------------------------------------------------------

    def accept(self, deal_id: UUID, occurred_at: datetime) -> None:
        """The customer takes the offer as a trade-in on `deal_id`, before it expires."""
        if self.status is AppraisalStatus.ACCEPTED and self.deal_id != deal_id:
            raise AppraisalOnAnotherDealError(
                f"appraisal {self.id} is on deal {self.deal_id}", deal_id=str(self.deal_id)
            )
        self._ensure("accept", AppraisalStatus.OFFERED)
        if self.offer_expired(occurred_at):
            raise AppraisalOfferExpiredError(f"the offer expired at {self.expires_at}")
        self._accept(deal_id=deal_id, occurred_at=occurred_at)

    @event(Accepted)
    def _accept(self, deal_id: UUID, occurred_at: datetime) -> None:
        self.deal_id = deal_id
        self.status = AppraisalStatus.ACCEPTED

    def acquire(self, vehicle_id: UUID, occurred_at: datetime) -> None:
        """The deal was delivered: the car is the dealer's, as `vehicle_id` in used stock."""
        self._ensure("acquire", AppraisalStatus.ACCEPTED)
        self._acquire(vehicle_id=vehicle_id, occurred_at=occurred_at)

    @event(Acquired)
    def _acquire(self, vehicle_id: UUID, occurred_at: datetime) -> None:
        self.vehicle_id = vehicle_id
        self.status = AppraisalStatus.ACQUIRED
        self.closed_at = occurred_at

    def decline(self, reason: str, occurred_at: datetime) -> None:
        """The customer (or the dealer) walked away; the appraisal stays as a look."""
        self._ensure("decline", *DECLINABLE)
        self._decline(reason=values.text(reason, "reason", max_length=500), occurred_at=occurred_at)

    @event(Declined)
    def _decline(self, reason: str, occurred_at: datetime) -> None:
        self.status = AppraisalStatus.DECLINED
        self.decline_reason = reason
        self.closed_at = occurred_at

    def expire(self, occurred_at: datetime) -> None:
        """Close an offer whose expiry has passed (nobody accepted it in time)."""
        self._ensure("expire", AppraisalStatus.OFFERED)
        if not self.offer_expired(occurred_at):
            raise AppraisalOfferNotExpiredError(f"the offer runs until {self.expires_at}")
        self._expire(occurred_at=occurred_at)

    @event(Expired)
    def _expire(self, occurred_at: datetime) -> None:
        self.status = AppraisalStatus.EXPIRED
        self.closed_at = occurred_at
