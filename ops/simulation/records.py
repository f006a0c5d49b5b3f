"""What the simulation keeps of the group it plays, beside the event store: its stores, their
salespeople and stock, the leads and deals still in play, and the steps still to come."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID

from domain.shared.actor import Principal
from domain.shared.values import Channel
from ops.simulation.catalog import Brand, Model

TOTALS = (
    "leads",
    "deals",
    "contracts",
    "cancelled",
    "delivered",
    "unwound",
    "revenue",
    "front_gross",
    "vehicles",
    "used",
    "trade_ins",
    "products",
    "surveys",
    "left",
    "hired",
)


@dataclass
class SimSeller:
    principal: Principal
    username: str
    active: bool = True

    @property
    def staff_id(self) -> UUID:
        if self.principal.staff_id is None:
            raise RuntimeError(f"{self.username} has no staff record")
        return self.principal.staff_id


@dataclass
class SimVehicle:
    id: UUID
    model: Model
    list_price: int
    received: date
    repriced: bool = False


@dataclass
class SimStore:
    index: int
    id: UUID
    name: str
    brand: Brand
    manager: Principal
    sellers: list[SimSeller]
    lead_rate: float
    target_stock: int
    stock: dict[UUID, SimVehicle] = field(default_factory=dict)
    available: list[UUID] = field(default_factory=list)
    rotation: int = 0
    totals: dict[str, int] = field(default_factory=dict)

    def active_sellers(self) -> list[SimSeller]:
        return [s for s in self.sellers if s.active]


@dataclass
class SimLead:
    store: SimStore
    id: UUID
    customer_id: UUID
    channel: Channel
    captured: datetime
    seller: SimSeller
    model: Model
    trim: int
    colour: str
    open: bool = True
    visited: bool = False
    test_driven: bool = False
    appointments: int = 0
    pending: UUID | None = None


@dataclass
class SimDeal:
    lead: SimLead
    id: UUID
    vehicle: SimVehicle
    discount_rate: float = 0.0
    selling_price: int = 0
    front_gross: int = 0
    status: str = "open"
    unwinding: bool = False

    def actor(self) -> Principal:
        """The seller, or the store manager once the seller has left."""
        seller = self.lead.seller
        return seller.principal if seller.active else self.lead.store.manager


@dataclass(order=True)
class Step:
    at: datetime
    seq: int
    action: Callable[[], None] = field(compare=False)
