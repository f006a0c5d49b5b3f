"""Sales: a deal from first talk to delivery, with its vehicle, price, gross, credit and F&I."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal, InvalidOperation
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import event

from domain.appraisals.errors import TradeInAlreadyAttachedError
from domain.inventory.model import Vehicle
from domain.sales.desking import (
    NOTHING,
    ApprovalLevel,
    Quote,
    Requirement,
    amount_financed,
    covers,
)
from domain.sales.errors import (
    DealApprovalNotNeededError,
    DealApprovalNotPendingError,
    DealApprovalPendingError,
    DealApprovalRefusedError,
    DealApprovalRequiredError,
    DealApproverLevelError,
    DealCreditSharesError,
    DealDiscountTooLargeError,
    DealDownPaymentError,
    DealNoOrderError,
    DealOrderPlacedError,
    DealProductAlreadyCancelledError,
    DealProductExistsError,
    DealProductNotFoundError,
    DealTooManyProductsError,
    DealVehicleAlreadyAttachedError,
    DealVehicleMissingError,
    DealVehicleOtherStoreError,
)
from domain.shared import values
from domain.shared.aggregate import ShowroomAggregate
from domain.shared.errors import IllegalTransitionError, InvalidValueError
from domain.shared.shares import SHARE_STEP


class DealStatus(StrEnum):
    OPEN = "open"
    QUOTED = "quoted"
    CONTRACTED = "contracted"
    DELIVERED = "delivered"
    UNWOUND = "unwound"
    CANCELLED = "cancelled"


# Before the contract the deal may still change its vehicle, its quote, or be cancelled.
NEGOTIATING = (DealStatus.OPEN, DealStatus.QUOTED)
# Until the car is handed over the credit may be split and F&I products sold.
BEFORE_DELIVERY = (DealStatus.OPEN, DealStatus.QUOTED, DealStatus.CONTRACTED)
# An F&I product can be cancelled before delivery and after it (a chargeback), not once the
# deal is closed: an unwind takes back the whole deal, products included.
PRODUCTS_CANCELLABLE = (*BEFORE_DELIVERY, DealStatus.DELIVERED)

WHOLE = Decimal("1")
MAX_CREDITS = 4
MAX_PRODUCTS = 20


def _reason(value: str) -> str:
    return values.text(value, "reason", max_length=500)


# --- credit: who sold the deal, and in what shares ----------------------------------------------


def credit_shares(
    salesperson_ids: Sequence[UUID], shares: Sequence[Decimal | int | str]
) -> list[Decimal]:
    """The shares as Decimals of two places: each > 0, together exactly 1, one per salesperson.

    Refused (DealCreditSharesError): floats, a share of more than two decimals, a zero or
    negative share, a repeated salesperson, more than MAX_CREDITS people, or a sum other than 1.
    """
    if len(salesperson_ids) != len(shares):
        raise DealCreditSharesError("give one share for every salesperson")
    if not 1 <= len(salesperson_ids) <= MAX_CREDITS:
        raise DealCreditSharesError(f"a deal is credited to 1 to {MAX_CREDITS} salespeople")
    if len(set(salesperson_ids)) != len(salesperson_ids):
        raise DealCreditSharesError("a salesperson appears twice in the credit")
    parsed: list[Decimal] = []
    for share in shares:
        if isinstance(share, float | bool):
            raise DealCreditSharesError("a share must be a decimal string, not a float")
        try:
            value = Decimal(share)
        except (InvalidOperation, ValueError, TypeError):
            raise DealCreditSharesError(f"share {share!r} is not a number") from None
        if not value.is_finite() or value <= 0 or value > WHOLE:
            raise DealCreditSharesError(f"share {share} is not above 0 and at most 1")
        if value != value.quantize(SHARE_STEP, rounding=ROUND_FLOOR):
            raise DealCreditSharesError(f"share {share} has more than two decimals")
        parsed.append(value.quantize(SHARE_STEP))
    if sum(parsed, Decimal(0)) != WHOLE:
        raise DealCreditSharesError(f"shares sum to {sum(parsed, Decimal(0))}, not 1")
    return parsed


# --- F&I and add-on products ------------------------------------------------------------------


class ProductKind(StrEnum):
    FINANCE = "finance"  # a finance contract: lender, loan amount, dealer income (reserve)
    INSURANCE = "insurance"  # a policy: premium, commission income
    WARRANTY = "warranty"  # an extended warranty: price, income
    GAP = "gap"  # GAP cover: price, income
    ACCESSORIES = "accessories"  # 精品: revenue and cost; income is the margin


@dataclass(frozen=True)
class DealProduct:
    """An F&I or add-on product sold on a deal (money in yuan, two decimals)."""

    product_id: UUID
    kind: ProductKind
    provider: str | None
    amount: Decimal
    income: Decimal
    revenue: Decimal
    cost: Decimal
    added_at: datetime
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None

    @property
    def active(self) -> bool:
        return self.cancelled_at is None


_ZERO = Decimal("0.00")


def _optional_money(value: Decimal | int | str | None, field: str) -> Decimal | None:
    return None if value is None else values.money(value, field=field)


@dataclass(frozen=True)
class ProductTerms:
    """A product's fields as Deal.ProductAdded records them."""

    kind: str
    provider: str | None
    amount: Decimal
    income: Decimal
    revenue: Decimal
    cost: Decimal


