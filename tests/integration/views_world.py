"""A dealer group on a real event store and views database, for the read-model tests.

Tests drive the real domain services (with explicit business times) and then run the real
projection runner; the same body runs on SQLite and PostgreSQL through the `settings` fixture.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.app import Showroom
from domain.crm.service import Crm
from domain.inventory.service import Inventory
from domain.leads.service import Leads
from domain.organisation.service import Organisation
from domain.sales.service import Sales
from domain.shared.actor import SYSTEM, Role
from domain.shared.values import with_check_digit
from projections.db import Database, open_database
from projections.directory.phone_index import ViewPhoneIndex
from projections.projection import Projection
from projections.registry import all_projections
from projections.runner import ProjectionRunner, migrate
from workers import customer_keys
from workers.customer_keys import CustomerKeys
from workers.runtime import seal_with
from workers.settings import Settings

ADMIN = SYSTEM
# 10:00 on the sales floor in Shanghai, Monday 4 March 2024.
T0 = datetime(2024, 3, 4, 2, 0, tzinfo=UTC)


def at(minutes: float = 0, hours: float = 0, days: float = 0) -> datetime:
    return T0 + timedelta(minutes=minutes, hours=hours, days=days)


def vin(n: int) -> str:
    return with_check_digit(f"LSVAB4180E{n:07d}")


def phone(n: int) -> str:
    return f"139{n:08d}"


@dataclass
class World:
    """One event store, one views database, every service, and the runners started on them."""

    settings: Settings
    app: Showroom
    db: Database
    organisation: Organisation
    crm: Crm
    leads: Leads
    inventory: Inventory
    sales: Sales
    runners: list[ProjectionRunner] = field(default_factory=list)
    _phones: int = 0
    _vins: int = 0

    # --- the read side ------------------------------------------------------------------------

    def runner(
        self, projections: Iterable[Projection] | None = None, page_size: int = 1000
    ) -> ProjectionRunner:
        runner = ProjectionRunner(
            self.app,
            self.db,
            all_projections() if projections is None else projections,
            lock_dir=self.settings.data_dir,
            page_size=page_size,
            poll_seconds=0.01,
        )
        self.runners.append(runner)
        return runner

    def catch_up(self) -> None:
        """Run every projection up to the end of the log, then let go of their locks."""
        runner = self.runner()
        runner.run_until_caught_up()
        runner.stop()

    def close(self) -> None:
        for runner in self.runners:
            runner.stop()
        self.db.close()
        self.app.close()

    # --- organisation -------------------------------------------------------------------------

    def store(self, name: str = "Pudong BYD", timezone: str = "Asia/Shanghai") -> UUID:
        return self.organisation.open_store(
            ADMIN, name, "Shanghai", ["BYD", "Denza"], timezone, occurred_at=at(days=-30)
        ).id

    def salesperson(self, store_id: UUID, name: str) -> UUID:
        return self.organisation.hire_staff(
            ADMIN, store_id, name, Role.SALESPERSON, occurred_at=at(days=-30)
        ).id

    # --- the sales floor ----------------------------------------------------------------------

    def lead(
        self,
        store_id: UUID,
        salesperson_id: UUID | None,
        when: datetime,
        channel: str = "website",
    ) -> UUID:
        self._phones += 1
        return self.leads.capture_lead(
            ADMIN,
            store_id,
            channel,
            customer_name=f"Customer {self._phones}",
            customer_phone=phone(self._phones),
            model_interest="Han EV",
            salesperson_id=salesperson_id,
            occurred_at=when,
        ).id

    def vehicle(
        self,
        store_id: UUID,
        received_on: date = date(2024, 3, 1),
        cost: str = "100000",
        list_price: str = "120000",
        model: str = "Han",
        colour: str = "Black",
    ) -> UUID:
        self._vins += 1
        return self.inventory.receive_vehicle(
            ADMIN,
            store_id,
            vin(self._vins),
            "BYD",
            model,
            "EV",
            colour,
            2024,
            "new",
            Decimal(cost),
            Decimal(list_price),
            received_on=received_on,
            occurred_at=at(days=-20),
        ).id

    def contracted_deal(
        self,
        store_id: UUID,
        salesperson_id: UUID,
        when: datetime,
        price: str = "120000",
        discount: str = "0",
        cost: str = "100000",
        lead_id: UUID | None = None,
    ) -> UUID:
        """A deal with its own vehicle, quoted and signed at `when`."""
        vehicle_id = self.vehicle(store_id, cost=cost, list_price=price)
        if lead_id is None:
            self._phones += 1
            customer_id = self.crm.register_customer(
                ADMIN, store_id, f"Buyer {self._phones}", phone(self._phones), occurred_at=when
            ).id
        else:
            customer_id = self.leads.get_lead(ADMIN, lead_id).customer_id
        deal_id = self.sales.open_deal(
            ADMIN, store_id, customer_id, salesperson_id, lead_id=lead_id, occurred_at=when
        ).id
        self.sales.attach_vehicle(ADMIN, deal_id, vehicle_id, occurred_at=when)
        self.sales.quote_deal(ADMIN, deal_id, Decimal(price), Decimal(discount), occurred_at=when)
        self.sales.sign_contract(ADMIN, deal_id, occurred_at=when)
        return deal_id

    def delivered_deal(
        self, store_id: UUID, salesperson_id: UUID, when: datetime, **kw: Any
    ) -> UUID:
        deal_id = self.contracted_deal(store_id, salesperson_id, when, **kw)
        self.sales.deliver_deal(ADMIN, deal_id, occurred_at=when)
        return deal_id

    def unwind(self, deal_id: UUID, when: datetime) -> None:
        self.sales.unwind_deal(ADMIN, deal_id, "finance rejected", occurred_at=when)


def revealed(world: World, value: Any) -> Any:
    """`value` (rows of a view) as the API answers it: sealed personal values revealed."""
    from api.personal import Revealer

    return Revealer(CustomerKeys(world.db, world.settings.keys), None).value(value)


@contextmanager
def open_world(settings: Settings, read_wait_seconds: float = 0.0) -> Iterator[World]:
    """A fresh group on the backend of `settings`; closed (runners, views, store) at the end."""
    app = Showroom(env=settings.event_store_env(create_table=True))
    db = open_database(settings.database_url, settings.data_dir, settings.postgres_schema)
    migrate(db, all_projections())
    customer_keys.migrate(db)
    seal_with(app, CustomerKeys(db, settings.keys))
    crm = Crm(app, ViewPhoneIndex(app, db, wait_seconds=read_wait_seconds), settings.phone_key)
    world = World(
        settings=settings,
        app=app,
        db=db,
        organisation=Organisation(app),
        crm=crm,
        leads=Leads(app, crm),
        inventory=Inventory(app),
        sales=Sales(app),
    )
    try:
        yield world
    finally:
        world.close()


def table_rows(db: Database, projections: Iterable[Projection]) -> dict[str, list[Any]]:
    """Every row of every table of the projections, in a canonical order."""
    return {
        table: sorted(
            (tuple(sorted(r.items())) for r in db.query(f"SELECT * FROM {table}")), key=repr
        )
        for projection in projections
        for table in projection.tables
    }
