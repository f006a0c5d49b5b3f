"""The composition root: the long-lived resources of one process, and every service, built once.

One `Showroom` application (the event store), the views database, the projection runner, and
the ten context services over them with the read-side ports they need (phone index, KPI
counters, payroll views), all waiting as long as `Settings.read_wait_seconds` says. Shared
services are injected: sales, crm and leads check staff through the one `Organisation`, and
leads registers customers through the one `Crm`. The API (`api/deps.py`), the actors
(`workers/context.py`) and the CLI (`ops/cli/`) take their services from here and build none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from decimal import Decimal
from functools import cached_property

from audit.personal import SealingMapper
from domain.app import Showroom
from domain.appraisals.service import Appraisals
from domain.crm.ports import PhoneIndex
from domain.crm.service import Crm
from domain.finance.service import Finance
from domain.floor.service import FloorRotations
from domain.followups.service import FollowUps
from domain.intake.ports import SecretVault
from domain.intake.service import Campaigns, Partners
from domain.inventory.service import Inventory
from domain.inventory.used_service import UsedCars
from domain.leads.service import Leads
from domain.organisation.front import FrontOfHouse
from domain.organisation.second_factor import SecondFactors
from domain.organisation.service import Organisation
from domain.pay.four_eyes import DEFAULT_CONFIRM_ABOVE
from domain.pay.service.payroll import Payroll
from domain.pay.service.plans import PayPlans
from domain.performance.service import Performance
from domain.reporting.service import Reporting
from domain.routing.service import Routing
from domain.sales.service import Sales
from domain.satisfaction.service import Satisfaction
from domain.sla.service import ResponseSla
from domain.stock.service import Stock
from projections.db import Database, open_database
from projections.directory.open_leads import ViewOpenLeads
from projections.directory.phone_index import ViewPhoneIndex
from projections.notifications import queries as inbox_reads
from projections.payouts.sources import ViewPayrollSources
from projections.performance.counters import ViewKpiCounters
from projections.registry import all_projections
from projections.runner import ProjectionRunner
from projections.runner import migrate as migrate_views
from workers import (
    access_log,
    checkpoints,
    correlation,
    customer_keys,
    dispatcher,
    files,
    idempotency_keys,
    partner_secrets,
)
from workers import retention as file_retention
from workers import sessions as auth_sessions
from workers.access_log import AccessLog
from workers.customer_keys import CustomerKeys, tombstone_path
from workers.notify import store as notify_store
from workers.one_time_codes import PyOtpCodes
from workers.partner_secrets import PartnerSecrets
from workers.routing_floor import ViewFloor
from workers.settings import Settings


@dataclass
class Services:
    """The ten context services over one application, each built once, shared ones injected."""

    app: Showroom
    organisation: Organisation
    crm: Crm
    leads: Leads
    inventory: Inventory
    sales: Sales
    satisfaction: Satisfaction
    reporting: Reporting
    pay_plans: PayPlans
    payroll: Payroll
    performance: Performance
    second_factors: SecondFactors
    campaigns: Campaigns
    partners: Partners

    @cached_property
    def follow_ups(self) -> FollowUps:
        """Follow-up tasks and after-delivery calls (domain/followups)."""
        return FollowUps(self.app)

    @cached_property
    def used_cars(self) -> UsedCars:
        """Used cars: acquisition, reconditioning, front line, wholesale, aged policy."""
        return UsedCars(self.app)

    @cached_property
    def finance(self) -> Finance:
        """Loan applications on deals and the lenders' answers (domain/finance)."""
        return Finance(self.app)

    @cached_property
    def stock(self) -> Stock:
        """OEM orders, transfers with an approval, stock settings (domain/stock)."""
        return Stock(self.app)

    @cached_property
    def response_sla(self) -> ResponseSla:
        """Response-time SLA: store rules and each lead's clock (domain/sla)."""
        return ResponseSla(self.app)

    @classmethod
    def over(
        cls,
        app: Showroom,
        db: Database,
        *,
        wait_seconds: float,
        phone_key: bytes,
        phone_index: PhoneIndex | None = None,
        password_hasher: Callable[[str], str] | None = None,
        adjustment_confirm_above: Decimal = DEFAULT_CONFIRM_ABOVE,
        customer_keys: CustomerKeys | None = None,
        partner_vault: SecretVault | None = None,
    ) -> Services:
        """Every service over `app`, their read-side ports over `db` waiting `wait_seconds`.

        The simulator gives its own phone index (its phones are unique, so it need not wait for
        the directory view) and a password hasher that hashes each shared password once."""
        organisation = Organisation(app, password_hasher=password_hasher)
        crm = Crm(
            app,
            phone_index or ViewPhoneIndex(app, db, wait_seconds=wait_seconds),
            phone_key,
            organisation=organisation,
            keys=customer_keys,
        )
        leads = Leads(app, crm, organisation=organisation, open_leads=ViewOpenLeads(db))
        return cls(
            app=app,
            organisation=organisation,
            crm=crm,
            leads=leads,
            inventory=Inventory(app),
            sales=Sales(app, organisation=organisation),
            satisfaction=Satisfaction(app),
            reporting=Reporting(app),
            pay_plans=PayPlans(app),
            payroll=Payroll(
                app,
                ViewPayrollSources(app, db, wait_seconds),
                confirm_above=adjustment_confirm_above,
            ),
            performance=Performance(app, ViewKpiCounters(app, db, wait_seconds)),
            second_factors=SecondFactors(app, PyOtpCodes()),
            campaigns=Campaigns(app),
            partners=Partners(app, leads, partner_vault),
        )

    @cached_property
    def front(self) -> FrontOfHouse:
        """Sales teams and working time (built on first use, over the shared Organisation)."""
        return FrontOfHouse(self.app, self.organisation)

    @cached_property
    def floor_rotations(self) -> FloorRotations:
        """The walk-in rotation of each store (built on first use, over the shared services)."""
        return FloorRotations(self.app, self.leads, self.organisation)

    @cached_property
    def appraisals(self) -> Appraisals:
        """Appraisals and trade-ins (domain/appraisals, docs/trade-ins.md)."""
        return Appraisals(self.app)