def product_terms(
    kind: str,
    provider: str | None,
    amount: Decimal | int | str | None,
    income: Decimal | int | str | None,
    revenue: Decimal | int | str | None,
    cost: Decimal | int | str | None,
) -> ProductTerms:
    """The event fields of a product of `kind`, or InvalidValueError.

    - finance: provider (the lender) and amount (the loan, > 0) required; income is the dealer's
      finance income (reserve/commission), required.
    - insurance, warranty, gap: income required; amount is the premium or price (default 0);
      provider optional.
    - accessories: revenue and cost required; income is revenue − cost (may be negative: sold
      below cost); a given income must equal it; amount defaults to the revenue.
    Revenue and cost belong to accessories only.
    """
    try:
        product_kind = ProductKind(kind)
    except ValueError:
        allowed = ", ".join(k.value for k in ProductKind)
        raise InvalidValueError(f"kind must be one of {allowed}") from None
    who = None if provider is None else (values.text(provider, "provider", max_length=100) or None)
    paid = _optional_money(amount, "amount")
    sold = _optional_money(revenue, "revenue")
    bought = _optional_money(cost, "cost")
    if product_kind is ProductKind.ACCESSORIES:
        if sold is None or bought is None:
            raise InvalidValueError("accessories need revenue and cost")
        margin = sold - bought
        if income is not None and values.money(income, field="income", allow_negative=True) != (
            margin
        ):
            raise InvalidValueError(f"accessories income is revenue − cost = {margin}")
        return ProductTerms(
            kind=product_kind.value,
            provider=who,
            amount=sold if paid is None else paid,
            income=margin,
            revenue=sold,
            cost=bought,
        )
    if sold is not None or bought is not None:
        raise InvalidValueError("revenue and cost are for accessories only")
    earned = _optional_money(income, "income")
    if earned is None:
        raise InvalidValueError(f"a {product_kind.value} product needs its income")
    if product_kind is ProductKind.FINANCE:
        if who is None:
            raise InvalidValueError("a finance contract needs its lender (provider)")
        if paid is None or paid == 0:
            raise InvalidValueError("a finance contract needs the loan amount")
    return ProductTerms(
        kind=product_kind.value,
        provider=who,
        amount=_ZERO if paid is None else paid,
        income=earned,
        revenue=_ZERO,
        cost=_ZERO,
    )


class ApprovalStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


@dataclass(frozen=True)
class DealApproval:
    """The approval of the deal's current quote: asked for, then approved or refused.

    A new quote or another vehicle clears it: an approval covers the figures it was given for.
    """

    status: ApprovalStatus
    level: ApprovalLevel  # what the quote needed when it was asked for
    reasons: tuple[str, ...]
    price: Decimal
    discount: Decimal
    requested_at: datetime
    requested_by: str | None
    note: str | None
    decided_level: ApprovalLevel | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision_note: str | None = None


