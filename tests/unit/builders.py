"""Shared builders for the domain unit tests: a whole dealer group in memory, and its people."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.app import Showroom
from domain.crm.service import Crm
from domain.inventory.model import Vehicle
from domain.inventory.service import Inventory
from domain.leads.service import Leads
from domain.organisation.service import Organisation
from domain.sales.service import Sales
from domain.shared.actor import Principal, Role
from domain.shared.aggregate import ShowroomAggregate
from domain.shared.values import with_check_digit
from tests.unit.fakes import InMemoryPhoneIndex

PHONE_KEY = b"unit-test-phone-key"
MONDAY = datetime(2025, 3, 3, 1, 30, tzinfo=UTC)  # 09:30 on the sales floor in Shanghai
ADMIN = Principal(user_id="admin", role=Role.ADMIN, username="admin")
FINANCE = Principal(user_id="finance", role=Role.FINANCE, username="finance")
AUDITOR = Principal(user_id="auditor", role=Role.AUDITOR, username="auditor")


def at(minutes: int = 0, hours: int = 0, days: int = 0) -> datetime:
    """Business time some while after Monday morning."""
    return MONDAY + timedelta(minutes=minutes, hours=hours, days=days)


def vin(n: int) -> str:
    """A valid VIN, different for every n."""
    return with_check_digit(f"LSGKB54H0KS{n:06d}")


def phone(n: int) -> str:
    """A mainland mobile number, different for every n."""
    return f"138{n:08d}"


def new_app() -> Showroom:
    return Showroom(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})


def new_events(aggregate: ShowroomAggregate) -> list[Any]:
    """The events a command just triggered (the aggregate's pending events, now collected)."""
    return list(aggregate.collect_events())


def state(aggregate: ShowroomAggregate) -> dict[str, Any]:
    """What replay must reproduce: everything but the pending events."""
    return {k: v for k, v in vars(aggregate).items() if k != "_pending_events"}


@dataclass
class Group:
    """A dealer group with two stores, their managers and salespeople, and every service."""

    app: Showroom
    organisation: Organisation
    phones: InMemoryPhoneIndex
    crm: Crm
    leads: Leads
    inventory: Inventory
    sales: Sales
    store_id: UUID
    other_store_id: UUID
    manager: Principal
    seller: Principal
    colleague: Principal
    other_manager: Principal
    other_seller: Principal

    def salesperson(self, store_id: UUID, name: str) -> Principal:
        """Hire a salesperson and return their login."""
        staff_id = self.organisation.hire_staff(
            ADMIN, store_id, name, Role.SALESPERSON, occurred_at=MONDAY
        ).id
        return Principal(
            user_id=f"user-{name}",
            role=Role.SALESPERSON,
            store_id=store_id,
            staff_id=staff_id,
            username=name,
        )

    def store_manager(self, store_id: UUID, name: str) -> Principal:
        staff_id = self.organisation.hire_staff(
            ADMIN, store_id, name, Role.STORE_MANAGER, occurred_at=MONDAY
        ).id
        return Principal(
            user_id=f"user-{name}",
            role=Role.STORE_MANAGER,
            store_id=store_id,
            staff_id=staff_id,
            username=name,
        )

    # --- shortcuts for arranging tests --------------------------------------------------------

    def customer(self, actor: Principal | None = None, n: int = 1, name: str = "Li Wei") -> UUID:
        who = actor or self.seller
        store_id = who.store_id or self.store_id
        return self.crm.register_customer(who, store_id, name, phone(n), occurred_at=MONDAY).id

    def lead(self, actor: Principal | None = None, n: int = 1) -> UUID:
        who = actor or self.seller
        store_id = who.store_id or self.store_id
        return self.leads.capture_lead(
            who,
            store_id,
            "website",
            customer_name="Wang Fang",
            customer_phone=phone(n),
            model_interest="Han EV",
            occurred_at=MONDAY,
        ).id

    def vehicle(
        self,
        n: int = 1,
        store_id: UUID | None = None,
        cost: str = "180000",
        list_price: str = "209800",
    ) -> UUID:
        return self.inventory.receive_vehicle(
            ADMIN,
            store_id or self.store_id,
            vin(n),
            "BYD",
            "Han",
            "EV Flagship",
            "Black",
            2025,
            "new",
            Decimal(cost),
            Decimal(list_price),
            received_on=date(2025, 3, 1),
            occurred_at=MONDAY,
        ).id

    def deal(self, actor: Principal | None = None, n: int = 1) -> UUID:
        who = actor or self.seller
        store_id = who.store_id or self.store_id
        customer_id = self.customer(who, n=n)
        return self.sales.open_deal(who, store_id, customer_id, occurred_at=at(hours=1)).id

    def vehicle_of(self, vehicle_id: UUID) -> Vehicle:
        return self.inventory.get_vehicle(ADMIN, vehicle_id)


def group() -> Group:
    """A fresh in-memory dealer group: Hangzhou (the main store) and Ningbo (the other)."""
    app = new_app()
    organisation = Organisation(app)
    phones = InMemoryPhoneIndex(app)
    crm = Crm(app, phones, PHONE_KEY)
    store_id = organisation.open_store(
        ADMIN, "Hangzhou BYD", "Hangzhou", ["BYD"], occurred_at=MONDAY
    ).id
    other_store_id = organisation.open_store(
        ADMIN, "Ningbo BYD", "Ningbo", ["BYD"], occurred_at=MONDAY
    ).id
    placeholder = Principal(user_id="nobody", role=Role.AUDITOR)
    g = Group(
        app=app,
        organisation=organisation,
        phones=phones,
        crm=crm,
        leads=Leads(app, crm),
        inventory=Inventory(app),
        sales=Sales(app),
        store_id=store_id,
        other_store_id=other_store_id,
        manager=placeholder,
        seller=placeholder,
        colleague=placeholder,
        other_manager=placeholder,
        other_seller=placeholder,
    )
    g.manager = g.store_manager(store_id, "zhang")
    g.seller = g.salesperson(store_id, "chen")
    g.colleague = g.salesperson(store_id, "liu")
    g.other_manager = g.store_manager(other_store_id, "zhao")
    g.other_seller = g.salesperson(other_store_id, "sun")
    return g