@dataclass
class Runtime(Services):
    """One process's resources: the settings, the views database and the projection runner,
    besides the services (every one over the process's one application)."""

    settings: Settings
    db: Database
    runner: ProjectionRunner
    access_log: AccessLog
    customer_keys: CustomerKeys

    @classmethod
    def build(cls, settings: Settings, *, create_tables: bool = False) -> Runtime:
        """This process's runtime; `create_tables` runs the migrate step first (DDL, once)."""
        app = Showroom(env=settings.event_store_env(create_table=create_tables))
        db = open_database(settings.database_url, settings.data_dir, settings.postgres_schema)
        app.commit_observers = (correlation.observer(db, dispatcher.RULES),)
        if create_tables:
            migrate_tables(app, db)
        keys = CustomerKeys(db, settings.keys, tombstone_path(settings.keys_dir))
        seal_with(app, keys)
        runner = ProjectionRunner(
            app,
            db,
            all_projections(),
            lock_dir=settings.data_dir,
            page_size=settings.page_size,
            poll_seconds=settings.poll_seconds,
            notify_url=settings.database_url,
        )
        services = Services.over(
            app,
            db,
            wait_seconds=settings.read_wait_seconds,
            phone_key=settings.phone_key,
            adjustment_confirm_above=settings.adjustment_confirm_above,
            customer_keys=keys,
            partner_vault=PartnerSecrets(db, settings.keys),
        )
        built = {f.name: getattr(services, f.name) for f in fields(Services)}
        # The access log's writer appends in the background; its key is read once, here.
        log = AccessLog(db, settings.keys)
        return cls(
            settings=settings,
            db=db,
            runner=runner,
            access_log=log,
            customer_keys=keys,
            **built,
        )

    @cached_property
    def routing(self) -> Routing:
        """Lead routing (domain/routing), its floor read from the duty and directory views."""
        floor = ViewFloor(self.app, self.db, self.settings.read_wait_seconds)
        return Routing(self.app, floor, self.organisation)

    def close(self) -> None:
        self.access_log.close()  # writes what is queued before the database closes
        self.runner.stop()
        self.db.close()
        self.app.close()


def migrate_tables(app: Showroom, db: Database) -> None:
    """The one migrate step after the event store's own tables: every view with its tracking
    (reset when its shape changed or it is ahead of the log), idempotency keys, export files."""
    # Views tracked beyond the log (older events restored) are reset and replayed.
    migrate_views(db, all_projections(), head=app.position())
    idempotency_keys.migrate(db)
    files.migrate(db)
    dispatcher.migrate(db)
    file_retention.migrate(db)
    checkpoints.migrate(db)  # the log chain's links and checkpoints (not views: never dropped)
    auth_sessions.migrate(db)
    customer_keys.migrate(db)
    access_log.migrate(db)  # append-only, hash-chained (workers/access_log.py)
    partner_secrets.migrate(db)  # partners' wrapped secrets, webhook-ids, deliveries
    notify_store.migrate(db)  # notification preferences, robots, deliveries
    inbox_reads.migrate(db)  # which notifications each user has read (kept across rebuilds)


def seal_with(app: Showroom, keys: CustomerKeys) -> None:
    """Give the application's sealing mapper (MAPPER_TOPIC) the customer key store."""
    if isinstance(app.mapper, SealingMapper):
        app.mapper.keys = keys


def migrate(settings: Settings) -> None:
    """Create every table once per deployment (`showroom migrate`, `make run`, the benchmarks)."""
    Runtime.build(settings, create_tables=True).close()