class Deal(ShowroomAggregate):
    """One sale of one vehicle to one customer by one salesperson of a store."""

    class Opened(ShowroomAggregate.Created):
        store_id: UUID
        customer_id: UUID
        salesperson_id: UUID
        lead_id: UUID | None

    class VehicleAttached(ShowroomAggregate.Event):
        vehicle_id: UUID
        vin: str
        cost: Decimal
        list_price: Decimal
        condition: str
        make: str
        model: str
        trim: str
        colour: str

    class Quoted(ShowroomAggregate.Event):
        price: Decimal
        discount: Decimal

    class ContractSigned(ShowroomAggregate.Event):
        selling_price: Decimal
        front_gross: Decimal

    class CreditSplit(ShowroomAggregate.Event):
        """The deal is credited to these salespeople in these shares (parallel lists)."""

        salesperson_ids: list[UUID]
        shares: list[Decimal]

    class ProductAdded(ShowroomAggregate.Event):
        product_id: UUID
        kind: str
        provider: str | None
        amount: Decimal
        income: Decimal
        revenue: Decimal
        cost: Decimal

    class ProductCancelled(ShowroomAggregate.Event):
        product_id: UUID
        reason: str

    class Delivered(ShowroomAggregate.Event):
        pass

    class Unwound(ShowroomAggregate.Event):
        reason: str

    class Cancelled(ShowroomAggregate.Event):
        reason: str

    # --- opening ------------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        store_id: UUID,
        customer_id: UUID,
        salesperson_id: UUID,
        lead_id: UUID | None,
        occurred_at: datetime,
    ) -> Deal:
        return cls(
            store_id=store_id,
            customer_id=customer_id,
            salesperson_id=salesperson_id,
            lead_id=lead_id,
            occurred_at=occurred_at,
        )

    @event(Opened)
    def __init__(
        self,
        store_id: UUID,
        customer_id: UUID,
        salesperson_id: UUID,
        lead_id: UUID | None,
        occurred_at: datetime,
    ) -> None:
        self.store_id = store_id
        self.customer_id = customer_id
        self.salesperson_id = salesperson_id
        self.lead_id = lead_id
        self.status = DealStatus.OPEN
        self.opened_at = occurred_at
        self.vehicle_id: UUID | None = None
        self.vin: str | None = None
        self.vehicle_cost: Decimal | None = None
        self.list_price: Decimal | None = None
        self.condition: values.Condition | None = None
        self.make: str | None = None
        self.model: str | None = None
        self.trim: str | None = None
        self.colour: str | None = None
        self.price: Decimal | None = None
        self.discount: Decimal | None = None
        self.selling_price: Decimal | None = None
        self.front_gross: Decimal | None = None
        self.contracted_at: datetime | None = None
        self.delivered_at: datetime | None = None
        self.closed_at: datetime | None = None
        self.close_reason: str | None = None
        # Until split, the whole deal is credited to its salesperson.
        self.credits: dict[UUID, Decimal] = {salesperson_id: WHOLE}
        self.products: dict[UUID, DealProduct] = {}

    @property
    def back_gross(self) -> Decimal:
        """Income of the products not cancelled: finance income, commissions, accessory margin."""
        return sum((p.income for p in self.products.values() if p.active), _ZERO)

    def is_credited_to(self, staff_id: UUID | None) -> bool:
        return staff_id is not None and staff_id in self.credits

    def _ensure(self, action: str, *allowed: DealStatus) -> None:
        if self.status not in allowed:
            raise IllegalTransitionError("deal", self.id, self.status.value, action)

    # --- negotiation --------------------------------------------------------------------------

    def attach_vehicle(self, vehicle: Vehicle, occurred_at: datetime) -> None:
        """Put a vehicle of the deal's store on the deal; any quote must be made again.

        The caller reserves `vehicle` (and releases the previous one) in the same save.
        """
        self._ensure("attach a vehicle to", *NEGOTIATING)
        self._ensure_no_order("attach a vehicle to")
        if vehicle.id == self.vehicle_id:
            raise DealVehicleAlreadyAttachedError(
                f"vehicle {vehicle.id} is already on deal {self.id}"
            )
        if vehicle.store_id != self.store_id:
            raise DealVehicleOtherStoreError(
                f"vehicle {vehicle.id} stands in store {vehicle.store_id}, not {self.store_id}"
            )
        self._attach_vehicle(
            vehicle_id=vehicle.id,
            vin=vehicle.vin,
            cost=vehicle.cost,
            list_price=vehicle.list_price,
            condition=vehicle.condition.value,
            make=vehicle.make,
            model=vehicle.model,
            trim=vehicle.trim,
            colour=vehicle.colour,
            occurred_at=occurred_at,
        )

    @event(VehicleAttached)
    def _attach_vehicle(
        self,
        vehicle_id: UUID,
        vin: str,
        cost: Decimal,
        list_price: Decimal,
        condition: str,
        make: str,
        model: str,
        trim: str,
        colour: str,
        occurred_at: datetime,
    ) -> None:
        self.vehicle_id = vehicle_id
        self.vin = vin
        self.vehicle_cost = cost
        self.list_price = list_price
        self.condition = values.Condition(condition)
        self.make, self.model, self.trim, self.colour = make, model, trim, colour
        # A quote was for the previous vehicle.
        self.status = DealStatus.OPEN
        self.price = None
        self.discount = None
        self.approval = None  # and so was its approval

    def quote(
        self, price: Decimal | int | str, discount: Decimal | int | str, occurred_at: datetime
    ) -> None:
        """Offer the attached vehicle at `price` less `discount` (a new quote replaces the old)."""
        self._ensure("quote", *NEGOTIATING)
        self._ensure_no_order("quote")
        if self.vehicle_id is None:
            raise DealVehicleMissingError(f"deal {self.id} needs a vehicle before a quote")
        amount = values.money(price, field="price")
        if amount == 0:
            raise InvalidValueError("price must be positive")
        off = values.money(discount, field="discount")
        if off > amount:
            raise DealDiscountTooLargeError(f"discount {off} is larger than price {amount}")
        self._quote(price=amount, discount=off, occurred_at=occurred_at)

    @event(Quoted)
    def _quote(self, price: Decimal, discount: Decimal, occurred_at: datetime) -> None:
        self.status = DealStatus.QUOTED
        self.price = price
        self.discount = discount
        # Any new quote needs its own approval (docs/desking.md).
        self.approval = None

    # --- credit -------------------------------------------------------------------------------

    def split_credit(
        self,
        salesperson_ids: Sequence[UUID],
        shares: Sequence[Decimal | int | str],
        occurred_at: datetime,
    ) -> None:
        """Credit the deal to these salespeople in these shares (the caller checks the staff).

        Allowed until delivery. The deal's own salesperson keeps it (ownership, access) and
        must be among those credited; one salesperson at 1 undoes a split.
        """
        self._ensure("split the credit of", *BEFORE_DELIVERY)
        parsed = credit_shares(salesperson_ids, shares)
        if self.salesperson_id not in salesperson_ids:
            raise DealCreditSharesError(
                f"the deal's salesperson {self.salesperson_id} must keep a share"
            )
        self._split_credit(
            salesperson_ids=list(salesperson_ids), shares=parsed, occurred_at=occurred_at
        )

    @event(CreditSplit)
    def _split_credit(
        self, salesperson_ids: list[UUID], shares: list[Decimal], occurred_at: datetime
    ) -> None:
        self.credits = dict(zip(salesperson_ids, shares, strict=True))

    # --- F&I and add-ons ----------------------------------------------------------------------

    def add_product(
        self,
        product_id: UUID,
        kind: str,
        occurred_at: datetime,
        provider: str | None = None,
        amount: Decimal | int | str | None = None,
        income: Decimal | int | str | None = None,
        revenue: Decimal | int | str | None = None,
        cost: Decimal | int | str | None = None,
    ) -> None:
        """Sell an F&I product or accessories on the deal, before delivery (see product_terms)."""
        self._ensure("add a product to", *BEFORE_DELIVERY)
        if product_id in self.products:
            raise DealProductExistsError(f"product {product_id} is already on deal {self.id}")
        if len(self.products) >= MAX_PRODUCTS:
            raise DealTooManyProductsError(f"a deal holds at most {MAX_PRODUCTS} products")
        terms = product_terms(kind, provider, amount, income, revenue, cost)
        self._add_product(
            product_id=product_id,
            kind=terms.kind,
            provider=terms.provider,
            amount=terms.amount,
            income=terms.income,
            revenue=terms.revenue,
            cost=terms.cost,
            occurred_at=occurred_at,
        )

    @event(ProductAdded)
    def _add_product(
        self,
        product_id: UUID,
        kind: str,
        provider: str | None,
        amount: Decimal,
        income: Decimal,
        revenue: Decimal,
        cost: Decimal,
        occurred_at: datetime,
    ) -> None:
        self.products[product_id] = DealProduct(
            product_id=product_id,
            kind=ProductKind(kind),
            provider=provider,
            amount=amount,
            income=income,
            revenue=revenue,
            cost=cost,
            added_at=occurred_at,
        )

    def cancel_product(self, product_id: UUID, reason: str, occurred_at: datetime) -> None:
        """Cancel a product, before or after delivery (after it, pay is charged back)."""
        self._ensure("cancel a product of", *PRODUCTS_CANCELLABLE)
        product = self.products.get(product_id)
        if product is None:
            raise DealProductNotFoundError(self.id, product_id)
        if not product.active:
            raise DealProductAlreadyCancelledError(
                f"product {product_id} was cancelled already", product_id=str(product_id)
            )
        self._cancel_product(product_id=product_id, reason=_reason(reason), occurred_at=occurred_at)

    @event(ProductCancelled)
    def _cancel_product(self, product_id: UUID, reason: str, occurred_at: datetime) -> None:
        self.products[product_id] = replace(
            self.products[product_id], cancelled_at=occurred_at, cancel_reason=reason
        )

    # --- contract and after -------------------------------------------------------------------

    def sign_contract(self, occurred_at: datetime, requirement: Requirement | None = None) -> None:
        """Sign at the quoted price; the caller marks the vehicle sold in the same save.

        `requirement` is what the store's rules ask of this quote (desking.evaluate); refused
        (409) while an approval is pending or was refused, or the quote needs one not given.
        """
        self._ensure("sign the contract of", DealStatus.QUOTED)
        self._ensure_approved(requirement or NOTHING)
        if self.price is None or self.discount is None or self.vehicle_cost is None:
            raise DealVehicleMissingError(f"deal {self.id} has no quoted vehicle")
        selling_price = self.price - self.discount
        self._sign_contract(
            selling_price=selling_price,
            # The trade's ACV − allowance: an over-allowance lowers it (docs/trade-ins.md).
            front_gross=values.money(
                selling_price - self.vehicle_cost + self.trade_adjustment,
                field="front_gross",
                allow_negative=True,
            ),
            occurred_at=occurred_at,
        )

    @event(ContractSigned)
    def _sign_contract(
        self, selling_price: Decimal, front_gross: Decimal, occurred_at: datetime
    ) -> None:
        self.status = DealStatus.CONTRACTED
        self.selling_price = selling_price
        self.front_gross = front_gross
        self.contracted_at = occurred_at

    def deliver(self, occurred_at: datetime) -> None:
        """Hand the vehicle to the customer; the caller marks the vehicle delivered too."""
        self._ensure("deliver", DealStatus.CONTRACTED)
        self._deliver(occurred_at=occurred_at)

    @event(Delivered)
    def _deliver(self, occurred_at: datetime) -> None:
        self.status = DealStatus.DELIVERED
        self.delivered_at = occurred_at

    def unwind(self, reason: str, occurred_at: datetime) -> None:
        """Take a delivered sale back; the caller returns the vehicle to stock in the same save."""
        self._ensure("unwind", DealStatus.DELIVERED)
        self._unwind(reason=_reason(reason), occurred_at=occurred_at)

    @event(Unwound)
    def _unwind(self, reason: str, occurred_at: datetime) -> None:
        self.status = DealStatus.UNWOUND
        self.closed_at = occurred_at
        self.close_reason = reason

    def cancel(self, reason: str, occurred_at: datetime) -> None:
        """Give up before the contract; the caller releases the vehicle in the same save."""
        self._ensure("cancel", *NEGOTIATING)
        self._ensure_no_order("cancel")
        self._cancel(reason=_reason(reason), occurred_at=occurred_at)

    @event(Cancelled)
    def _cancel(self, reason: str, occurred_at: datetime) -> None:
        self.status = DealStatus.CANCELLED
        self.closed_at = occurred_at
        self.close_reason = reason

    # --- desking: approvals, structure, order (docs/desking.md) -------------------------------
    # Added after the first events: a deal replayed from an older log has none of these, so
    # the class defaults stand for "none yet".

    approval: DealApproval | None = None
    down_payment: Decimal | None = None
    order_deposit: Decimal | None = None
    ordered_at: datetime | None = None
    order_cancel_reason: str | None = None

    class ApprovalRequested(ShowroomAggregate.Event):
        """The salesperson asks for approval of the current quote at `level` (the highest level
        the store's rules named, `reasons` the rules it broke)."""

        store_id: UUID
        salesperson_id: UUID
        level: str
        reasons: list[str]
        price: Decimal
        discount: Decimal
        note: str | None
        requested_by: str | None

    class ApprovalGranted(ShowroomAggregate.Event):
        store_id: UUID
        salesperson_id: UUID
        level: str  # the approver's level
        note: str | None
        decided_by: str | None

    class ApprovalRefused(ShowroomAggregate.Event):
        store_id: UUID
        salesperson_id: UUID
        level: str  # the refuser's level
        reason: str
        decided_by: str | None

    class StructureSet(ShowroomAggregate.Event):
        """The money structure: down payment, and the amount financed it left at the time."""

        down_payment: Decimal
        amount_financed: Decimal

    class OrderPlaced(ShowroomAggregate.Event):
        """The customer's order (订单) with a deposit: the price and vehicle are held."""

        deposit: Decimal
        vehicle_id: UUID

    class OrderCancelled(ShowroomAggregate.Event):
        reason: str
        vehicle_id: UUID | None

    @property
    def quote_figures(self) -> Quote | None:
        """The current quote as the approval rules read it (None before a quote)."""
        if (
            self.price is None
            or self.discount is None
            or self.list_price is None
            or self.vehicle_cost is None
        ):
            return None
        return Quote(
            list_price=self.list_price,
            price=self.price,
            discount=self.discount,
            cost=self.vehicle_cost,
            model=self.model,
            over_allowance=-self.trade_adjustment,
        )

    @property
    def ordered(self) -> bool:
        return self.order_deposit is not None and self.status is DealStatus.QUOTED

    @property
    def trade_equity(self) -> Decimal:
        """Trade allowance less payoff (docs/trade-ins.md); zero without a trade-in."""
        return self.trade_in.equity if self.trade_in is not None else _ZERO

    @property
    def amount_financed(self) -> Decimal | None:
        """Selling price − down payment − trade equity, as the deal stands now."""
        if self.down_payment is None or self.price is None or self.discount is None:
            return None
        selling = self.selling_price or (self.price - self.discount)
        return amount_financed(selling, self.down_payment, self.trade_equity)

    def _ensure_no_order(self, action: str) -> None:
        if self.ordered:
            raise DealOrderPlacedError(
                f"cannot {action} deal {self.id}: it has an order; cancel the order first"
            )

    def _ensure_approved(self, requirement: Requirement) -> None:
        """The gate before an order or a contract (409 with what is missing)."""
        approval = self.approval
        if approval is not None and approval.status is ApprovalStatus.PENDING:
            raise DealApprovalPendingError(
                f"the quote of deal {self.id} waits for approval by a {approval.level.value}",
                level=approval.level.value,
            )
        if approval is not None and approval.status is ApprovalStatus.REFUSED:
            raise DealApprovalRefusedError(
                f"the quote of deal {self.id} was refused: {approval.decision_note}",
                level=approval.level.value,
            )
        granted = approval.decided_level if approval is not None else None
        needed = requirement.level
        if needed is not None and not covers(granted, needed):
            raise DealApprovalRequiredError(
                f"the quote of deal {self.id} needs approval by a {needed.value}"
                f" ({', '.join(requirement.reasons)}); request it first",
                level=needed.value,
                reasons=requirement.reasons,
            )

    def request_approval(
        self,
        requirement: Requirement,
        note: str | None,
        requested_by: str | None,
        occurred_at: datetime,
    ) -> None:
        """Ask for approval of the current quote at the level the store's rules name."""
        self._ensure("request approval of", DealStatus.QUOTED)
        if self.price is None or self.discount is None:
            raise DealVehicleMissingError(f"deal {self.id} has no quote")
        approval = self.approval
        if approval is not None and approval.status is ApprovalStatus.PENDING:
            raise DealApprovalPendingError(
                f"deal {self.id} already waits for approval", level=approval.level.value
            )
        if requirement.level is None:
            raise DealApprovalNotNeededError(f"the quote of deal {self.id} needs no approval")
        if (
            approval is not None
            and approval.status is ApprovalStatus.APPROVED
            and covers(approval.decided_level, requirement.level)
        ):
            raise DealApprovalNotNeededError(f"the quote of deal {self.id} is approved already")
        self._request_approval(
            store_id=self.store_id,
            salesperson_id=self.salesperson_id,
            level=requirement.level.value,
            reasons=requirement.reasons,
            price=self.price,
            discount=self.discount,
            note=_note(note),
            requested_by=requested_by,
            occurred_at=occurred_at,
        )

    @event(ApprovalRequested)
    def _request_approval(
        self,
        store_id: UUID,
        salesperson_id: UUID,
        level: str,
        reasons: list[str],
        price: Decimal,
        discount: Decimal,
        note: str | None,
        requested_by: str | None,
        occurred_at: datetime,
    ) -> None:
        self.approval = DealApproval(
            status=ApprovalStatus.PENDING,
            level=ApprovalLevel(level),
            reasons=tuple(reasons),
            price=price,
            discount=discount,
            requested_at=occurred_at,
            requested_by=requested_by,
            note=note,
        )

    def _pending(self, approver: ApprovalLevel | None) -> DealApproval:
        approval = self.approval
        if approval is None or approval.status is not ApprovalStatus.PENDING:
            raise DealApprovalNotPendingError(f"deal {self.id} has no approval request pending")
        if not covers(approver, approval.level):
            raise DealApproverLevelError(
                f"this request needs a {approval.level.value} or above",
                level=approval.level.value,
            )
        return approval

    def approve(
        self,
        approver: ApprovalLevel | None,
        note: str | None,
        decided_by: str | None,
        occurred_at: datetime,
    ) -> None:
        """Approve the pending request (the caller checked who may; `approver` is their level)."""
        self._pending(approver)
        self._approve(
            store_id=self.store_id,
            salesperson_id=self.salesperson_id,
            level=_level_value(approver),
            note=_note(note),
            decided_by=decided_by,
            occurred_at=occurred_at,
        )

    @event(ApprovalGranted)
    def _approve(
        self,
        store_id: UUID,
        salesperson_id: UUID,
        level: str,
        note: str | None,
        decided_by: str | None,
        occurred_at: datetime,
    ) -> None:
        if self.approval is not None:
            self.approval = replace(
                self.approval,
                status=ApprovalStatus.APPROVED,
                decided_level=ApprovalLevel(level),
                decided_by=decided_by,
                decided_at=occurred_at,
                decision_note=note,
            )

    def refuse(
        self,
        approver: ApprovalLevel | None,
        reason: str,
        decided_by: str | None,
        occurred_at: datetime,
    ) -> None:
        """Refuse the pending request with a reason the salesperson reads."""
        self._pending(approver)
        self._refuse(
            store_id=self.store_id,
            salesperson_id=self.salesperson_id,
            level=_level_value(approver),
            reason=_reason(reason),
            decided_by=decided_by,
            occurred_at=occurred_at,
        )

    @event(ApprovalRefused)
    def _refuse(
        self,
        store_id: UUID,
        salesperson_id: UUID,
        level: str,
        reason: str,
        decided_by: str | None,
        occurred_at: datetime,
    ) -> None:
        if self.approval is not None:
            self.approval = replace(
                self.approval,
                status=ApprovalStatus.REFUSED,
                decided_level=ApprovalLevel(level),
                decided_by=decided_by,
                decided_at=occurred_at,
                decision_note=reason,
            )

    def set_structure(self, down_payment: Decimal | int | str, occurred_at: datetime) -> None:
        """The down payment of a quoted or contracted deal; the rest is financed."""
        self._ensure("structure", DealStatus.QUOTED, DealStatus.CONTRACTED)
        if self.price is None or self.discount is None:
            raise DealVehicleMissingError(f"deal {self.id} has no quote")
        down = values.money(down_payment, field="down_payment")
        selling = self.selling_price or (self.price - self.discount)
        if down > selling:
            raise DealDownPaymentError(f"down payment {down} is above the selling price {selling}")
        self._set_structure(
            down_payment=down,
            amount_financed=amount_financed(selling, down, self.trade_equity),
            occurred_at=occurred_at,
        )

    @event(StructureSet)
    def _set_structure(
        self, down_payment: Decimal, amount_financed: Decimal, occurred_at: datetime
    ) -> None:
        self.down_payment = down_payment

    def place_order(
        self,
        deposit: Decimal | int | str,
        occurred_at: datetime,
        requirement: Requirement | None = None,
    ) -> None:
        """The customer orders at the quote with a deposit; the quote must be approved as a
        contract would be. The vehicle stays held for the deal (the caller checks it is)."""
        self._ensure("place an order on", DealStatus.QUOTED)
        self._ensure_no_order("place another order on")
        if self.vehicle_id is None or self.price is None or self.discount is None:
            raise DealVehicleMissingError(f"deal {self.id} has no quoted vehicle")
        self._ensure_approved(requirement or NOTHING)
        amount = values.money(deposit, field="deposit")
        if amount == 0:
            raise InvalidValueError("deposit must be positive")
        if amount > self.price - self.discount:
            raise InvalidValueError("deposit is above the selling price")
        self._place_order(deposit=amount, vehicle_id=self.vehicle_id, occurred_at=occurred_at)

    @event(OrderPlaced)
    def _place_order(self, deposit: Decimal, vehicle_id: UUID, occurred_at: datetime) -> None:
        self.order_deposit = deposit
        self.ordered_at = occurred_at

    def cancel_order(self, reason: str, occurred_at: datetime) -> None:
        """The customer cancels the order: the deal closes (Cancelled) with the same reason;
        the caller releases the vehicle in the same save."""
        if not self.ordered:
            raise DealNoOrderError(f"deal {self.id} has no order to cancel")
        why = _reason(reason)
        self._cancel_order(reason=why, vehicle_id=self.vehicle_id, occurred_at=occurred_at)
        self._cancel(reason=why, occurred_at=occurred_at)

    @event(OrderCancelled)
    def _cancel_order(self, reason: str, vehicle_id: UUID | None, occurred_at: datetime) -> None:
        self.order_cancel_reason = reason

    # --- funded loans (domain/finance) ---------------------------------------------------------

    def add_funded_loan(
        self,
        product_id: UUID,
        lender: str,
        amount: Decimal,
        income: Decimal,
        occurred_at: datetime,
    ) -> None:
        """A loan application of this deal was funded: the dealer's reserve or participation
        becomes the deal's finance product, recorded as any product is (Deal.ProductAdded), so
        back gross, reports and pay read it as they read F&I income today.

        A contracted or delivered deal only: a lender funds a signed contract, often after the
        car is handed over (unlike `add_product`, which stops at delivery).
        """
        self._ensure("fund a loan on", DealStatus.CONTRACTED, DealStatus.DELIVERED)
        if product_id in self.products:
            raise DealProductExistsError(f"product {product_id} is already on deal {self.id}")
        if len(self.products) >= MAX_PRODUCTS:
            raise DealTooManyProductsError(f"a deal holds at most {MAX_PRODUCTS} products")
        terms = product_terms(ProductKind.FINANCE.value, lender, amount, income, None, None)
        self._add_product(
            product_id=product_id,
            kind=terms.kind,
            provider=terms.provider,
            amount=terms.amount,
            income=terms.income,
            revenue=terms.revenue,
            cost=terms.cost,
            occurred_at=occurred_at,
        )

    @property
    def financed(self) -> bool:
        """A finance contract stands on the deal (funded through an application or entered)."""
        return any(p.active and p.kind is ProductKind.FINANCE for p in self.products.values())

    # --- trade-in (docs/trade-ins.md) ---------------------------------------------------------

    # Deals recorded before trade-ins existed, and deals without one, have none.
    trade_in: TradeIn | None = None

    class TradeInAttached(ShowroomAggregate.Event):
        """The customer's car goes in part exchange: its appraisal's ACV, the allowance the
        customer is given for it, and the loan still owed on it (paid off by the dealer)."""

        appraisal_id: UUID
        vin: str
        acv: Decimal
        allowance: Decimal
        payoff: Decimal

    @property
    def trade_adjustment(self) -> Decimal:
        """What the trade adds to front gross: ACV − allowance (negative: an over-allowance)."""
        if self.trade_in is None:
            return _ZERO
        return self.trade_in.acv - self.trade_in.allowance

    def attach_trade_in(
        self,
        appraisal_id: UUID,
        vin: str,
        acv: Decimal,
        allowance: Decimal | int | str,
        payoff: Decimal | int | str,
        occurred_at: datetime,
    ) -> None:
        """Take the appraised car in trade before the contract; the same appraisal may be
        attached again with new figures, another one is refused (one trade per deal)."""
        self._ensure("attach a trade-in to", *NEGOTIATING)
        if self.trade_in is not None and self.trade_in.appraisal_id != appraisal_id:
            raise TradeInAlreadyAttachedError(
                f"deal {self.id} trades in appraisal {self.trade_in.appraisal_id} already"
            )
        given = values.money(allowance, field="allowance")
        if given == 0:
            raise InvalidValueError("allowance must be positive")
        self._attach_trade_in(
            appraisal_id=appraisal_id,
            vin=values.vin(vin),
            acv=values.money(acv, field="acv"),
            allowance=given,
            payoff=values.money(payoff, field="payoff"),
            occurred_at=occurred_at,
        )

    @event(TradeInAttached)
    def _attach_trade_in(
        self,
        appraisal_id: UUID,
        vin: str,
        acv: Decimal,
        allowance: Decimal,
        payoff: Decimal,
        occurred_at: datetime,
    ) -> None:
        self.trade_in = TradeIn(appraisal_id, vin, acv, allowance, payoff)


def _note(value: str | None) -> str | None:
    if value is None:
        return None
    return values.text(value, "note", max_length=500, required=False, multiline=True) or None


def _level_value(level: ApprovalLevel | None) -> str:
    # Reached only after _pending accepted the level, which refuses None.
    if level is None:
        raise DealApproverLevelError("only a team leader, manager or general manager decides")
    return level.value


@dataclass(frozen=True)
class TradeIn:
    """The car a deal's customer trades in (money in yuan, two decimals)."""

    appraisal_id: UUID
    vin: str
    acv: Decimal
    allowance: Decimal
    payoff: Decimal

    @property
    def over_allowance(self) -> Decimal:
        """Allowance above ACV (0 when the allowance is at or under it)."""
        return max(self.allowance - self.acv, _ZERO)

    @property
    def equity(self) -> Decimal:
        """What the trade is worth to the customer's side of the deal: allowance − payoff
        (negative equity is owed on top of the new car's price)."""
        return self.allowance - self.payoff
